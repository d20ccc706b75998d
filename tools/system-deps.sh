#!/usr/bin/env bash
# The Debian packages some tests use: a real browser (chromium) with a CJK font to render and
# print the HTML outputs, poppler's pdftotext and pdfinfo to read the printed PDF back, and an
# OpenSSH server for sync over a real SSH transport. `make test`
# runs this: it installs what is missing when it can (root, with apt-get), and otherwise says
# so; the tests that need a missing program skip and name it.
set -u
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || want+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || want+=(poppler-utils)
[ -x /usr/sbin/sshd ] || want+=(openssh-server)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${want[*]} (Debian packages some tests use)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q --no-install-recommends "${want[@]}" \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends "${want[@]}"; }; } \
    >/tmp/keyledger-system-deps.log 2>&1 \
    || echo "system-deps: could not install ${want[*]} (see /tmp/keyledger-system-deps.log); their tests will skip"
else
  echo "system-deps: ${want[*]} missing and not installable here (needs root and apt-get); their tests will skip"
fi
exit 0
