/*
 * llm_interleaved_kernels.c again, its software fetches into L1 (prefetcht0) rather than L2: the
 * level a Zen 5 reads its weights faster with, to which wg_rows_interleaved hands those products
 * (fetch_l1).
 */
#define WG_FETCH_L1
#define wg_rows_interleaved wg_rows_interleaved_l1
#include "llm_interleaved_kernels.c"
