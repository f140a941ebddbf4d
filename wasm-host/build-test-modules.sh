#!/bin/sh
# Builds the test modules from src/test with real toolchains, the way their users build them:
#   wasm-host/build-test-modules.sh OUT_DIR
#   OUT_DIR/wasi_text.wasm        C against Debian's wasi-libc (clang, wasm-ld, libclang-rt wasm32)
#   OUT_DIR/leaky.wasm           C against wasi-libc: a state and a call that leaks, with buffers
#   OUT_DIR/simd.wasm            C with -msimd128: v128 instructions the host refuses
#   OUT_DIR/missing_imports.wasm  C, freestanding, importing functions the host does not provide
#   OUT_DIR/checks.wasm           AssemblyScript (asc from npm, pinned by package-lock.json)
#   OUT_DIR/wasi_text_native      wasi_text.c built natively (wasi_text_main.c), for comparisons
#   OUT_DIR/stream_hash.wasm      C against wasi-libc: a streaming XXH64 (xxh_new/update/digest)
#   OUT_DIR/stream_hash_native    stream_hash.c built natively by gcc (stream_hash_main.c)
#   OUT_DIR/words.wasm            Rust for WASI (Debian's rustc and libstd-rust-dev-wasm32)
# Nothing is committed: the tests run this script (TestModules) and load its output.
# Needs: apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32 rustc libstd-rust-dev-wasm32 nodejs npm
# (./wasmgrid test installs them when run as root), and the npm registry the first time.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
SRC="$(cd "$(dirname "$0")" && pwd)/src/test"

CLANG="$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | sort -V | tail -n1 || true)"
[ -n "$CLANG" ] || { echo "clang not found: apt-get install -y clang lld" >&2; exit 3; }
if ! command -v wasm-ld >/dev/null; then
  LD="$(ls /usr/bin/wasm-ld-[0-9]* 2>/dev/null | sort -V | tail -n1 || true)"
  [ -n "$LD" ] || { echo "wasm-ld not found: apt-get install -y lld" >&2; exit 3; }
  BIN="$(mktemp -d)"
  trap 'rm -rf "$BIN"' EXIT
  ln -s "$LD" "$BIN/wasm-ld"
  PATH="$BIN:$PATH"
fi
[ -f /usr/lib/wasm32-wasi/libc.a ] \
  || { echo "wasi-libc not found: apt-get install -y wasi-libc libclang-rt-dev-wasm32" >&2; exit 3; }

# A reactor (no main; _initialize runs the constructors), exporting wasi-libc's own malloc and free
# as a library's users export them so that a host can pass buffers.
"$CLANG" --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
  -Wl,--export=malloc -Wl,--export=free -Wl,--strip-debug \
  -o "$OUT/wasi_text.wasm" "$SRC/c/wasi_text.c"

"$CLANG" --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
  -Wl,--export=malloc -Wl,--export=free -Wl,--strip-debug \
  -o "$OUT/leaky.wasm" "$SRC/c/leaky.c"

"$CLANG" --target=wasm32 -O2 -msimd128 -nostdlib -Wl,--no-entry -Wl,--strip-debug \
  -o "$OUT/simd.wasm" "$SRC/c/simd.c"

"$CLANG" -O2 -o "$OUT/wasi_text_native" "$SRC/c/wasi_text.c" "$SRC/c/wasi_text_main.c"

"$CLANG" --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor \
  -Wl,--export=malloc -Wl,--export=free -Wl,--strip-debug \
  -o "$OUT/stream_hash.wasm" "$SRC/c/stream_hash.c"
# The native comparison by another compiler than the wasm build's, where there is one.
CC="$(command -v gcc || echo "$CLANG")"
"$CC" -O2 -o "$OUT/stream_hash_native" "$SRC/c/stream_hash.c" "$SRC/c/stream_hash_main.c"

"$CLANG" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-debug \
  -o "$OUT/missing_imports.wasm" "$SRC/c/missing_imports.c"

# Debian's rustc first: a rustup one on PATH may lack the WASI target. Debian 12's (1.63) calls it
# wasm32-wasi, newer ones wasm32-wasip1.
RUSTC="$( [ -x /usr/bin/rustc ] && echo /usr/bin/rustc || command -v rustc || true)"
[ -n "$RUSTC" ] || { echo "rustc not found: apt-get install -y rustc libstd-rust-dev-wasm32" >&2; exit 3; }
RUSTLIB="$("$RUSTC" --print sysroot)/lib/rustlib"
if [ -d "$RUSTLIB/wasm32-wasip1" ]; then RTARGET=wasm32-wasip1
elif [ -d "$RUSTLIB/wasm32-wasi" ]; then RTARGET=wasm32-wasi
else echo "no WASI target for $RUSTC: apt-get install -y libstd-rust-dev-wasm32" >&2; exit 3
fi
"$RUSTC" --target "$RTARGET" --crate-type cdylib -O -C strip=debuginfo \
  -o "$OUT/words.wasm" "$SRC/rust/words.rs"

command -v npm >/dev/null || { echo "npm not found: apt-get install -y nodejs npm" >&2; exit 3; }
AS="$OUT/assemblyscript"
mkdir -p "$AS"
cp "$SRC/assemblyscript/package.json" "$SRC/assemblyscript/package-lock.json" \
  "$SRC/assemblyscript/checks.ts" "$AS/"
if [ ! -f "$AS/node_modules/assemblyscript/package.json" ]; then
  (cd "$AS" && npm ci --no-audit --no-fund >&2)
fi
(cd "$AS" && node node_modules/assemblyscript/bin/asc.js checks.ts --optimize --importMemory \
  --runtime stub -o "$OUT/checks.wasm")
