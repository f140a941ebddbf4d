package dev.wasmgrid.bench;

import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.LlamaWeights;
import dev.wasmgrid.llm.Model;

/**
 * How close decoding comes to the memory-bandwidth bound: a decoded token reads every weight matrix
 * once and the KV cache up to its position, so no decoder on this machine passes {@code
 * mem_read_gbs / bytes_per_token} tokens per second once the model is larger than the caches.
 */
final class Roofline {

  private Roofline() {}

  /**
   * Bytes read per decoded token, averaged over a timed run of {@code tokens} tokens after a prompt
   * of {@code promptTokens}:
   *
   * <pre>
   * bytes_per_token = W + 2 × layers × kvDim × kvValueBytes × (promptTokens + tokens / 2)
   * </pre>
   *
   * where {@code W} is the bytes of every matrix of every layer (q, k, v, output, gate, down, up)
   * plus the classifier's, as the model holds them in memory ({@code WeightMatrix.bytes()}: four
   * per F32 weight, 9/8 per Q8_0, Q4_0 or Q5_0 weight and 10/8 per Q4_K, Q5_K or Q6_K weight
   * widened onto the heap, a file's packed blocks for a quantized type left packed); a token
   * embedding that is not also the classifier adds only one row per token and is left out, as are
   * the norm vectors (under 0.1%). The second term is the key and value cache, {@code kvValueBytes}
   * a value (2 for F16, 4 for F32, {@code LanguageModel.kvValueBytes()}): the timed tokens after
   * the first one (the rate {@code tok_s} counts) attend to {@code promptTokens + 1} up to {@code
   * promptTokens + tokens - 1} positions, {@code promptTokens + tokens / 2} on average.
   */
  static double bytesPerToken(Model model, int kvValueBytes, int promptTokens, int tokens) {
    LlamaWeights w = model.weights();
    long weights = w.classifier().bytes();
    for (int l = 0; l < w.wq().size(); l++) {
      weights += w.wq().get(l).bytes() + w.wk().get(l).bytes() + w.wv().get(l).bytes();
      weights += w.wo().get(l).bytes();
      weights += w.w1().get(l).bytes() + w.w2().get(l).bytes() + w.w3().get(l).bytes();
    }
    LlamaConfig c = model.config();
    double kvPerPosition = 2.0 * c.layers() * c.kvDim() * kvValueBytes;
    return weights + kvPerPosition * (promptTokens + tokens / 2.0);
  }

  /** {@code tokS × bytesPerToken / (gbs × 10^9)}: the share of the read bandwidth decoding uses. */
  static double fraction(double tokS, double bytesPerToken, double gbs) {
    return tokS * bytesPerToken / (gbs * 1e9);
  }
}
