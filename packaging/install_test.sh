#!/usr/bin/env bash
# packaging/install_test.sh DEB: installs the package on a clean Debian bookworm root (a
# minbase debootstrap, cached in $PKG_TEST_ROOT, copied afresh for each run) with apt, so its
# dependencies are resolved as an admin's apt would, then checks there: `stackdr --version`, the
# manual page through `man -l`, `systemd-analyze verify` of the unit, that no topology is
# installed (so `stackdr status` stops with exit 64 instead of reaching the example's hosts) and
# the unit waits for one, the examples under /usr/share/doc, the state directory, and the bash
# completion loading. Exit 0 when all hold.
set -euo pipefail
deb=$(realpath "$1")
R=${PKG_TEST_ROOT:-/var/tmp/stackdr-pkgtest}
mkdir -p "$R"
if [ ! -f "$R/base/.debootstrap-done" ]; then
  echo "== debootstrap of a clean root (once; log in $R/debootstrap.log)"
  rm -rf "$R/base"
  debootstrap --variant=minbase bookworm "$R/base" http://deb.debian.org/debian >"$R/debootstrap.log" 2>&1
  touch "$R/base/.debootstrap-done"
fi
root=$R/root
cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
rm -rf "$root"
cp -a "$R/base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/stackdr.deb"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }
echo "== apt-get install ./stackdr.deb (and man-db, systemd to check the page and the unit)"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  /tmp/stackdr.deb man-db systemd >"$R/install.log" 2>&1 || { tail -20 "$R/install.log"; exit 1; }
fail=0
check() {  # WHAT CMD...
  local what=$1; shift
  if out=$("$@" 2>&1); then echo "ok    $what"; else echo "FAIL  $what"; echo "$out" | sed 's/^/      /'; fail=1; fi
}
check "stackdr --version: $(in_root stackdr --version 2>&1)" in_root stackdr --version
check "man -l stackdr.8.gz renders" bash -c "chroot '$root' man -l /usr/share/man/man8/stackdr.8.gz | grep -q 'stackdr lint'"
check "systemd-analyze verify stackdr-watch.service" in_root systemd-analyze verify /usr/lib/systemd/system/stackdr-watch.service
check "no topology installed in /etc/stackdr" bash -c "[ ! -e '$root/etc/stackdr/stackdr.yaml' ]"
check "stackdr status without a topology exits 64 and says how to try it safely" bash -c "out=\$(chroot '$root' stackdr status 2>&1); rc=\$?; [ \$rc -eq 64 ] && echo \"\$out\" | grep -q 'stackdr lab init'"
check "the unit does not start without /etc/stackdr/stackdr.yaml" grep -qx 'ConditionPathExists=/etc/stackdr/stackdr.yaml' "$root/usr/lib/systemd/system/stackdr-watch.service"
check "the example topologies are documentation" test -f "$root/usr/share/doc/stackdr/examples/stackdr.yaml"
check "the alert rules and the Grafana board are installed" test -f "$root/usr/share/stackdr/prometheus/stackdr-rules.yml" -a -f "$root/usr/share/stackdr/grafana/stackdr.json"
check "/var/lib/stackdr exists, mode 700" bash -c "[ \"\$(stat -c %a '$root/var/lib/stackdr')\" = 700 ]"
check "bash completion offers the verbs" bash -c "chroot '$root' bash -c 'source /usr/share/bash-completion/completions/stackdr; COMP_WORDS=(stackdr li); COMP_CWORD=1; _stackdr; [ \"\${COMPREPLY[*]}\" = lint ]'"
check "stackdr status --lab runs on the built-in example (simulated)" bash -c "chroot '$root' stackdr status --lab >/dev/null"
check "stackdr lab init, then status --lab on the practice stack" bash -c "chroot '$root' stackdr lab init --state-dir /tmp/practice >/dev/null && chroot '$root' stackdr status --lab --state-dir /tmp/practice >/dev/null"
[ $fail -eq 0 ] && echo "install test: all checks passed on a clean root" || echo "install test: FAILED"
exit $fail
