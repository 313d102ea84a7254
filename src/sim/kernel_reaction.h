#pragma once
/// settle(): what the kernels do after something changed, as the lab showed them do it.
/// open-iscsi sessions whose target vanished go into recovery and, after replacement_timeout,
/// offline their disks; md fails a member on its next failed write — except the last leg,
/// which it keeps "active" while marking the array broken and logging bad blocks; ext4 above a
/// failed array aborts its journal and goes read-only. Each reaction writes the kernel log
/// lines the real kernel writes.

#include "sim/sim_state.h"

namespace stackdr::sim {

void settle(SimState& s);

/// md wrote its superblock: the array's event count moves on and every working member records
/// it, with the update time and its view of the slots ("AA", "A.").
void md_event(SimState& s, Array& a);

/// ext4 (errors=remount-ro) met an error: it stops writes (Linux 6.1 still lists it rw) and
/// logs `error_line` then "Remounting filesystem read-only" on `host` ("" = nobody sees it).
void ext4_shut_down(SimState& s, const std::string& host, GuestMount& m, const std::string& error_line,
                    double after_s);

}  // namespace stackdr::sim
