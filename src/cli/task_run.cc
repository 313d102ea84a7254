#include "cli/task_run.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/exit_codes.h"
#include "cli/operator_io.h"
#include "cli/run_leadership.h"
#include "cli/signals.h"
#include "operate/recovery_locks.h"
#include "recover/recover_text.h"
#include "recover/view.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

int dry_run(const TaskCliOptions& o, StackContext& ctx, const Topology& t, const Task& task,
            const ObserveOptions& observe) {
  std::ostream& out = o.print_outcome || !o.json ? std::cout : std::cerr;
  View v = take_view(t, ctx.hosts(), observe);
  Plan p = task.plan(v);
  nlohmann::json steps = nlohmann::json::array();
  std::string text;
  int n = 0;
  for (const auto& s : p.steps) {
    bool holds = s.done && s.done(v).empty();
    steps.push_back({{"id", s.id},
                     {"host", s.host},
                     {"argv", s.argv},
                     {"safety", safety_name(s.safety)},
                     {"title", s.title},
                     {"holds", holds},
                     {"check", s.done_when}});
    text += fmt::format("  {:>2}. {:<11} {:<12} {}{}\n      {}\n", ++n, safety_name(s.safety), s.host,
                        describe_argv(s.argv), holds ? "   (already holds: skipped)" : "", s.title);
  }
  int code = p.escalate.empty() ? kRecovered : kNeedsOperator;
  if (o.json) {
    out << json_text(nlohmann::json{{"dry_run", true},
                                    {"task", task.kind},
                                    {"summary", task.summary},
                                    {"escalate", p.escalate},
                                    {"steps", steps},
                                    {"exit", code}},
                     2)
        << "\n";
    return code;
  }
  out << "dry run: nothing will be changed\n" << task.summary << "\n" << text;
  if (!p.escalate.empty()) out << "needs an operator: " << p.escalate << "\n";
  if (p.steps.empty() && p.escalate.empty()) out << "nothing to do\n";
  return code;
}

}  // namespace

int run_task_cli(const TaskCliOptions& o, StackContext& ctx, Task task, const ObserveOptions& observe,
                 const Topology* topology) {
  const Topology& t = topology ? *topology : ctx.topology();
  if (!o.context.from.empty() && !o.dry_run)
    return fail(kExitUsage, "--from replays captured output, which cannot be changed: use --dry-run");
  if (o.dry_run) return dry_run(o, ctx, t, task, observe);
  bool practice = ctx.practice() != nullptr;
  std::string dir = state_dir_for(o.context.state_dir, ctx.sim() != nullptr);
  RecoverOptions ro;
  ro.policy.yes = o.yes;
  ro.policy.allow_data_loss = o.allow_data_loss;
  ro.mode = ctx.journal_mode();
  ro.resumable = practice || !ctx.sim();
  ro.fingerprint = topology_fingerprint(t);
  ro.observe = observe;
  const std::string kind = task.kind;
  ro.work = as_work(std::move(task));
  ro.plan.hints = stack_hints(o.context);
  auto journal = open_state_journal(dir, ro.plan.hints);
  if (!journal) return fail(kExitUsage, journal.error().message);
  bool held = false;
  auto locks = take_recovery_locks(ctx.topology(), ctx.hosts(), ctx.sim() != nullptr, dir, held);
  if (!locks) return fail(held ? kLocked : kExitUsage, locks.error().message);
  // A coordinated stack: the task leads it while it runs, or refuses (cli/run_leadership.h).
  auto leadership = RunLeadership::take(ctx.topology(), ctx.hosts(), kind, "");
  if (!leadership) return fail(kLocked, leadership.error().message);
  if (*leadership) ro.leadership = [l = leadership->get()] { return l->fence(); };
  std::unique_ptr<Clock> clock = ctx.clock();
  RecoverText text(o.json ? std::cerr : std::cout);
  Executor ex(t, ctx.hosts(), *clock, **journal, text);
  ro.ask = ask_terminal;
  signals::install_for_recovery("the same command, run again, continues");
  ro.stop_requested = signals::stop_requested;
  ro.running = signals::set_running;
  RecoverOutcome r = ex.run(ro);
  if (!o.print_outcome) {
    if (r.exit != kRecovered)
      std::cerr << "stackdr: " << r.message << "\n";
    else if (!r.message.empty())
      (o.json ? std::cerr : std::cout) << r.message << "\n";
    return r.exit;
  }
  if (o.json)
    std::cout << json_text(nlohmann::json{{"exit", r.exit},
                                          {"message", r.message},
                                          {"incident", r.incident},
                                          {"steps", steps_json(r.steps)}},
                           2)
              << "\n";
  else if (!r.message.empty())
    (r.exit == kRecovered ? std::cout : std::cerr) << r.message << "\n";
  return r.exit;
}

}  // namespace stackdr
