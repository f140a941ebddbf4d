package dev.wasmgrid.llm;

/**
 * What {@code modelInfo()} reports.
 *
 * @param format {@code gguf}, {@code llama2c} or {@code memory}
 * @param dtype encoding of the layer matrices, e.g. {@code q8_0}
 * @param parameters number of weights (a shared classifier counted once)
 * @param weightBytes bytes the weights occupy in memory
 * @param compute the compute path, e.g. {@code vector-512x1} or {@code scalar}
 */
public record ModelInfo(
    String format,
    String dtype,
    int dim,
    int hiddenDim,
    int layers,
    int heads,
    int kvHeads,
    int vocabSize,
    int contextLength,
    long parameters,
    long weightBytes,
    String compute) {}
