#!/usr/bin/env bash
# Fuzzes every parser of hostile input with libFuzzer (AddressSanitizer on), seeded from
# ../shared/corpus (when beside the project) and the project's fixtures.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     e.g. scripts/fuzz.sh 6         (CI: a minute in all)
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 0 html            (a long run: a number of executions instead)
# Each input has 2 s (-timeout: a hang is a failure) and 2 GB. A crash, hang or leak stops the run,
# leaves the input in .fuzz/<target>/ (crash-*, timeout-*, leak-*) and exits non-zero; make it a
# regression test with a minimal input (-minimize_crash=1).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-6}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mime encoded-words header-fields received authentication-results html urls whois rdap config analyze)
scripts/install-deps.sh
swift build -c release --scratch-path .build-fuzz --product watcher-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING >/dev/null
bin=.build-fuzz/release/watcher-fuzz
corpus=../shared/corpus
seed() {  # seed FOLDER FIND-ARGS…: copies up to 400 small files as seeds
  local out=$1; shift
  mkdir -p "$out"
  { find "$@" -type f -size -64k 2>/dev/null || true; } | head -400 | while read -r f; do cp "$f" "$out/$(echo "$f" | md5sum | cut -c1-12)"; done
}
status=0
for t in "${targets[@]}"; do
  dir=.fuzz/$t; mkdir -p "$dir/corpus"
  case $t in
    mime|encoded-words|header-fields|received|authentication-results|analyze)
      seed "$dir/corpus" "$corpus/mime" "$corpus/spam" "$corpus/headers" Tests/ReportEngineTests/Fixtures examples/spam -name '*' ;;
    html) seed "$dir/corpus" "$corpus/spam/phishing-pot" Tests/ReportEngineTests/Fixtures/phishing -name '*.eml' ;;
    urls) seed "$dir/corpus" "$corpus/urls" Tests/ReportEngineTests/Fixtures -name '*' ;;
    whois) seed "$dir/corpus" "$corpus/whois" -name '*.txt' ;;
    rdap) seed "$dir/corpus" "$corpus/whois/ipwhois" Tests/ReportEngineTests/Fixtures/rdap -name '*.json' ;;
    config) seed "$dir/corpus" examples Fuzz/seeds/config -name "*.toml" ;;
  esac
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS" -max_total_time="${FUZZ_MAX_SECONDS:-540}"); else limit=(-max_total_time="$seconds"); fi
  echo "fuzz $t: $(ls "$dir/corpus" | wc -l) seeds, ${FUZZ_RUNS:-$seconds s}"
  if ! WATCHER_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=1 "$bin" "$dir/corpus" "${limit[@]}" -timeout=2 -rss_limit_mb=2048 \
      ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_len="${FUZZ_MAX_LEN:-8192}" -artifact_prefix="$dir/" -print_final_stats=1 > "$dir/log" 2>&1; then
    echo "fuzz $t: FAILED (see $dir/log and the artifact in $dir/)"; tail -30 "$dir/log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$dir/log" | sed "s/^/fuzz $t: /"
  fi
done
exit $status
