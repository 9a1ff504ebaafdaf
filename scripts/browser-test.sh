#!/usr/bin/env bash
# Browser test of the HTML report.
#
# Renders the report of the smbaudit fixtures (testdata/smbaudit, via smbaudit.Scan)
# as HTML (report/internal/browsercheck), loads it in
# headless Chromium, offline, and checks over the DevTools pipe that the page
# logs no console error or exception, makes no network request, reorders the
# client rows when a column header is clicked (each evidence row following its
# client), filters them, shows the verdict and remediation columns at 1400 px
# without scrolling sideways, and expands a client's row to its evidence; and
# that the page of a log without SMB audit events shows the notice and no green
# card. Then it breaks the page on purpose six ways (console error, dead sort,
# external asset, green cards, dead <details>, a too-wide column) and requires
# the checker to fail each time, so a green run means something.
# Saves report.html and a full-page report.png in $BROWSER_TEST_OUT (default:
# a new temporary directory).
#
# Installs Debian's chromium when no Chromium is found (apt-get update once,
# then apt-get install -y chromium). Set CHROMIUM to use another binary.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then command -v "$CHROMIUM" && return; fi
  command -v chromium || command -v chromium-browser || true
}

bin=$(find_chromium)
if [ -z "$bin" ]; then
  if ! command -v apt-get >/dev/null; then
    echo "browser-test: no chromium and no apt-get to install it; set CHROMIUM" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
  echo "browser-test: installing Debian chromium"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
  bin=$(find_chromium)
  [ -n "$bin" ] || { echo "browser-test: chromium still not found after install" >&2; exit 1; }
fi
echo "browser-test: using $bin ($("$bin" --version 2>/dev/null || echo 'version unknown'))"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${BROWSER_TEST_OUT:-$(mktemp -d /tmp/smbreadiness-browser-test.XXXXXX)}

go build -o "$work/browsercheck" ./report/internal/browsercheck

"$work/browsercheck" -chromium "$bin" -out "$out" -timeout 60s

for broken in console-error no-sort network green-card no-details wide; do
  if "$work/browsercheck" -chromium "$bin" -out "$work/$broken" -timeout 60s -inject "$broken" >"$work/$broken.log" 2>&1; then
    cat "$work/$broken.log" >&2
    echo "browser-test: the checker passed a page broken with -inject $broken" >&2
    exit 1
  fi
  echo "browser-test: self-test ok: a page broken with $broken fails ($(grep -m1 FAIL "$work/$broken.log"))"
done

echo "browser-test: PASS; report $out/report.html, screenshot $out/report.png"
