#!/usr/bin/env bash
# Benchmark: `watcher analyze` against Python's `email` package on the same messages.
#
#   scripts/bench-analyze.sh [DIR…]      (default: ../shared/corpus/spam and ../shared/corpus/mime)
#
# watcher does the whole analysis (MIME, charsets, HTML, Received chain, URLs, JSON out); the Python
# side only parses each message and decodes its text parts, so the comparison favours Python.
# Prints both wall times, the ratio, and watcher's peak memory. A benchmark, not a test: it fails
# only when a side cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(../shared/corpus/spam ../shared/corpus/mime)
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "${dirs[@]}" -type f ! -name '*.md' ! -name '*.json' | sort > "$list"
count=$(wc -l < "$list")
[ "$count" -gt 0 ] || { echo "no files under ${dirs[*]}" >&2; exit 1; }
swift build -c release >/dev/null

now() { date +%s.%N; }
start=$(now)
/usr/bin/time -f '%M' -o "$list.mem" sh -c 'xargs -d "\n" -a "$1" .build/release/watcher analyze --offline --json > /dev/null 2>&1 || true' _ "$list"
watcher=$(python3 -c "print($(now) - $start)")

python=$(python3 - "$list" <<'EOF'
import email, email.policy, sys, time
files = [l.rstrip("\n") for l in open(sys.argv[1])]
start = time.perf_counter()
for f in files:
    with open(f, "rb") as fh:
        m = email.message_from_bytes(fh.read(), policy=email.policy.default)
    try:
        str(m.get("subject", ""))
        for part in m.walk():
            if part.get_content_maintype() == "text":
                try:
                    part.get_content()
                except Exception:
                    pass
    except Exception:
        pass
print(f"{time.perf_counter() - start:.3f}")
EOF
)
printf 'messages:              %d\n' "$count"
printf 'watcher analyze:       %.2f s (peak %s KB)\n' "$watcher" "$(cat "$list.mem")"
printf 'python email (parse):  %.2f s\n' "$python"
printf 'ratio:                 %.1fx (target 20x)\n' "$(python3 -c "print($python / $watcher)")"
rm -f "$list.mem"
