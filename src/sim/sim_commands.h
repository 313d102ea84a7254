#pragma once
/// The commands that change the simulated stack — the ones recovery runs (targetcli create,
/// zfs set, zpool clear/replace/scrub, systemctl start target, iscsiadm login/logout/rescan,
/// mdadm --re-add/--add/--remove/--stop/--assemble/--zero-superblock/--create, wipefs,
/// virsh attach-disk/detach-disk/start, umount/e2fsck/mount in a guest). Each answers with
/// the exit status and messages the real tool gives, changes the state as the real stack
/// would, lets the kernels settle, and accounts any destroyed data generation.

#include <optional>

#include "host/host.h"
#include "sim/renderers.h"
#include "sim/sim_state.h"

namespace stackdr::sim {

/// nullopt when `argv` is not a command that changes state on that host.
std::optional<Rendered> run_state_command(SimState& s, const std::string& host, const Argv& argv);

/// `zfs list -H -o name -t snapshot POOL/ZVOL@NAME`: a read (it changes nothing), also what
/// `zfs hold` checks before it answers.
Rendered zfs_list_snapshot(const SimState& s, const std::string& full);

/// `zfs holds -Hp SNAPSHOT`: one line per tag, "SNAPSHOT<TAB>TAG<TAB>EPOCH-SECONDS", as
/// OpenZFS prints it scripted (-H) with exact numbers (-p).
Rendered zfs_holds(const SimState& s, const std::string& full);

}  // namespace stackdr::sim
