#pragma once
/// `stackdr lun create | remove | resize`: the runbook's iscsi-lun.sh, done safely — each a
/// task for the step engine (operate → recover/executor.h): a plan of checked steps from a
/// fresh view, journaled, interlocked, with --dry-run, and idempotent (a step whose effect is
/// there is skipped, so running the command twice changes nothing).
///   create: zvol (volblocksize, sparse by choice, volmode=dev), block backstore with a stable
///           unit serial, target, LUN, an ACL for the topology's initiator, saveconfig; with
///           --login, discovery and login on the KVM host.
///   remove: refused while the LUN backs an array member, a logged-in session or a VM disk
///           (recover/lun_use.h, also an interlock); then target (or its LUN), backstore,
///           saveconfig, and the zvol is not destroyed but held: renamed under
///           POOL/stackdr-removed with a hold-until property.
///   resize: grow only; the zvol, then a rescan of the session on the initiator.

#include <cstdint>
#include <optional>
#include <string>

#include "operate/task.h"
#include "recover/executor.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

struct LunRequest {
  std::string name;
  std::optional<int64_t> size;  // bytes
  bool sparse = false;
  std::string volblocksize = "16K";
  bool login = false;
  std::string target, zvol;  // "" = made the way the topology names its LUNs
  int lun = 0;
  int keep_days = 7;  // remove: how long the held zvol is marked to be kept
  double now = 0;     // remove: when (names the held zvol)
};

/// "1G", "512M", "10737418240" → bytes (binary suffixes, as zfs reads them).
Result<int64_t> parse_lun_size(const std::string& text);

/// The LUN a request names: the topology's own, else one named the way the topology names its
/// LUNs (target IQN prefix, zvol prefix), or as --target/--zvol say. Names are checked: a LUN
/// name becomes part of an IQN, a zvol and a configfs path.
Result<LunConfig> lun_for(const Topology& t, const LunRequest& r);
/// The topology with `l` in it, so that a sweep reads its zvol, backstore, session and disk.
Topology with_lun(const Topology& t, const LunConfig& l);

Task lun_create_task(const Topology& t, const LunConfig& l, const LunRequest& r);
Task lun_remove_task(const Topology& t, const LunConfig& l, const LunRequest& r);
Task lun_resize_task(const Topology& t, const LunConfig& l, int64_t size);

/// The LUN's unit serial: derived from its target and name, so a rerun (or a recreate after a
/// crash) gives the same one.
std::string stable_unit_serial(const LunConfig& l);
/// What to add under `luns:` in the topology for stackdr to watch a LUN it did not know.
std::string topology_snippet(const LunConfig& l);

}  // namespace stackdr
