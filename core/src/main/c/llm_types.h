/*
 * What every language-model kernel file names the same way: the GGML type ids
 * (dev.wasmgrid.llm.TensorType) and IQ4_NL's and IQ4_XS's 16 values.
 */
#ifndef WG_LLM_TYPES_H
#define WG_LLM_TYPES_H

#include <stdint.h>

enum {
  T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8, T_Q2_K = 10, T_Q3_K = 11, T_Q4_K = 12,
  T_Q5_K = 13, T_Q6_K = 14, T_IQ4_NL = 20, T_IQ4_XS = 23
};

/* The values IQ4_NL's and IQ4_XS's 4-bit indices pick (llama.cpp's kvalues_iq4nl). */
static const int8_t IQ4_VALUES[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                      1,    13,   25,  38,  53,  69,  89,  113};

#endif
