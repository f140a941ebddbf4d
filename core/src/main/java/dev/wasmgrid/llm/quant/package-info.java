/**
 * Block codecs of the GGUF tensor types the runtime keeps packed ({@code PackedMatrix}): one class
 * per type, named after it ({@code Q4_KCodec}, {@code Iq4XsCodec}, ...), whose Javadoc gives the
 * block layout and whose {@code decode} turns blocks back into floats with llama.cpp's reference
 * arithmetic, so that the weights match llama.cpp's bit for bit. {@link
 * dev.wasmgrid.llm.quant.KScales} unpacks the 6-bit scales Q4_K and Q5_K share; {@link
 * dev.wasmgrid.llm.quant.BlockCodecs#of} picks the codec for a type.
 *
 * <p>Adding a type: its constant in {@code TensorType} (GGML id, weights and bytes per block), a
 * codec here, a case in {@code BlockCodecs}, and a llama.cpp file of it in {@code
 * LlamaCppQuantsTest}, which checks every tensor against llama.cpp's dequantization. Plain Java
 * only: the browser build compiles this package.
 */
package dev.wasmgrid.llm.quant;
