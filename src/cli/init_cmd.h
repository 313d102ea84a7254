#pragma once
/// `stackdr init`: a topology drafted from the machines (operate/discover.h), read-only, to
/// standard output or --out FILE (never over an existing file).

#include <string>
#include <vector>

namespace stackdr {

struct InitCliOptions {
  std::string storage;                   // [USER@]HOST[:PORT], or "local"
  std::string kvm;                       // the same
  std::vector<std::string> vms;          // only these libvirt domains
  std::string identity;                  // an SSH key file for both
  std::vector<std::string> ssh_options;  // Key=Value, each passed as -o, for both (and kept in the draft)
  std::string out;                       // "" = standard output
  bool lab = false;                      // the practice stack of state_dir (or a fresh simulated stack)
  std::string state_dir;
  bool json = false;
};

int cmd_init(const InitCliOptions& o);

}  // namespace stackdr
