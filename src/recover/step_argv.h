#pragma once
/// A step's command as the planner wrote it, with the words that name today's devices filled
/// in from a fresh look: the planner plans by LUN, the kernel names disks and sessions anew at
/// each login.

#include "host/host.h"
#include "recover/view.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

/// A step's argv with {disk:LUN} and {sid:LUN} resolved against a View (today's /dev/sdX and
/// session id); an error when the stack no longer has them.
Result<Argv> resolve_step_argv(const Topology& t, const View& v, const Argv& argv);

}  // namespace stackdr
