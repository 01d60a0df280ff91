#!/usr/bin/env bash
# Gathers the real-world Japanese phishing set that JapanesePhishingTests scores (lure recall, brand
# domains listed) from the public-inbox archives of public mailing lists that received it.
# The messages are not part of this project: they are written to ../jp-phishing beside it (or $1).
# Each row of Tests/ReportEngineTests/Fixtures/jp-phishing-labels.tsv names a repository, a commit
# and the hand-checked lure and brand domains; the message is the file `m` of that commit.
#
# Usage: scripts/jp-phishing.sh [OUT_DIR] [MIRRORS_DIR]
#   MIRRORS_DIR holds clones named OWNER+NAME (default: clones into a temporary folder from GitHub).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-../jp-phishing}
mirrors=${2:-}
labels=Tests/ReportEngineTests/Fixtures/jp-phishing-labels.tsv
mkdir -p "$out"
tmp=""
if [ -z "$mirrors" ]; then tmp=$(mktemp -d); mirrors=$tmp; fi
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT
grep -v '^#' "$labels" | while IFS=$'\t' read -r file source _; do
  repo=${source%@*}
  commit=${source#*@}
  dir="$mirrors/${repo/\//+}"
  [ -d "$dir" ] || [ -d "$dir/repo" ] || git clone --quiet --bare "https://github.com/$repo" "$dir"
  [ -d "$dir/repo" ] && dir="$dir/repo"
  git -C "$dir" show "$commit:m" > "$out/$file"
done
echo "$(ls "$out" | wc -l) messages in $out"
