#include "recover/step_argv.h"

#include <fmt/format.h>

#include "model/node_id.h"

namespace stackdr {

Result<Argv> resolve_step_argv(const Topology& t, const View& v, const Argv& argv) {
  Argv out;
  for (const auto& w : argv) {
    if (w.size() < 3 || w.front() != '{' || w.back() != '}') {
      out.push_back(w);
      continue;
    }
    auto colon = w.find(':');
    std::string kind = w.substr(1, colon - 1), lun = w.substr(colon + 1, w.size() - colon - 2);
    const LunConfig* l = t.lun(lun);
    if (!l) return Error{fmt::format("{}: no LUN named {} in {}", w, lun, t.source)};
    if (kind == "disk") {
      std::string d = v.disk_of(t, *l);
      if (d.empty())
        return Error{fmt::format("LUN {} ({} LUN {}) has no disk on {} now", lun, l->target, l->lun,
                                 t.initiator.host)};
      out.push_back("/dev/" + d);
    } else if (kind == "sid") {
      const Node* n = v.node(node_id::session(t.initiator.host, *l, t.portal_of(*l)));
      if (!n || !n->facts.sid) return Error{fmt::format("no session to {} now", l->target)};
      out.push_back(std::to_string(*n->facts.sid));
    } else {
      return Error{"unknown placeholder " + w};
    }
  }
  return out;
}

}  // namespace stackdr
