package dev.wasmgrid.llm;

/** GGML's names for its tensor type ids, so that a refusal names a type we do not read. */
final class GgmlTypeNames {

  private static final String[] NAMES = {
    "F32",
    "F16",
    "Q4_0",
    "Q4_1",
    "Q4_2 (retired)",
    "Q4_3 (retired)",
    "Q5_0",
    "Q5_1",
    "Q8_0",
    "Q8_1",
    "Q2_K",
    "Q3_K",
    "Q4_K",
    "Q5_K",
    "Q6_K",
    "Q8_K",
    "IQ2_XXS",
    "IQ2_XS",
    "IQ3_XXS",
    "IQ1_S",
    "IQ4_NL",
    "IQ3_S",
    "IQ2_S",
    "IQ4_XS",
    "I8",
    "I16",
    "I32",
    "I64",
    "F64",
    "IQ1_M",
    "BF16",
    "Q4_0_4_4 (retired)",
    "Q4_0_4_8 (retired)",
    "Q4_0_8_8 (retired)",
    "TQ1_0",
    "TQ2_0",
    "IQ4_NL_4_4 (retired)",
    "IQ4_NL_4_8 (retired)",
    "IQ4_NL_8_8 (retired)",
    "MXFP4"
  };

  /** Ids below this are GGML types (some retired); ids from here on are not. */
  static final int COUNT = NAMES.length;

  private GgmlTypeNames() {}

  /** The name of GGML type {@code id}, or null when there is no such type. */
  static String name(int id) {
    return id >= 0 && id < NAMES.length ? NAMES[id] : null;
  }
}
