#!/usr/bin/env bash
# Installs what is needed, builds watcher, and runs it over the bundled example spam: messages from
# examples/spam, reports written to examples/run/drafts (no mail server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --static-swift-stdlib
.build/release/watcher run --config examples/local.toml
echo "reports written:"; ls -1 examples/run/drafts
