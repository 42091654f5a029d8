#!/usr/bin/env bash
# Run before the test suite (npm's pretest): Debian tools some tests drive for real —
# xmllint validates CAP exports against the official XSD, chromium runs the console's
# end-to-end tests (with a CJK font for its screenshots). Installed only when missing; needs root (as on CI) or sudo.
set -euo pipefail
need=()
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A CJK font, so the console's screenshots show Chinese rather than empty boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing ${need[*]} (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
