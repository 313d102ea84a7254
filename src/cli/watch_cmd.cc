#include "cli/watch_cmd.h"

#include "cli/exit_codes.h"
#include "watch/daemon.h"

namespace stackdr {

int cmd_watch(const WatchCliOptions& o) {
  if (!o.context.from.empty())
    return fail(kExitUsage, "watch reads live machines or the simulated stack, not --from");
  DaemonOptions d;
  d.open_stack = [context = o.context]() -> Result<std::shared_ptr<Stack>> {
    auto c = StackContext::open(context);
    if (!c) return c.error();
    return std::shared_ptr<Stack>(std::move(*c));
  };
  d.overrides = {o.listen,   o.webhook, o.mail_to,       o.exec,
                 o.interval, o.remind,  o.resolve_after, o.auto_recover};
  d.token_file = o.token_file;
  d.tls_cert = o.tls_cert;
  d.tls_key = o.tls_key;
  d.listen_insecure = o.listen_insecure;
  d.etcd = o.etcd;
  d.json = o.json;
  // --lab is the simulated stack (a practice stack or this process's own): its journal and
  // locks live in the state folder's lab/ part, never beside the live ones.
  d.state_dir = state_dir_for(o.context.state_dir, o.context.lab);
  d.hints = stack_hints(o.context);
  auto r = run_daemon(d);
  return r ? 0 : fail(kExitUsage, r.error().message);
}

}  // namespace stackdr
