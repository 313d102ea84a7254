#pragma once
/// The fault catalogue of the simulated stack: each fault breaks one layer the way it breaks in
/// real life, then lets the kernels react (settle). `scenario` and `cause` are what diagnosis is
/// expected to say; the diagnosis never reads them — tests and drills compare against them.

#include <functional>
#include <string>
#include <vector>

#include "sim/sim_state.h"
#include "util/result.h"

namespace stackdr::sim {

struct Fault {
  std::string name;
  int scenario = 0;
  std::string cause;
  std::string description;
  std::function<Result<bool>(SimState&)> inject;
};

const std::vector<Fault>& fault_catalog();
const Fault* find_fault(std::string_view name);
/// Injects by name and settles; unknown names list the known ones.
Result<bool> inject_fault(SimState& s, std::string_view name);

/// The operator's own part of a recovery, which stackdr cannot do and waits for: cables and
/// switches, a disk put in. `stackdr lab repair NAME` does it to a practice stack, so every
/// plan — the storage network's included — can be rehearsed to the end.
struct Repair {
  std::string name;
  std::string description;
  std::string after_fault;  // the fault it answers
  std::function<Result<bool>(SimState&)> apply;
};
const std::vector<Repair>& repair_catalog();
Result<bool> apply_repair(SimState& s, std::string_view name);

/// The by-id name of the disk `pool-disk-replaced` puts in.
inline constexpr const char* kReplacementDisk = "ata-ST12000VN0008-2YS101_ZRT2NEW1";

}  // namespace stackdr::sim
