#!/usr/bin/env bash
# Installs what is needed, builds watcher, and analyses the bundled example spam.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
.build/release/watcher analyze examples/spam/*.eml
