#pragma once
/// The planner: from a finding and a fresh View, the steps that repair it, in the order the
/// runbook gives (or a safer one where the runbook is blunt: --re-add with the bitmap before a
/// full --add; never --zero-superblock first). It reads only the View and the topology; what it
/// cannot repair safely it escalates with the reason and what the operator should do.

#include <map>
#include <string>

#include "diagnose/finding.h"
#include "recover/stack_hints.h"
#include "recover/step.h"
#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr {

struct PlanContext {
  std::map<std::string, std::string> known_serials;  // LUN name → LIO unit serial last seen
  std::string new_disk;                              // --new-disk: a pool disk to replace onto
  int incident = 0;                                  // names snapshots
  /// The options that select this run's stack, carried by every command a message suggests.
  StackHints hints;
};

Plan plan_recovery(const Topology& t, const View& v, const Finding& f, const PlanContext& ctx);

/// Gives a step read back from the journal the check named by its `resume_check` (the planner
/// made it; a closure is not journaled). False when the name is not one this version knows.
bool restore_check(const Topology& t, Step& s, const std::string& name);

}  // namespace stackdr
