#!/bin/sh
# Builds the native kernels into OUT_DIR, where the classes that call them find them:
#   src/main/c/llm_kernels.c, llm_f32_kernels.c, llm_interleave.c, llm_interleaved_kernels.c
#     (and llm_interleaved_kernels_l1.c, the same with other fetches), llm_exp_kernels.c,
#     llm_attention_kernels.c (with llm_fetch.h, llm_types.h, llm_interleaved.h)
#     -> dev/wasmgrid/llm/jvm/native/linux-x86_64/libwasmgrid-llm.so
#   src/main/c/sim_kernels.c -> dev/wasmgrid/sim/native/linux-x86_64/libwasmgrid-sim.so
# Without gcc, or on another system or CPU family, it builds nothing and says so: the JVM then runs
# the Vector API kernels, which need no library.
#   core/build-native.sh OUT_DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
SRC="$(cd "$(dirname "$0")" && pwd)/src/main/c"
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "native kernels: not built ($(uname -s) $(uname -m); they are for x86-64 Linux)"
  exit 0
fi
CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null; then
  echo "native kernels: not built (no $CC; apt-get install -y gcc builds them)"
  exit 0
fi
LLM="$1/dev/wasmgrid/llm/jvm/native/linux-x86_64"
SIM="$1/dev/wasmgrid/sim/native/linux-x86_64"
mkdir -p "$LLM" "$SIM"
# -ffp-contract=off: a sum must not depend on how the compiler fused its operations. Each library
# checks the CPU at run time (wg_supported, wg_sim_supported) before anything else runs.
FLAGS="-O3 -ffp-contract=off -fPIC -shared -Wall -Wextra -Werror"
# shellcheck disable=SC2086 # FLAGS is a list of words
"$CC" $FLAGS -mavx2 -mfma -mf16c -o "$LLM/libwasmgrid-llm.so" "$SRC/llm_kernels.c" "$SRC/llm_f32_kernels.c" \
  "$SRC/llm_interleave.c" "$SRC/llm_interleaved_kernels.c" "$SRC/llm_interleaved_kernels_l1.c" \
  "$SRC/llm_exp_kernels.c" "$SRC/llm_attention_kernels.c" -lm
# No -mfma: the simulation's floats must be the Java engines' bit for bit, and nothing fused;
# -fno-math-errno lets sqrt be the instruction (errno is never read; the results are the same).
# shellcheck disable=SC2086
"$CC" $FLAGS -mavx2 -fno-math-errno -o "$SIM/libwasmgrid-sim.so" "$SRC/sim_kernels.c" -lm
