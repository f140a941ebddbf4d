package dev.wasmgrid.llm;

/**
 * A loaded model: hyper-parameters, weights, vocabulary, and where they came from.
 *
 * @param format {@code gguf} or {@code llama2c}
 * @param dtype encoding of the layer matrices in the file
 */
public record Model(
    LlamaConfig config,
    LlamaWeights weights,
    Vocabulary vocabulary,
    String format,
    TensorType dtype) {

  public Model {
    weights.check(config);
    if (vocabulary.size() != config.vocabSize()) {
      throw new ModelFormatException(
          "vocabulary has " + vocabulary.size() + " tokens, the model " + config.vocabSize());
    }
  }

  /**
   * This model with its context (and so its KV cache) cut to at most {@code maxPositions}; the
   * weights are shared. Files often declare contexts far longer than a task needs.
   */
  public Model withContext(int maxPositions) {
    if (maxPositions < 1) {
      throw new IllegalArgumentException("context must be >= 1, got " + maxPositions);
    }
    if (maxPositions >= config.seqLen()) {
      return this;
    }
    return new Model(config.withSeqLen(maxPositions), weights, vocabulary, format, dtype);
  }
}
