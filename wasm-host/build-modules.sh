#!/bin/sh
# Builds the wasm modules from src/main/c with Debian's clang and lld (wasm-ld), no libc.
#   wasm-host/build-modules.sh OUT_DIR      writes OUT_DIR/prover.wasm and OUT_DIR/matmul.wasm
# The committed binaries (src/main/resources/dev/wasmgrid/wasm/modules/) are this script's output,
# and ModuleSourcesTest rebuilds them and compares the bytes. The build is byte-reproducible, but
# the modules' 'producers' custom section records the clang version (Debian 12: clang 14.0.6):
# another clang major fails that test by design, and the binaries must then be rebuilt with
#   wasm-host/build-modules.sh wasm-host/src/main/resources/dev/wasmgrid/wasm/modules
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
OUT="$1"
SRC="$(cd "$(dirname "$0")" && pwd)/src/main/c"
mkdir -p "$OUT"

# clang, else the newest versioned clang-NN (Debian installs both names with the clang package).
CLANG="$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | sort -V | tail -n1 || true)"
[ -n "$CLANG" ] || { echo "clang not found: apt-get install -y clang lld" >&2; exit 3; }
# clang runs 'wasm-ld' by that name; Debian's lld-NN alone only has wasm-ld-NN, so link it in.
if ! command -v wasm-ld >/dev/null; then
  LD="$(ls /usr/bin/wasm-ld-[0-9]* 2>/dev/null | sort -V | tail -n1 || true)"
  [ -n "$LD" ] || { echo "wasm-ld not found: apt-get install -y lld" >&2; exit 3; }
  BIN="$(mktemp -d)"
  trap 'rm -rf "$BIN"' EXIT
  ln -s "$LD" "$BIN/wasm-ld"
  PATH="$BIN:$PATH"
fi

# -mno-bulk-memory / -mmutable-globals: MVP-level features only, so any runtime accepts them.
# --initial-memory=131072: 2 pages; --max-memory=4 GiB: the host's limit is the real cap.
# __stack_pointer and __heap_base are exported so a host can snapshot and restore an instance.
for m in prover matmul; do
  "$CLANG" --target=wasm32 -O2 -nostdlib -ffreestanding -fno-builtin -mno-bulk-memory -mmutable-globals \
    -Wl,--no-entry -Wl,--export=__stack_pointer -Wl,--export=__heap_base \
    -Wl,--initial-memory=131072 -Wl,--max-memory=4294967296 -Wl,--strip-debug \
    -o "$OUT/$m.wasm" "$SRC/$m.c"
done
