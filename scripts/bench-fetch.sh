#!/usr/bin/env bash
# Benchmark: an IMAP backlog — `watcher run` against `mbsync` (isync) on the same folder of the test bed's
# Dovecot, over TLS on 127.0.0.1 (mbsync checks the certificate by the name localhost).
#
#   scripts/bench-fetch.sh [N] [small|corpus]     (default 10000 messages, small)
#
# The folder "Bench" of the last test-bed user is filled with N copies of examples/spam (small: a few
# KB each) or of the spam of ../shared/corpus/spam cycled (corpus: larger, real messages), each with
# its own Message-ID and subject, and read once to build Dovecot's index. Then mbsync pulls it into a
# fresh Maildir, and watcher runs over it with lookups off, reports written to a directory and no
# flags set (it fetches, parses, analyses and drafts every message). Prints both wall times, the
# ratio and the peak memory of each. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
mode=${2:-small}
if [ "$mode" = corpus ]; then
  mapfile -t sources < <(find ../shared/corpus/spam -type f -name '*.eml' | sort)
  [ ${#sources[@]} -gt 0 ] || { echo "no ../shared/corpus/spam beside the project" >&2; exit 1; }
else
  sources=(examples/spam/*.eml)
fi
scripts/testbed.sh start >/dev/null
command -v mbsync >/dev/null || apt-get install -y -q isync >/dev/null
swift build -c release --static-swift-stdlib >/dev/null
# shellcheck disable=SC1091
. /tmp/watcher-testbed/env
user=${USERS##*,}
home=$(awk -F: -v u="$user" '$1 == u { print $6 }' /tmp/watcher-testbed/dovecot/users)
owner=$(awk -F: -v u="$user" '$1 == u { print $3 ":" $4 }' /tmp/watcher-testbed/dovecot/users)
work=/tmp/watcher-bench-fetch
# The last run's folders are moved aside, not deleted: this file system (ext4 without a journal)
# passes over recently freed inodes when it allocates, so deleting 20,000 files just before the
# timed runs would slow both tools' file creation. They are deleted after the measurement.
trash=/tmp/watcher-bench-trash/$(date +%s%N)
mkdir -p "$trash"
for d in "$work" "$home/Maildir/.Bench"; do [ ! -e "$d" ] || mv "$d" "$trash/"; done
mkdir -p "$work/maildir" "$work/drafts" "$home/Maildir/.Bench/cur" "$home/Maildir/.Bench/new" "$home/Maildir/.Bench/tmp"

# The backlog, written straight into the Maildir.
python3 - "$n" "$home/Maildir/.Bench/cur" "${sources[@]}" <<'EOF'
import re, sys
n, folder, sources = int(sys.argv[1]), sys.argv[2], [open(p, "rb").read() for p in sys.argv[3:]]
for i in range(n):
    raw = sources[i % len(sources)]
    raw, found = re.subn(rb"(?im)^Message-ID:[ \t]*<", b"Message-ID: <bench%d." % i, raw)  # the attached one too
    if not found:
        raw = b"Message-ID: <bench%d@bench.invalid>\r\n" % i + raw
    raw = re.sub(rb"(?im)^Subject: ", b"Subject: %d " % i, raw, count=1)
    with open(f"{folder}/{1700000000 + i}.bench{i}:2,S", "wb") as f:
        f.write(raw)
EOF
# mkdir made any missing part of the mailbox path as root: Dovecot must own it all.
chown "$owner" "$home" "$home/Maildir"
chown -R "$owner" "$home/Maildir/.Bench"
python3 - "$user" "$PASSWORD" "$CA_FILE" <<'EOF'
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
m = imaplib.IMAP4_SSL("127.0.0.1", 10993, ssl_context=ctx)
m.login(sys.argv[1], sys.argv[2])
m.select("Bench", readonly=True)
m.fetch("1:*", "(UID FLAGS RFC822.SIZE)")
m.logout()
EOF

cat > "$work/mbsyncrc" <<EOF
IMAPAccount bench
Host localhost
Port 10993
User $user
Pass $PASSWORD
SSLType IMAPS
CertificateFile $CA_FILE

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path $work/maildir/
Inbox $work/maildir/INBOX

Channel bench
Far :bench-far:
Near :bench-near:
Patterns Bench
Create Near
Sync Pull
SyncState *
EOF
printf '%s' "$PASSWORD" > "$work/pass"
chmod 600 "$work/pass"
cat > "$work/watcher.toml" <<EOF
[imap]
url = "$IMAPS_URL"
user = "$user"
password_file = "$work/pass"
ca_file = "$CA_FILE"
folder = "Bench"
mark = "none"

[reports]
mode = "directory"
directory = "$work/drafts"
from = "Bench <$user>"

[state]
path = "$work/state.sqlite"

[lookup]
enabled = false
EOF

timed() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/out.log" 2>&1 || { cat "$work/out.log" >&2; exit 1; }; cat "$work/time"; }
read -r mbsync_s mbsync_kb < <(timed mbsync -q -c "$work/mbsyncrc" bench)
read -r watcher_s watcher_kb < <(timed .build/release/watcher run --config "$work/watcher.toml")
fetched=$(find "$work/maildir" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)
printf 'messages:        %d %s (%s, mbsync stored %d)\n' "$n" "$mode" "$(du -sh "$home/Maildir/.Bench" | cut -f1)" "$fetched"
printf 'mbsync:          %.2f s (peak %s KB)\n' "$mbsync_s" "$mbsync_kb"
printf 'watcher run:     %.2f s (peak %s KB), fetch + analysis + drafts\n' "$watcher_s" "$watcher_kb"
printf 'ratio:           %.2f (target: at most 1.00)\n' "$(python3 -c "print($watcher_s / $mbsync_s)")"
grep -h "run finished" "$work/out.log" | sed 's/^.*\[watcher\] /watcher says:    /' || true
rm -rf /tmp/watcher-bench-trash  # after the measurement (see above); a run started within a minute still meets it
