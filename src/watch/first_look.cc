#include "watch/first_look.h"

#include <fmt/format.h>

#include <algorithm>

#include "diagnose/diagnoser.h"
#include "model/node_id.h"
#include "probe/mdstat.h"

namespace stackdr {

std::vector<Finding> md_first_look(const Topology& t, const std::string& host, std::string_view mdstat) {
  std::vector<Finding> out;
  auto facts = parse_mdstat(mdstat);
  if (!facts) return out;
  for (const ArrayConfig& a : t.arrays) {
    if (a.host != host) continue;
    auto it = std::find_if(facts->arrays.begin(), facts->arrays.end(),
                           [&](const MdstatArray& m) { return m.name == a.kernel_name(); });
    if (it == facts->arrays.end() || it->raid_disks == 0) continue;
    // A slot empty. A failed member whose slot a spare has taken ([5/5] with an (F)) leaves the
    // array whole: that one waits for the sweep.
    if (it->active_disks >= it->raid_disks) continue;
    Health h = it->active_disks == 0 ? Health::kFailed : Health::kDegraded;
    // array-degraded, not member-faulty: what failed the member (a path, a disk) is not known yet.
    Finding f = finding_of(Cause::kArrayDegraded, node_id::array(a),
                           fmt::format("{} ({}) on {}", a.name, a.device, host), Layer::kMdArray, host, h);
    f.summary += " (first look at /proc/mdstat; the sweep that follows names the cause)";
    std::string members;
    for (const auto& m : it->members)
      members += fmt::format(" {}[{}]{}", m.device, m.role, m.faulty ? "(F)" : "");
    f.evidence.push_back({host, "mdstat",
                          fmt::format("{} : {} {}{} [{}/{}] [{}]", it->name, it->state, it->level, members,
                                      it->raid_disks, it->active_disks, it->health)});
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace stackdr
