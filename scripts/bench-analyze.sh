#!/usr/bin/env bash
# Benchmark: `watcher analyze` against Python's `email` package and the Rust fast-mail-parser (PyPI,
# installed into a venv the script makes under /tmp) on the same messages, in the same run.
#
#   scripts/bench-analyze.sh [DIR…]      (default: ../shared/corpus/spam and ../shared/corpus/mime)
#
# watcher does the whole analysis (MIME, charsets, HTML, Received chain, URLs, JSON out); the Python
# sides only parse each message and decode its text parts, so the comparison favours them.
# Each side runs BENCH_RUNS times (default 5), in turn; prints the median wall time, MB/s and
# messages/s of each, the ratios (by wall and by CPU time: watcher analyses on every core, the
# Python sides on one), and watcher's peak memory. A benchmark,
# not a test: it fails only when a side cannot run (fast-mail-parser is skipped when pip cannot get it).
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(../shared/corpus/spam ../shared/corpus/mime)
list=$(mktemp)
trap 'rm -f "$list" "$list.mem"' EXIT
find "${dirs[@]}" -type f ! -name '*.md' ! -name '*.json' | sort > "$list"
count=$(wc -l < "$list")
[ "$count" -gt 0 ] || { echo "no files under ${dirs[*]}" >&2; exit 1; }
swift build -c release --static-swift-stdlib >/dev/null

runs=${BENCH_RUNS:-5}
venv=/tmp/watcher-bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import fast_mail_parser' 2>/dev/null || "$venv/bin/pip" install -q fast-mail-parser >/dev/null 2>&1 || true

# The sides run in turn, $runs times (BENCH_RUNS, default 5), and their medians are compared: this
# machine's timings drift between runs, Python's as much as watcher's.
# watcher: one process over the whole list, as the Python sides read it (`--files-from`: a long
# list given as arguments costs argument-parser time that grows with the square of its length).
# It analyses on every core, so its CPU time (user + system) is measured beside the wall time.
python3 - "$list" "$runs" "$venv/bin/python" <<'EOF'
import os, resource, statistics, subprocess, sys, time
listfile, runs, fastpy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
files = [l.rstrip("\n") for l in open(listfile) if l.strip()]
size = sum(os.path.getsize(f) for f in files) / 1e6
email_side = r"""
import email, email.policy, sys, time
files = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
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
print(f"{time.perf_counter() - start:.4f}")
"""
fast_side = r"""
import sys, time
from fast_mail_parser import parse_email
files = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
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
print(f"{time.perf_counter() - start:.4f}")
"""
def side(code, python):
    r = subprocess.run([python, "-c", code, listfile], capture_output=True, text=True)
    return float(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
wall, cpu, peak, em, fast = [], [], 0, [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", listfile + ".mem",
                    ".build/release/watcher", "analyze", "--offline", "--json", "--files-from", listfile],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    peak = max(peak, int(open(listfile + ".mem").read().split()[-1]))
    em.append(side(email_side, sys.executable))
    f = side(fast_side, fastpy)
    if f is not None:
        fast.append(f)
med = statistics.median
def rate(t):
    return f"{t:7.3f} s  {size / t:7.1f} MB/s  {len(files) / t:8.0f} msg/s"
def spread(v):
    return f"{min(v):.3f}–{max(v):.3f} s"
print(f"messages:              {len(files)} ({size:.1f} MB), {runs} runs of each side in turn; medians")
print(f"watcher analyze:       {rate(med(wall))}  (runs {spread(wall)}; CPU {med(cpu):.3f} s on {os.cpu_count()} cores;"
      f" peak {peak} KB; whole analysis, process start included)")
print(f"python email (parse):  {rate(med(em))}  (runs {spread(em)})")
if fast:
    print(f"fast-mail-parser:      {rate(med(fast))}  (runs {spread(fast)})")
else:
    print("fast-mail-parser:      not available (pip install failed)")
print(f"watcher vs email:      {med(em) / med(wall):.1f}x by wall time (target 10x, aiming at 20x),"
      f" {med(em) / max(med(cpu), 0.01):.1f}x by CPU time")
print("  each run, by wall:    " + ", ".join(f"{e / w:.1f}x" for e, w in zip(em, wall)))
if fast:
    print(f"watcher vs fast-mail-parser: {med(fast) / med(wall):.2f}x")
EOF
