package dev.wasmgrid.llm;

/**
 * Picks the next token from logits: greedy at temperature 0, otherwise softmax at the temperature,
 * then top-k, then top-p (nucleus), then a draw from a seeded xorshift generator (llama2.c's), so a
 * seed gives the same tokens on every engine. Buffers are allocated once; not thread-safe.
 *
 * <p>Without top-k this is llama2.c's {@code run.c} sampler to the bit: one coin per token, drawn
 * before any truncation; the nucleus is the most likely tokens up to and including the first whose
 * running sum of probabilities exceeds p, the running sum taken over the whole distribution; the
 * coin is scaled by the nucleus's mass and walks its cumulative sum. With top-k too, the k most
 * likely tokens are kept first and the nucleus is taken within them as if they were renormalised:
 * the running sum must exceed p times their mass. Ties in probability order by token id (run.c's
 * {@code qsort} leaves them in no set order).
 */
public final class Sampler {
  private final float temperature;
  private final int topK;
  private final float topP;
  private final int[] order;
  private final Compute compute;
  private long state;

  /**
   * @param vocabSize logits per call
   * @param temperature 0 for greedy
   * @param topK keep the k most likely tokens; 0 keeps all
   * @param topP keep the most likely tokens until their probability exceeds p; 0 or 1 keeps all
   * @param seed seed of the draws
   */
  public Sampler(int vocabSize, float temperature, int topK, float topP, long seed) {
    this(vocabSize, temperature, topK, topP, seed, new ScalarCompute());
  }

  /**
   * The same sampler, its softmax's exponentials and their sum by {@code compute} ({@link
   * Compute#expsSum}: the same floats, faster where the compute has a faster way).
   */
  public Sampler(
      int vocabSize, float temperature, int topK, float topP, long seed, Compute compute) {
    if (!(temperature >= 0) || topK < 0 || !(topP >= 0 && topP <= 1)) {
      throw new IllegalArgumentException(
          "sampling needs temperature >= 0, topK >= 0, 0 <= topP <= 1; got "
              + temperature
              + ", "
              + topK
              + ", "
              + topP);
    }
    this.temperature = temperature;
    this.topK = topK;
    this.topP = topP;
    this.order = new int[vocabSize];
    this.compute = compute;
    // xorshift never leaves the all-zero state, so seed 0 maps to a fixed non-zero one.
    this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
  }

  /** The next token; {@code logits} is overwritten with probabilities when sampling. */
  public int sample(float[] logits) {
    int n = logits.length;
    if (temperature == 0) {
      return compute.argmax(logits, n);
    }
    for (int i = 0; i < n; i++) {
      logits[i] /= temperature;
    }
    Transformer.softmax(logits, n, compute);
    float coin = nextFloat();
    boolean truncate = (topK > 0 && topK < n) || (topP > 0 && topP < 1);
    if (!truncate) {
      return multinomial(logits, coin);
    }
    return truncated(logits, coin);
  }

  /** Uniform in [0, 1), 24 bits, as llama2.c's {@code random_f32}. */
  float nextFloat() {
    return (nextInt() >>> 8) / 16777216.0f;
  }

  private int nextInt() {
    state ^= state >>> 12;
    state ^= state << 25;
    state ^= state >>> 27;
    return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
  }

  private int truncated(float[] probs, float coin) {
    int n = probs.length;
    boolean nucleus = topP > 0 && topP < 1;
    boolean cutK = topK > 0 && topK < n;
    int keep;
    if (cutK) {
      keep = selectTop(probs, topK);
      if (nucleus) {
        keep = nucleusOfSorted(probs, keep, topP * mass(probs, keep));
      }
    } else {
      // A nucleus alone: a token below (1 - p) / (n - 1) cannot join it after the first (run.c's
      // cut), so most of the vocabulary is never looked at again.
      float cutoff = (1 - topP) / (n - 1);
      int count = 0;
      for (int i = 0; i < n; i++) {
        if (probs[i] >= cutoff) {
          order[count++] = i;
        }
      }
      if (count == 0) {
        // Only when p < 1/n and the distribution is near uniform: the nucleus is the likeliest.
        return argmax(probs);
      }
      // The whole distribution's mass is 1 (run.c compares with p itself).
      keep = nucleusOfCandidates(probs, count, topP);
    }
    float r = coin * mass(probs, keep);
    float cdf = 0;
    for (int i = 0; i < keep; i++) {
      cdf += probs[order[i]];
      if (r < cdf) {
        return order[i];
      }
    }
    return order[keep - 1];
  }

  /** The probability of the {@code count} likeliest tokens, summed from the likeliest. */
  private float mass(float[] probs, int count) {
    float sum = 0;
    for (int i = 0; i < count; i++) {
      sum += probs[order[i]];
    }
    return sum;
  }

  /**
   * The {@code k} likeliest tokens into {@code order[0, k)}, likeliest first, in the order sorting
   * the whole vocabulary gives (ties to the lower id): a heap of the best k so far, each token
   * compared with its worst, rather than all sorted (4.4 ms for 32,000 tokens, ~0.1 ms this way).
   */
  private int selectTop(float[] probs, int k) {
    for (int i = 0; i < k; i++) {
      order[i] = i;
    }
    for (int i = k / 2 - 1; i >= 0; i--) {
      siftDown(probs, i, k, true);
    }
    for (int i = k; i < probs.length; i++) {
      if (before(probs, order[0], i)) {
        order[0] = i;
        siftDown(probs, 0, k, true);
      }
    }
    extractSorted(probs, k);
    return k;
  }

  /**
   * How many of the tokens sorted in {@code order[0, count)} the nucleus keeps: up to and including
   * the first whose running sum exceeds {@code limit}, or all.
   */
  private int nucleusOfSorted(float[] probs, int count, float limit) {
    float cumulative = 0;
    for (int i = 0; i < count; i++) {
      cumulative += probs[order[i]];
      if (cumulative > limit) {
        return i + 1;
      }
    }
    return count;
  }

  /**
   * The nucleus of the {@code count} candidates in {@code order}, into {@code order[0, keep)},
   * likeliest first: tokens taken off a heap of them one at a time, likeliest first, until their
   * running sum exceeds {@code limit} — the order and sums of sorting every candidate, without
   * sorting those past the nucleus (with 20,000 candidates, most of a draw's time).
   */
  private int nucleusOfCandidates(float[] probs, int count, float limit) {
    for (int i = count / 2 - 1; i >= 0; i--) {
      siftDown(probs, i, count, false);
    }
    float cumulative = 0;
    int size = count;
    while (size > 0 && !(cumulative > limit)) {
      // The likeliest left goes to the end of the heap's part: order[size, count) least first.
      int top = order[0];
      order[0] = order[--size];
      order[size] = top;
      siftDown(probs, 0, size, false);
      cumulative += probs[top];
    }
    int keep = count - size;
    for (int i = size, j = count - 1; i < j; i++, j--) {
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    System.arraycopy(order, size, order, 0, keep);
    return keep;
  }

  /** Sorts a heap of {@code count} tokens in {@code order}, likeliest first. */
  private void extractSorted(float[] probs, int count) {
    for (int end = count - 1; end > 0; end--) {
      int t = order[0];
      order[0] = order[end];
      order[end] = t;
      siftDown(probs, 0, end, true);
    }
  }

  /**
   * Restores a heap of {@code order[0, size)} below {@code i}: the least likely token on top (ties:
   * the larger index), so that extracting gives the likeliest first, or with {@code least} false
   * the likeliest (ties: the smaller index).
   */
  private void siftDown(float[] probs, int i, int size, boolean least) {
    while (true) {
      int top = i;
      int l = 2 * i + 1;
      int r = l + 1;
      if (l < size && above(probs, order[l], order[top], least)) {
        top = l;
      }
      if (r < size && above(probs, order[r], order[top], least)) {
        top = r;
      }
      if (top == i) {
        return;
      }
      int t = order[i];
      order[i] = order[top];
      order[top] = t;
      i = top;
    }
  }

  /** Whether token a belongs above token b in a heap of that kind. */
  private static boolean above(float[] probs, int a, int b, boolean least) {
    return least ? before(probs, a, b) : before(probs, b, a);
  }

  private static boolean before(float[] probs, int a, int b) {
    return probs[a] < probs[b] || (probs[a] == probs[b] && a > b);
  }

  private static int multinomial(float[] probs, float coin) {
    float cdf = 0;
    for (int i = 0; i < probs.length; i++) {
      cdf += probs[i];
      if (coin < cdf) {
        return i;
      }
    }
    return probs.length - 1;
  }

  /** Index of the largest value, the first one on ties. */
  public static int argmax(float[] v) {
    return argmax(v, v.length);
  }

  /** Index of the largest of {@code v[0..n)}, the first one on ties; 0 when n is 0. */
  static int argmax(float[] v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
