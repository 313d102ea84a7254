#!/usr/bin/env bash
# Builds the real-kernel lab's guest image (shared/docs/lab-recipe.md, Appendix A) into a cache
# folder: a Debian bookworm rootfs (debootstrap, Debian's kernel, mdadm, targetcli-fb,
# open-iscsi, OpenSSH's server and the shared libraries stackdr links to), turned into a root
# disk with mkfs.ext4 -d. Both lab machines boot copies of this one image; what makes one the
# storage server and the other the KVM host comes from the kernel command line and the 9p
# share. OpenZFS (Debian contrib) is in the image: its tools and zed from the package, its
# modules built by zfs-dkms in a build chroot (the rootfs plus the kernel headers and a
# compiler, none of which the image carries) and cached per (ZFS version, kernel) in
# $W/zfs-modules/, so a rebuilt image reuses them. Nothing of stackdr and no key is baked in:
# run.sh hands the binary under test, the host keys and the authorized key to each guest over
# 9p every run.
#   LAB_CACHE   where the image lives (default /var/tmp/stackdr-lab)
# Rebuilds only when the guest files changed or the image is missing.
#   lab/build.sh --host-tools   installs what this script needs on this machine, and stops
#   lab/build.sh --base         the slow part alone, which needs no stackdr binary: the rootfs
#                               (debootstrap) and the OpenZFS modules (dkms) and zed; .ci/run
#                               starts it beside its first phases, and the build of the image
#                               proper then adds the libraries the binary links to and finishes
#                               in a minute or two
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
W=${LAB_CACHE:-/var/tmp/stackdr-lab}
mkdir -p "$W"
exec 8>"$W/build.lock"  # one build at a time: CI's base build may still run when the lab starts
flock 8

mode=${1:-image}
case $mode in
  image | --base | --host-tools) ;;
  *) echo "usage: lab/build.sh [--base | --host-tools]" >&2; exit 64 ;;
esac

need=()
for p in debootstrap qemu-system-x86 e2fsprogs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq  # a fresh machine may have no package lists yet
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ "$mode" = --host-tools ] && exit 0

# The shared libraries the binary under test links to, as the packages that ship them here:
# the guests run it too (m-sweep, m-watch), and a list kept by hand once missed the allocator,
# so the binary did not start inside them and those measures came back empty. The base (--base)
# is built before there is a binary: the image build adds them to its rootfs (below, "adding").
lib_packages=
if [ "$mode" = image ]; then
  bin=${STACKDR_BIN:-$here/../build/stackdr}
  [ -x "$bin" ] || { echo "lab/build.sh: $bin not built (run ./dev.sh build first)"; exit 1; }
  owner() {  # the package that ships a library; dpkg knows it under /lib or /usr/lib (usrmerge)
    dpkg -S "$1" 2>/dev/null || dpkg -S "$(realpath "$1")" 2>/dev/null || dpkg -S "/usr$1" 2>/dev/null ||
      { echo "lab/build.sh: no package ships $1, which the binary links to" >&2; return 1; }
  }
  lib_packages=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do owner "$lib"; done |
    cut -d: -f1 | sort -u | paste -sd, -)
  [ -n "$lib_packages" ] || { echo "lab/build.sh: cannot tell which packages $bin needs"; exit 1; }
  stamp=$( (cat "$here/build.sh" "$here/guest/init" "$here/guest/zed-stamp.sh" "$here/zfs-modules.sh" "$here/vm/init"; echo "$lib_packages") | sha256sum | cut -c1-16)
  if [ -f "$W/root.raw" ] && [ "$(cat "$W/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "== lab guest image is up to date ($W)"
    exit 0
  fi
fi

# The guest's packages: the kernel and the stack's tools, OpenSSH's server, and the shared
# libraries stackdr links to (above).
# zfs-zed comes after the ZFS modules are in the image (below): it depends on zfs-modules |
# zfs-dkms, which debootstrap does not resolve (a fresh bootstrap with it failed to configure).
guest_packages=linux-image-amd64,initramfs-tools,mdadm,targetcli-fb,open-iscsi,kmod,iproute2,util-linux,e2fsprogs,udev,procps,psmisc,systemd-sysv,dbus,iputils-ping,nftables,openssh-server,zfsutils-linux,smartmontools,libvirt-daemon,libvirt-clients,qemu-system-x86,busybox-static${lib_packages:+,$lib_packages}
t0=$(date +%s)
if [ ! -f "$W/rootfs/.debootstrap-done" ]; then
  echo "== debootstrap (about 2 minutes; log in $W/debootstrap.log)"
  rm -rf "$W/rootfs"
  debootstrap --variant=minbase --components=main,contrib \
    --include="$guest_packages" \
    bookworm "$W/rootfs" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1
  touch "$W/rootfs/.debootstrap-done"
fi
R=$W/rootfs
# contrib serves OpenZFS; a rootfs bootstrapped before it was in the image has main alone.
echo "deb http://deb.debian.org/debian bookworm main contrib" >"$R/etc/apt/sources.list"
# What a rootfs bootstrapped by an older build.sh lacks (the second machine's sshd, a library
# stackdr has come to link to) is added to it instead of bootstrapping again.
missing=()
for p in ${guest_packages//,/ }; do
  chroot "$R" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== adding ${missing[*]} to the guest"
  printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"  # start no service inside the chroot
  chmod +x "$R/usr/sbin/policy-rc.d"
  { chroot "$R" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >>"$W/debootstrap.log" 2>&1
  rm -f "$R/usr/sbin/policy-rc.d"
fi
# Each run gives every guest its own host key; none is shared through the image.
rm -f "$R"/etc/ssh/ssh_host_*
cat >"$R/etc/ssh/sshd_config.d/lab.conf" <<'CONF'
# The lab's sshd: root by key only (the key run.sh made), no PAM or DNS under a bash PID 1.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
HostKey /run/lab/ssh_host_ed25519_key
MaxSessions 64
MaxStartups 64
CONF
mkdir -p "$R/lab" "$R/etc/target" "$R/out"
cp "$here/guest/init" "$R/lab/init"
chmod +x "$R/lab/init"
echo "InitiatorName=iqn.2024-01.lab.example:initiator01" >"$R/etc/iscsi/initiatorname.iscsi"
ln -sf /dev/null "$R/etc/udev/rules.d/64-md-raid-assembly.rules"  # no udev-driven mdadm --incremental
echo lab >"$R/etc/hostname"
rm -rf "$R"/var/cache/apt/archives/*.deb
K=$(ls "$R/lib/modules/")
zfs_ver=$(chroot "$R" dpkg-query -W -f='${Version}' zfsutils-linux)
"$here/zfs-modules.sh" "$R" "$K" "$zfs_ver" "$W/zfs-modules"
mkdir -p "$R/lib/modules/$K/updates/dkms"
cp "$W/zfs-modules/$zfs_ver-$K/"*.ko "$R/lib/modules/$K/updates/dkms/"
chroot "$R" depmod "$K"
# zed: the modules above are what zfs-zed's "zfs-modules | zfs-dkms" asks for, so a package
# that says so (and ships nothing) stands for them, and zed is installed from the archive.
if ! chroot "$R" dpkg-query -W -f='${Status}' zfs-zed 2>/dev/null | grep -q "install ok installed"; then
  echo "== adding zfs-zed to the guest"
  pkg=$W/lab-zfs-modules
  rm -rf "$pkg"
  mkdir -p "$pkg/DEBIAN"
  cat >"$pkg/DEBIAN/control" <<CTRL
Package: stackdr-lab-zfs-modules
Version: $zfs_ver
Architecture: all
Maintainer: stackdr lab <root@localhost>
Provides: zfs-modules (= $zfs_ver)
Description: the lab's ZFS modules for $K, built by zfs-dkms in a build chroot (lab/zfs-modules.sh)
CTRL
  dpkg-deb --build "$pkg" "$R/tmp/stackdr-lab-zfs-modules.deb" >/dev/null
  printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"  # start no service inside the chroot
  chmod +x "$R/usr/sbin/policy-rc.d"
  { chroot "$R" dpkg -i /tmp/stackdr-lab-zfs-modules.deb && chroot "$R" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -qq --no-install-recommends zfs-zed
  } >>"$W/debootstrap.log" 2>&1 || { echo "lab/build.sh: zfs-zed did not install (see $W/debootstrap.log)"; exit 1; }
  rm -f "$R/usr/sbin/policy-rc.d" "$R/tmp/stackdr-lab-zfs-modules.deb"
fi
if [ "$mode" = --base ]; then
  echo "== lab guest base (rootfs, OpenZFS modules, zed) ready in $(($(date +%s) - t0)) s ($W)"
  exit 0
fi
# A lab machine has 1 GiB: ZFS's cache would take half of it by default.
echo "options zfs zfs_arc_max=201326592" >"$R/etc/modprobe.d/zfs.conf"
# zed's events, stamped as they come (the lab times stackdr against zed): every event class.
install -m 755 "$here/guest/zed-stamp.sh" "$R/etc/zfs/zed.d/all-stackdr-lab-stamp.sh"
# libvirt's qemu driver will not start without its user (libvirt-daemon-system, which makes it,
# brings a network stack the lab does not use); the lab's qemu.conf runs qemu as root.
chroot "$R" getent passwd libvirt-qemu >/dev/null ||
  chroot "$R" useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt libvirt-qemu
# The KVM machine's VM (libvirt, nested TCG): Debian's kernel and a busybox initramfs with the
# modules its disks (virtio-blk, virtio-scsi) and ext4 need, so it boots in seconds, not the
# minutes a whole distribution would take two emulators deep.
vm=$R/lab/vm
rm -rf "$vm"
mkdir -p "$vm/root/bin" "$vm/root/proc" "$vm/root/sys" "$vm/root/dev" "$vm/root/mnt"
cp "$R/bin/busybox" "$vm/root/bin/busybox"
install -m 755 "$here/vm/init" "$vm/root/init"
chroot "$R" modprobe --show-depends -S "$K" -a virtio_pci virtio_scsi sd_mod virtio_blk ext4 |
  awk '$1 == "insmod" {print $2}' | sort -u | while read -r ko; do
    mkdir -p "$vm/root$(dirname "$ko")"
    cp "$R$ko" "$vm/root$ko"
  done
cp "$R/lib/modules/$K/"modules.{order,builtin,builtin.modinfo} "$vm/root/lib/modules/$K/"
depmod -b "$vm/root" "$K" 2>/dev/null || chroot "$R" depmod -b /lab/vm/root "$K"
chroot "$R" sh -c 'cd /lab/vm/root && find . | cpio -o -H newc --quiet | gzip -1 >/lab/vm/initrd.img'
cp "$R/boot/vmlinuz-$K" "$vm/vmlinuz"
rm -rf "$vm/root"
cp "$R/boot/vmlinuz-$K" "$W/vmlinuz"
cp "$R/boot/initrd.img-$K" "$W/initrd.img"
rm -f "$W/root.raw"
truncate -s 2G "$W/root.raw"
mkfs.ext4 -q -F -L labroot -d "$R" "$W/root.raw"
echo "$stamp" >"$W/stamp"
echo "== lab guest built in $(($(date +%s) - t0)) s ($W)"
