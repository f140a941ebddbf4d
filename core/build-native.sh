#!/bin/sh
# Builds the language model's native kernels (src/main/c/llm_kernels.c) with gcc into
#   OUT_DIR/dev/wasmgrid/llm/jvm/native/linux-x86_64/libwasmgrid-llm.so
# where NativeKernels finds them. Without gcc, or on another system or CPU family, it builds
# nothing and says so: the JVM then runs the Vector API kernels, which need no library.
#   core/build-native.sh OUT_DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
SRC="$(cd "$(dirname "$0")" && pwd)/src/main/c/llm_kernels.c"
DIR="$1/dev/wasmgrid/llm/jvm/native/linux-x86_64"
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "native kernels: not built ($(uname -s) $(uname -m); they are for x86-64 Linux)"
  exit 0
fi
CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null; then
  echo "native kernels: not built (no $CC; apt-get install -y gcc builds them)"
  exit 0
fi
mkdir -p "$DIR"
# AVX2, FMA and F16C, which the library checks at run time (wg_supported) before anything runs.
# -ffp-contract=off: a row's sum must not depend on how the compiler fused its instantiation.
"$CC" -O3 -mavx2 -mfma -mf16c -ffp-contract=off -fPIC -shared -Wall -Wextra -Werror \
  -o "$DIR/libwasmgrid-llm.so" "$SRC"
