#!/usr/bin/env bash
# Benchmark: `watcher analyze` against Python's `email` package and the Rust fast-mail-parser (PyPI,
# installed into a venv the script makes under /tmp) on the same messages, in the same run.
#
#   scripts/bench-analyze.sh [DIR…]      (default: ../shared/corpus/spam and ../shared/corpus/mime)
#
# watcher does the whole analysis (MIME, charsets, HTML, Received chain, URLs, JSON out); the Python
# sides only parse each message and decode its text parts, so the comparison favours them.
# Prints wall time, MB/s and messages/s of each, the ratios (by wall and by CPU time: watcher analyses
# on every core, the Python sides on one), and watcher's peak memory. A benchmark,
# not a test: it fails only when a side cannot run (fast-mail-parser is skipped when pip cannot get it).
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(../shared/corpus/spam ../shared/corpus/mime)
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "${dirs[@]}" -type f ! -name '*.md' ! -name '*.json' | sort > "$list"
count=$(wc -l < "$list")
[ "$count" -gt 0 ] || { echo "no files under ${dirs[*]}" >&2; exit 1; }
swift build -c release --static-swift-stdlib >/dev/null

now() { date +%s.%N; }
start=$(now)
# One process over the whole list, as the Python sides read it (`--files-from`: a long list given as
# arguments costs argument-parser time that grows with the square of its length).
# watcher analyses on every core; its CPU time (user + system) is printed beside the wall time.
/usr/bin/time -f '%M %U %S' -o "$list.mem" sh -c '.build/release/watcher analyze --offline --json --files-from "$1" > /dev/null 2>&1 || true' _ "$list"
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
venv=/tmp/watcher-bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import fast_mail_parser' 2>/dev/null || "$venv/bin/pip" install -q fast-mail-parser >/dev/null 2>&1 || true
fast=$("$venv/bin/python" - "$list" <<'EOF' || echo "-"
import sys, time
from fast_mail_parser import parse_email
files = [l.rstrip("\n") for l in open(sys.argv[1])]
data = []
for f in files:
    with open(f, "rb") as fh:
        data.append(fh.read())
start = time.perf_counter()
for d in data:
    try:
        m = parse_email(d)
        m.subject; m.text_plain; m.text_html
    except Exception:
        pass
print(f"{time.perf_counter() - start:.3f}")
EOF
)
bytes=$(xargs -d "\n" -a "$list" cat | wc -c)
mb=$(python3 -c "print($bytes / 1e6)")
rate() { python3 -c "t=$1; print(f'{t:7.2f} s  {$mb / t:7.1f} MB/s  {$count / t:8.0f} msg/s')"; }
printf 'messages:              %d (%.1f MB)\n' "$count" "$mb"
read -r peak user sys < "$list.mem"
cpu=$(python3 -c "print($user + $sys)")
printf 'watcher analyze:       %s  (peak %s KB, CPU %.2f s on %s cores; whole analysis, process start included)\n' "$(rate "$watcher")" "$peak" "$cpu" "$(nproc)"
printf 'python email (parse):  %s\n' "$(rate "$python")"
if [ "$fast" != "-" ]; then printf 'fast-mail-parser:      %s\n' "$(rate "$fast")"; else echo "fast-mail-parser:      not available (pip install failed)"; fi
printf 'watcher vs email:      %.1fx by wall time (target 10x, aiming at 20x), %.1fx by CPU time\n' "$(python3 -c "print($python / $watcher)")" "$(python3 -c "print($python / max($cpu, 0.01))")"
[ "$fast" = "-" ] || printf 'watcher vs fast-mail-parser: %.2fx\n' "$(python3 -c "print($fast / $watcher)")"
rm -f "$list.mem"
