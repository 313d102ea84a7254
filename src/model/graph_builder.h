#pragma once
/// Builds the StackGraph from the topology (what should be) and one Observation (what is):
/// one node per thing at each layer, joined across hosts by stable identity, each with the
/// health its own facts give it and the evidence that says so. Health here is local; which
/// unhealthy node is the cause and which are symptoms is diagnosis's job.

#include "model/md_state.h"
#include "model/node_id.h"  // the identities callers look nodes up by
#include "model/stack_graph.h"
#include "probe/observation.h"
#include "topology/topology.h"

namespace stackdr {

StackGraph build_graph(const Topology& topology, const Observation& observation);
/// The same, with the md states of this observation already built (the View has them).
StackGraph build_graph(const Topology& topology, const Observation& observation,
                       const std::map<std::string, MdArrayState>& md);

}  // namespace stackdr
