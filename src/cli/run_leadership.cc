#include "cli/run_leadership.h"

#include <fmt/format.h>
#include <unistd.h>

#include "util/text.h"

namespace stackdr {

Result<std::unique_ptr<RunLeadership>> RunLeadership::take(const Topology& t, const HostLookup& hosts,
                                                           const std::string& verb,
                                                           const std::string& again) {
  const CoordinationConfig& c = t.coordination;
  if (c.endpoints.empty()) return std::unique_ptr<RunLeadership>();
  auto endpoints = coord::parse_endpoints(c.endpoints);
  if (!endpoints) return endpoints.error();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  coord::ElectionSettings s;
  s.key = c.prefix + "/stacks/" + t.name + "/leader";
  s.holder = fmt::format("stackdr {} pid {} on {} (by hand)", verb, ::getpid(), host);
  s.ttl_s = c.ttl;
  s.keepalive_s = c.keepalive;
  auto e =
      std::make_unique<coord::Election>(coord::EtcdClient(*endpoints, std::chrono::milliseconds(2000)), s);
  e->tick();  // one campaign, answered or not, before deciding
  coord::Leadership l = e->state();
  if (!l.leading) {
    if (!l.error.empty())
      return Error{
          fmt::format("stack {} is coordinated through etcd ({}), and etcd could not be asked who leads "
                      "it: {}. Nothing was done: acting beside a daemon that may lead it is what the "
                      "election prevents",
                      t.name, text::join(*endpoints, ","), l.error)};
    e->resign();
    return Error{
        fmt::format("stack {} is led by {} (token {}; etcd key {}): that daemon recovers it. Stop it "
                    "(systemctl stop stackdr-watch on its machine) or let it finish, then run {} again; "
                    "the key goes within {} s of it stopping",
                    t.name, l.holder, l.holder_token, s.key,
                    again.empty() ? "the same command" : "`" + again + "`", c.ttl)};
  }
  Fence f{t.name, l.token};
  for (const auto& h : t.hosts)
    if (Host* m = hosts(h.name))
      if (auto r = m->raise_fence(f); !r)
        return Error{fmt::format("stack {}: this run won the leadership (token {}) but {}: nothing was done",
                                 t.name, l.token, r.error().message)};
  e->start();  // renewed on its own thread for as long as the run lasts
  return std::unique_ptr<RunLeadership>(new RunLeadership(std::move(e), t.name));
}

Result<Fence> RunLeadership::fence() const {
  auto t = election_->may_act();
  if (!t) return t.error();
  return Fence{stack_, *t};
}

}  // namespace stackdr
