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

}  // namespace stackdr::sim
