#!/usr/bin/env bash
# Feeds watcher analyze messages shaped to make a parser slow (each shape at 1, 5 and 25 MB unless
# sizes are given; a message is at most that many bytes, 25 MB being the size limit) and prints time
# and peak memory for each: a benchmark, not a test. A message analyze does not take is shown with its exit status instead.
# Target on a 2-core machine: at most 2 s per MB and 200 MB at 25 MB.
#   scripts/bench-adversarial.sh [MB …]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1 5 25)
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
swift build -c release --static-swift-stdlib >/dev/null
# ADV_DIR=folder keeps the generated messages there (for a profiler); ADV_ONLY=shape makes one shape.
if [ -n "${ADV_DIR:-}" ]; then dir=$ADV_DIR; mkdir -p "$dir"; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
python3 - "$dir" "${sizes[@]}" <<'PY'
import sys, os, base64
out, sizes = sys.argv[1], [float(s) for s in sys.argv[2:]]
H = "From: a@b.example\r\nTo: c@d.example\r\nMessage-ID: <x@b.example>\r\nDate: Fri, 20 Nov 2026 21:14:03 +0900\r\n"
def fill(unit, size):  # repeat `unit` up to `size` bytes
    return unit * max(1, int(size // len(unit)))
def lines(make, size):  # make(0), make(1), … while they fit in `size` bytes
    out, total, i = [], 0, 0
    while True:
        line = make(i)
        if total + len(line) > size: return "".join(out)
        out.append(line); total += len(line); i += 1
def recipients(size):  # "user0@…, user1@…" up to `size` bytes
    text = ", ".join(f"user{i}@victims.example.jp" for i in range(int(size) // 20))[:int(size)]
    return text[:text.rfind(",")]
shapes = {
    "folded-header":    lambda n: H + "Subject: x" + fill("\r\n x", n) + "\r\n\r\nbody\r\n",
    "authserv-dots":    lambda n: H + "Authentication-Results: mx.example" + fill(".", n) + "; spf=pass\r\nSubject: t\r\n\r\nbody\r\n",
    "url-parens":       lambda n: H + "Subject: t\r\n\r\nhttp://a.example/" + fill(")", n) + "\r\n",
    "content-type-words": lambda n: H + "Content-Type: text/plain;" + fill(" w", n) + "\r\nSubject: t\r\n\r\nbody\r\n",
    "distinct-domains": lambda n: H + "Subject: t\r\n\r\n" + lines(lambda i: f"http://d{i}.example.com/\r\n", n - 200),
    "many-received":    lambda n: lines(lambda i: f"Received: from h{i}.example (h{i}.example [192.0.2.{i%250+1}]) by mx{i}.example with ESMTP id {i}\r\n", n - 200) + H + "Subject: t\r\n\r\nbody\r\n",
    "encoded-words":    lambda n: H + "Subject:" + fill(" =?UTF-8?B?44GC?=", n) + "\r\n\r\nbody\r\n",
    "html-anchors":     lambda n: H + "Subject: t\r\nContent-Type: text/html\r\n\r\n" + fill("<a href=http://a.example/x>t", n) + "\r\n",
    "html-distinct-links": lambda n: H + "Subject: t\r\nContent-Type: text/html\r\n\r\n" + lines(lambda i: f"<a href=http://a.example/{i}>t</a>", n - 200) + "\r\n",
    "content-type-bare-words": lambda n: H + "Content-Type: text/plain" + fill(" w", n) + "\r\nSubject: t\r\n\r\nbody\r\n",
    "html-open-tags":   lambda n: H + "Subject: t\r\nContent-Type: text/html\r\n\r\n" + fill("<a ", n) + "\r\n",
    "html-entities":    lambda n: H + "Subject: t\r\nContent-Type: text/html\r\n\r\n" + fill("&amp", n) + "\r\n",
    "defanged-dots":    lambda n: H + "Subject: t\r\n\r\nexample" + fill("[.]", n) + "com\r\n",
    "long-line-dots":   lambda n: H + "Subject: t\r\n\r\n" + fill("a.", n) + "\r\n",
    "at-signs":         lambda n: H + "Subject: t\r\n\r\n" + fill("a@", n) + "\r\n",
    "letter-run":       lambda n: H + "Subject: t\r\n\r\n" + fill("a", n) + "\r\n",
    "open-brackets":    lambda n: H + "Subject: t\r\n\r\nexample" + fill("[", n) + "\r\n",
    "ampersands":       lambda n: H + "Subject: t\r\nContent-Type: text/html\r\n\r\n" + fill("&#x", n) + "\r\n",
    "schemes":          lambda n: H + "Subject: t\r\n\r\n" + fill("http://", n) + "\r\n",
    "base64-body":      lambda n: H + "Subject: t\r\nContent-Transfer-Encoding: base64\r\n\r\n" + "\r\n".join(base64.b64encode(os.urandom(57)).decode() for _ in range(int(n // 78))) + "\r\n",
    "multipart-parts":  lambda n: H + "Subject: t\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + fill("--b\r\nContent-Type: text/plain\r\n\r\nx http://p.example/\r\n", n) + "--b--\r\n",
    "nested-rfc822":    lambda n: "".join(H + "Subject: t\r\nContent-Type: message/rfc822\r\n\r\n" for _ in range(39)) + H + "Subject: inner\r\n\r\n" + fill("text http://a.example/ ", n - 39 * 140) + "\r\n",
    "japanese-text":    lambda n: H + "Subject: t\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + fill("お知らせはexample。com/x まで、", n // 3) + "\r\n",
    # Phishing (a brand in the subject, a lure): its reports carry the message and a redacted copy.
    "phishing-recipients": lambda n: "From: a@b.example\r\nMessage-ID: <x@b.example>\r\nSubject: Amazon\r\nTo: " + recipients(n - 400) + "\r\n\r\nhttps://amazon-check.top/\r\n",
    "phishing-userinfo": lambda n: H + "Subject: Amazon\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<a href=\"https://" + fill("a\u2215", n // 2) + "@lure.top/\">x</a>\r\n",
}
only = os.environ.get("ADV_ONLY")
for name, make in shapes.items():
    if only and name != only: continue
    for mb in sizes:
        with open(os.path.join(out, f"{name}@{mb:g}MB.eml"), "w", encoding="utf-8") as f:
            f.write(make(mb * 1_000_000 - 400))  # room for the header lines: 25 MB stays within the limit
PY
printf '%-22s %6s %9s %9s %8s\n' shape MB seconds 's/MB' 'peak MB'
for f in $(ls "$dir" | sort -t@ -k1,1 -k2,2n); do
  name=${f%@*}; mb=${f#*@}; mb=${mb%MB.eml}
  rc=0
  /usr/bin/time -f "%e %M" -o "$dir/.time" timeout 300 .build/release/watcher analyze --offline --json "$dir/$f" >/dev/null 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then printf '%-22s %6s   not analysed (exit %d)\n' "$name" "$mb" "$rc"; continue; fi
  res=$(tail -1 "$dir/.time"); secs=${res% *}; kb=${res#* }
  printf '%-22s %6s %9s %9s %8d\n' "$name" "$mb" "$secs" "$(python3 -c "print(f'{$secs / $mb:.2f}')")" "$((kb / 1024))"
done
