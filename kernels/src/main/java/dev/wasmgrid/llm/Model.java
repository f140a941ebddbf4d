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
}
