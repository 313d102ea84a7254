#pragma once
/// Interlocks: the rules no flag bypasses. They look at the argv about to run (resolved to
/// today's devices) and at a fresh View — not at what the plan says the step is — so a wrong
/// plan cannot talk its way past them.
///   in-sync-member       never overwrite (zero, wipe, --add, create, mkfs, dd) an in-sync
///                        member of a running array;
///   freshest-member      never overwrite a device holding the highest event count of its array;
///   create-over-superblock  never `mdadm --create` over a recognisable md superblock without
///                        --allow-data-loss;
///   fsck-mounted         never fsck a mounted filesystem;
///   snapshot-first       a destructive step on data that sits on a zvol runs only after a
///                        snapshot of that zvol was taken for this incident;
///   lun-in-use           never take a LUN away (targetcli delete, zfs destroy or rename of its
///                        zvol) while an array, a session or a VM uses it, or while that cannot
///                        be ruled out (recover/lun_use.h);
///   destructive-needs-flag  destructive steps need --allow-data-loss.

#include <optional>
#include <string>

#include "recover/step.h"
#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr {

struct Policy {
  bool yes = false;              // run disruptive steps without asking
  bool allow_data_loss = false;  // destructive steps may run (after asking, unless --yes)
};

struct Refusal {
  std::string rule;        // the rule's name, as above
  std::string why;         // what it saw
  std::string what_to_do;  // what the operator can do
};

/// `snapshot_taken`: the executor already snapshotted the step's zvol for this incident.
std::optional<Refusal> check_interlocks(const Topology& t, const View& v, const Step& step, const Argv& argv,
                                        const Policy& policy, bool snapshot_taken);

}  // namespace stackdr
