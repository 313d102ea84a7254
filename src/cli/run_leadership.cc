#include "cli/run_leadership.h"

#include <fmt/format.h>

#include "util/text.h"
#include "watch/stack_election.h"

namespace stackdr {

Result<std::unique_ptr<RunLeadership>> RunLeadership::take(const Topology& t, const HostLookup& hosts,
                                                           const std::string& verb,
                                                           const std::string& again) {
  auto made = stack_election(t, EtcdOverride{}, verb + " (by hand)");
  if (!made) return made.error();
  if (!*made) return std::unique_ptr<RunLeadership>();
  std::unique_ptr<coord::Election> e = std::move(*made);
  const coord::ElectionSettings& s = e->settings();
  e->tick();  // one campaign, answered or not, before deciding
  coord::Leadership l = e->state();
  if (!l.leading) {
    if (!l.error.empty())
      return Error{
          fmt::format("stack {} is coordinated through etcd ({}), and etcd could not be asked who leads "
                      "it: {}. Nothing was done: acting beside a daemon that may lead it is what the "
                      "election prevents",
                      t.name, text::join(t.coordination.endpoints, ","), l.error)};
    e->resign();
    return Error{
        fmt::format("stack {} is led by {} (token {}; etcd key {}): that daemon recovers it. Stop it "
                    "(systemctl stop stackdr-watch on its machine) or let it finish, then run {} again; "
                    "the key goes within {} s of it stopping",
                    t.name, l.holder, l.holder_token, s.key,
                    again.empty() ? "the same command" : "`" + again + "`", s.ttl_s)};
  }
  if (auto r = raise_fence_on_hosts(t, hosts, Fence{t.name, l.token}); !r)
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
