#!/usr/bin/env bash
# The test command: installs what the build and the tests need, then runs the whole suite.
# Tests that score the parser against ../shared/corpus run when that folder exists and are skipped otherwise;
# WATCHER_NO_TESTBED=1 skips starting the mail servers (the live tests are then skipped too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# A real headless browser (and a Japanese font) for the test that renders the summary mail's HTML;
# libfaketime for the test that moves watch's wall clock.
if ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/opentype/ipafont-gothic ] || ! dpkg -s libfaketime >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "installing: chromium fonts-ipafont-gothic libfaketime"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-ipafont-gothic libfaketime >/dev/null
fi
# Real Dovecot and Postfix on 127.0.0.1 for the IMAP/SMTP tests (installed with apt-get when missing).
if [ "${WATCHER_NO_TESTBED:-}" != 1 ]; then
  scripts/testbed.sh start
  trap 'scripts/testbed.sh stop' EXIT
fi
swift build --build-tests
swift test --skip-build "$@"
