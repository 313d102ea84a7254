#pragma once
/// `stackdr lab`: the simulated stack's verbs — the fault catalogue, and the practice stack
/// kept in the state directory (init, inject, reset, show) that every verb given --lab uses.

#include <string>
#include <vector>

namespace stackdr {

struct LabCliOptions {
  std::string verb;                 // faults init inject reset show
  std::string state_dir;            // "" = the default
  std::string config;               // init, reset: the topology file ("" = the default search)
  int pace_ms = -1;                 // init, reset: real time per step (-1 = 0, or unchanged on reset)
  std::vector<std::string> faults;  // inject
  bool json = false;
};

int cmd_lab(const LabCliOptions& o);

}  // namespace stackdr
