#!/usr/bin/env bash
# Installs the app's build-time npm dependencies (package-lock.json, integrity-checked by npm ci)
# into node_modules, unless that lock file is already installed there: repeated builds stay fast
# and offline. Maven's resources step then copies only the charting library's dist files and its
# LICENSE into the app.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
STAMP=node_modules/.installed-package-lock.json
if [ -f "$STAMP" ] && cmp -s package-lock.json "$STAMP"; then
  exit 0
fi
command -v npm >/dev/null || {
  echo "web: the build needs npm to install the charting library from web/package-lock.json:" \
    "apt-get install -y nodejs npm (./wasmgrid does this when run as root)" >&2
  exit 1
}
npm ci --no-audit --no-fund --ignore-scripts
cp package-lock.json "$STAMP"
