#!/usr/bin/env bash
# The test command: installs what the build and the tests need, then runs the whole suite.
# Tests that score the parser against ../shared/corpus run when that folder exists and are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
