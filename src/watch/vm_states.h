#pragma once
/// The VMs' states from one sweep to the next, for the daemon's log: "VM vm1 on kvm: running →
/// paused (I/O error)". libvirt's own event says the same on one host; this line says it where
/// the rest of the stack's story is told, with the time the daemon knew it (the lab times it
/// against `virsh event`).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/observation.h"
#include "topology/topology.h"

namespace stackdr {

/// Each topology VM's state as one sweep read it: virsh's word ("running", "shut off"), with
/// the reason of a paused one when it was read ("paused (I/O error)"), "missing" when its host
/// lists no such domain. A VM whose host's `virsh list` was not read is left out: not seen is
/// not a change.
std::map<std::string, std::string> vm_states(const Topology& t, const Observation& o);

/// One log line per VM whose state differs between two sweeps' states; a VM absent from either
/// (not read) says nothing.
std::vector<std::string> vm_state_changes(const Topology& t, const std::map<std::string, std::string>& before,
                                          const std::map<std::string, std::string>& now);

/// What libvirt's lifecycle event says of a VM (`virsh event`'s line, "event 'lifecycle' for
/// domain 'vm1': Suspended I/O Error"), in the words vm_states() uses for the same state.
struct VmEvent {
  std::string domain;
  std::string state;  // "paused (I/O error)", "running", "shut off"
};

/// The state a lifecycle event puts a VM in: Suspended with the reason `virsh domstate
/// --reason` would give ("I/O Error" → "paused (I/O error)"), Started and Resumed → "running",
/// Stopped → "shut off". Nothing for another event (io-error, device-removed), a Suspended
/// detail whose reason is not known, or a line not understood: the sweep reads those.
std::optional<VmEvent> vm_event_state(std::string_view line);

}  // namespace stackdr
