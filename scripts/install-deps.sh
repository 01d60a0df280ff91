#!/usr/bin/env bash
# Installs the Debian packages watcher builds against (C headers for libcurl, libpsl, libidn2; the
# Public Suffix List data). Does nothing when they are all there. Needs root (or sudo).
set -euo pipefail
need=()
[ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
[ -f /usr/include/libpsl.h ] || need+=(libpsl-dev)
[ -f /usr/include/idn2.h ] || need+=(libidn2-dev)
[ -f /usr/share/publicsuffix/public_suffix_list.dafsa ] || need+=(publicsuffix)
command -v pkg-config >/dev/null || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
