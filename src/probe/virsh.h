#pragma once
/// virsh output: `list --all` (domains and states), `domblklist DOM` (target → source),
/// `domstate DOM` and `dominfo DOM`. An "error: ..." reply becomes a parse error that quotes it.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct VirshDomain {
  std::optional<int> id;  // "-" when shut off
  std::string name;
  std::string state;  // running, paused, shut off, crashed, ...
};

struct VirshListFacts {
  std::vector<VirshDomain> domains;
  ParseWarnings warnings;
};

struct VirshBlockDevice {
  std::string target;  // vdb
  std::string source;  // /dev/md1, or "-" for an empty CD-ROM
};

struct VirshDomblklistFacts {
  std::vector<VirshBlockDevice> disks;
  ParseWarnings warnings;
};

/// `virsh domstate DOM --reason`: the state and why ("paused (I/O error)", "paused (user)",
/// "running (booted)", "shut off (destroyed)"); reason is "" when none was printed.
struct VirshDomstate {
  std::string state, reason;
};

struct VirshDominfoFacts {
  std::string name, uuid, state;
  std::optional<int> id;
  bool persistent = false, autostart = false;
  ParseWarnings warnings;
};

Result<VirshListFacts> parse_virsh_list(std::string_view text, std::string_view source = "virsh list --all");
Result<VirshDomblklistFacts> parse_virsh_domblklist(std::string_view text,
                                                    std::string_view source = "virsh domblklist");
/// `virsh domstate DOM` prints one word or two ("shut off"); `--reason` adds " (reason)".
Result<VirshDomstate> parse_virsh_domstate(std::string_view text, std::string_view source = "virsh domstate");
Result<VirshDominfoFacts> parse_virsh_dominfo(std::string_view text,
                                              std::string_view source = "virsh dominfo");
void to_json(nlohmann::json& j, const VirshListFacts& f);
void to_json(nlohmann::json& j, const VirshDomblklistFacts& f);
void to_json(nlohmann::json& j, const VirshDominfoFacts& f);

}  // namespace stackdr
