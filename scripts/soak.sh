#!/usr/bin/env bash
# The soak: `watch` for WATCHER_SOAK_MINUTES (default 10) while WATCHER_SOAK_SPAMS (default 2000) spams
# arrive at random times, Dovecot restarts 20 times and every open connection is cut 50 times.
# Prints what was lost, doubled, and the resident memory of watch by minute. Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export WATCHER_SOAK_MINUTES=${WATCHER_SOAK_MINUTES:-10} WATCHER_SOAK_SPAMS=${WATCHER_SOAK_SPAMS:-2000}
scripts/testbed.sh start
swift build --build-tests
swift test --skip-build --filter SoakTests 2>&1 | grep -E "soak:|✔|✘|Expectation"
