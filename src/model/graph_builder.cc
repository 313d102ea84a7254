#include "model/graph_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/graph_layers.h"
#include "model/node_id.h"
#include "model/read_index.h"
#include "probe/lio_configfs.h"
#include "util/text.h"

namespace stackdr {

namespace graph {

// The setters of the typed facts code reads back (NodeFacts), each writing the text reports
// show beside it.
void set_device(Node& n, const std::string& dev) {
  n.facts.device = n.attrs["device"] = dev;
}

// attrs[key]: "recovery 42.0%" (md, one decimal as mdstat prints it) or "scrub 12.34%" (zpool
// status prints two); md's estimate as "finish": "12.3min".
void set_progress(Node& n, const char* key, Progressing p, int decimals) {
  n.attrs[key] = fmt::format("{} {:.{}f}%", p.action, p.percent, decimals);
  if (p.finish_minutes) n.attrs["finish"] = fmt::format("{:.1f}min", *p.finish_minutes);
  n.facts.progress = std::move(p);
}

void worsen(Node& n, Health h, Cause cause, Evidence e) {
  auto rank = [](Health x) {
    return x == Health::kOk ? 0 : x == Health::kUnknown ? 1 : x == Health::kDegraded ? 2 : 3;
  };
  if (rank(h) > rank(n.health)) {
    n.health = h;
    n.cause = cause;
  }
  n.evidence.push_back(std::move(e));
}

// A source that could not be read makes the nodes it feeds UNKNOWN, with the reason: the
// first failed read on that host that names the source (LIO is read by two commands and two
// parsers, all naming its configfs root; a host pings several portals), else the read itself.
bool unknown_if_missing(Node& n, bool have, const ReadIndex& reads, const std::string& host,
                        const std::string& source) {
  if (have) return false;
  const SourceRecord* r = reads.failed_naming(host, source);
  if (!r) r = reads.any_starting(host, source);
  worsen(n, Health::kUnknown, Cause::kSourceUnreadable,
         {host, source, r ? "could not read: " + r->error : "not read", true});
  return true;
}

void Builder::index() {
  for (const auto& [host, k] : o_.kvm) {
    HostIndex& hi = idx_[host];
    if (k.by_path) hi.device = IscsiDiskIndex(*k.by_path);
    if (k.sessions)
      for (const auto& se : k.sessions->sessions) {
        hi.session[se.target] = &se;
        for (const auto& d : se.disks) hi.disk_state[d.device] = d.state;
      }
    if (k.lsblk)
      for (const auto& b : k.lsblk->blockdevices) hi.block[b.name] = &b;  // disks are top-level rows
  }
  const StorageFacts& st = o_.storage;
  if (st.zvols)
    for (const auto& p : st.zvols->properties)
      if (p.property == "volmode") volmode_[p.dataset] = p.value;
  if (st.zvol_links)
    for (const auto& l : st.zvol_links->links) zvol_links_.insert(l.name);
  if (st.lio) {
    for (const auto& b : st.lio->backstores) backstores_[b.type + "/" + b.name] = &b;
    for (const auto& t : st.lio->targets) targets_[t.iqn] = &t;
  }
  for (const auto& a : t_.arrays)
    for (const auto& m : a.members) used_[a.host].insert(m);
  for (const auto& v : t_.vms)
    for (const auto& d : v.disks) used_[v.host].insert(d.source);
}

}  // namespace graph

StackGraph build_graph(const Topology& t, const Observation& o,
                       const std::map<std::string, MdArrayState>& md) {
  graph::Builder b(t, o);
  b.build_storage();
  return b.build_rest(md);
}

StackGraph build_graph(const Topology& t, const Observation& o) {
  graph::Builder b(t, o);
  // On a big stack the md states (a fifth of a build) are worked out on another thread while
  // the storage server's nodes are added (another fifth): both only read the topology and
  // the observation. A small stack is not worth a thread's start.
  constexpr size_t kArraysWorthAThread = 100;
  if (t.arrays.size() < kArraysWorthAThread) {
    b.build_storage();
    return b.build_rest(md_states(t, o));
  }
  auto md = std::async(std::launch::async, [&] { return md_states(t, o); });
  b.build_storage();
  return b.build_rest(md.get());
}

}  // namespace stackdr
