#include "cli/watch_cmd.h"

#include "cli/exit_codes.h"
#include "watch/daemon.h"

namespace stackdr {

namespace {

// The stacks the options select, each with what opens it: a folder's (all of them, or --stack's
// one), else the one file's.
Result<std::vector<WatchedStack>> watched_stacks(const ContextOptions& context) {
  auto chosen = chosen_stacks(context);
  if (!chosen) return chosen.error();
  std::vector<ContextOptions> contexts;
  for (const auto& s : *chosen) contexts.push_back(stack_options(context, s));
  if (chosen->empty()) {
    ContextOptions one = context;
    if (auto r = select_stack(one); !r) return r.error();
    contexts.push_back(one);
  }
  std::vector<WatchedStack> out;
  for (size_t i = 0; i < contexts.size(); ++i) {
    const ContextOptions& c = contexts[i];
    WatchedStack w;
    if (i < chosen->size()) {
      w.name = (*chosen)[i].name;
      w.site = (*chosen)[i].site;
    }
    w.open_stack = [c]() -> Result<std::shared_ptr<Stack>> {
      auto s = StackContext::open(c);
      if (!s) return s.error();
      return std::shared_ptr<Stack>(std::move(*s));
    };
    // --lab is the simulated stack (a practice stack or this process's own): its journal and
    // locks live in the state folder's lab/ part, never beside the live ones.
    w.state_dir = state_dir_for(c.state_dir, c.lab);
    w.hints = stack_hints(c);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

int cmd_watch(const WatchCliOptions& o) {
  if (!o.context.from.empty())
    return fail(kExitUsage, "watch reads live machines or the simulated stack, not --from");
  DaemonOptions d;
  // A topology folder: every stack in it (or --stack's one), each with its own file, journal
  // and hints. One file: that stack.
  auto stacks = watched_stacks(o.context);
  if (!stacks) return fail(kExitUsage, stacks.error().message);
  d.stacks = std::move(*stacks);
  // A whole folder is listed again at SIGHUP: a stack file added is watched, one removed is not.
  // (Only a folder's stacks come named here; one file's stack has no name from the folder.)
  bool folder = !d.stacks.empty() && !d.stacks.front().name.empty();
  if (folder && o.context.stack.empty()) d.relist = [context = o.context] { return watched_stacks(context); };
  d.overrides = {o.listen,   o.webhook, o.mail_to,       o.exec,
                 o.interval, o.remind,  o.resolve_after, o.auto_recover};
  d.token_file = o.token_file;
  d.tls_cert = o.tls_cert;
  d.tls_key = o.tls_key;
  d.listen_insecure = o.listen_insecure;
  d.etcd = {o.etcd, {o.etcd_ca, o.etcd_cert, o.etcd_key}};
  d.json = o.json;
  auto r = run_daemon(d);
  return r ? 0 : fail(kExitUsage, r.error().message);
}

}  // namespace stackdr
