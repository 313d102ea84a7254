#!/bin/sh
# A zedlet (installed as /etc/zfs/zed.d/all-stackdr-lab-stamp.sh: "all-" takes every event
# class): each event zed handles, stamped with this machine's clock as zed runs it, so the lab
# times stackdr's detection against ZFS's own event daemon.
echo "$(date +%s.%N) ${ZEVENT_CLASS:-?} pool=${ZEVENT_POOL:-} vdev=${ZEVENT_VDEV_PATH:-} state=${ZEVENT_VDEV_STATE_STR:-}" >>/tmp/zed.events
