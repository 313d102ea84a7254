#pragma once
/// View: one look at the whole stack — the observation, the graph built from it and the
/// findings — taken before planning and again after every step. Recovery decides only from a
/// fresh View, never from what it believes it did.

#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "model/md_state.h"
#include "model/node_id.h"
#include "model/stack_graph.h"
#include "observe/observer.h"
#include "probe/observation.h"
#include "topology/topology.h"

namespace stackdr {

struct View {
  Observation observation;
  std::map<std::string, MdArrayState> md;  // typed md facts, by topology array name
  StackGraph graph;
  std::vector<Finding> findings;
  int status = 3;  // status_code(graph)

  const Node* node(const std::string& id) const { return graph.find(id); }
  /// The md state of a topology array (it is always there: one per topology array).
  const MdArrayState& array(const ArrayConfig& a) const { return md.at(a.name); }
  /// "" when the node exists and is OK; otherwise what is wrong with it, in words.
  std::string not_ok(const std::string& id) const;
  /// Today's /dev/sdX of a LUN on the KVM host ("" when it has no disk now).
  std::string disk_of(const Topology& t, const LunConfig& lun) const;
};

/// One sweep of the stack, and what it shows.
View take_view(const Topology& topology, const HostLookup& hosts, const ObserveOptions& options = {});
/// The View of an observation already made (a test's, a replayed one, one with sources dropped).
View make_view(const Topology& topology, Observation observation);

}  // namespace stackdr
