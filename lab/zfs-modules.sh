#!/usr/bin/env bash
# lab/zfs-modules.sh ROOTFS KERNEL ZFS_VERSION CACHE: OpenZFS's kernel modules for the lab's
# guest kernel, built natively here (never inside a TCG guest) and cached as
# CACHE/ZFS_VERSION-KERNEL/*.ko. Built in a throwaway copy of the guest's rootfs with the kernel
# headers and zfs-dkms added, so the image itself carries no compiler.
# Traps (issue 22): zfs-dkms's postinst builds nothing for a kernel that is not the running one
# unless /proc is mounted and the debconf key stop-build-for-unknown-kernel is false, and it
# exits 0 all the same; so the build is asked of dkms explicitly and its result checked.
set -euo pipefail
R=$1 K=$2 V=$3 C=$4
dest=$C/$V-$K
if [ -f "$dest/.done" ]; then
  echo "== OpenZFS $V modules for $K are cached ($dest)"
  exit 0
fi
B=$(dirname "$C")/zfs-build
t0=$(date +%s)
echo "== building OpenZFS $V modules for $K (zfs-dkms in a build chroot, about 10 minutes; log in $B.log)"
rm -rf "$B" "$dest"
cp -a "$R" "$B"
printf '#!/bin/sh\nexit 101\n' >"$B/usr/sbin/policy-rc.d"  # start no service inside the chroot
chmod +x "$B/usr/sbin/policy-rc.d"
printf '%s\n' "zfs-dkms zfs-dkms/stop-build-for-unknown-kernel boolean false" \
  "zfs-dkms zfs-dkms/note-incompatible-licenses note" | chroot "$B" debconf-set-selections
dkms_ver=${V%%-*}  # 2.1.11-1+deb12u1 → 2.1.11, the version dkms knows the source by
# A mount namespace of its own: /proc and /dev inside the chroot go away with it.
unshare --mount --propagation private bash -euo pipefail -c '
  B=$1 K=$2 V=$3 DV=$4
  mount -t proc proc "$B/proc"
  mount --rbind /dev "$B/dev"
  chroot "$B" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$B" apt-get install -y -qq --no-install-recommends \
    "linux-headers-$K" "zfs-dkms=$V"
  chroot "$B" dkms install "zfs/$DV" -k "$K"
  chroot "$B" dkms status "zfs/$DV" -k "$K"
' _ "$B" "$K" "$V" "$dkms_ver" >"$B.log" 2>&1 || { echo "lab/zfs-modules.sh: the build failed; see $B.log"; exit 1; }
grep -q "zfs/$dkms_ver, $K, x86_64: installed" "$B.log" ||
  { echo "lab/zfs-modules.sh: dkms did not install zfs/$dkms_ver for $K; see $B.log"; exit 1; }
mkdir -p "$dest"
cp "$B/lib/modules/$K/updates/dkms/"*.ko "$dest/"
for m in zfs spl; do [ -f "$dest/$m.ko" ] || { echo "lab/zfs-modules.sh: no $m.ko was built"; exit 1; }; done
rm -rf "$B"
touch "$dest/.done"
echo "== OpenZFS $V modules for $K built in $(($(date +%s) - t0)) s ($dest)"
