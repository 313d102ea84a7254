#include "cli/recover_cmd.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/operator_io.h"
#include "cli/run_leadership.h"
#include "cli/signals.h"
#include "cli/text_report.h"
#include "diagnose/diagnoser.h"
#include "diagnose/report_json.h"
#include "host/ssh_host.h"
#include "model/cause.h"
#include "operate/recovery_locks.h"
#include "recover/dry_run.h"
#include "recover/executor.h"
#include "recover/lun_serials.h"
#include "recover/recover_text.h"
#include "sim/sim_clock.h"
#include "sim/sim_host.h"
#include "store/host_lock.h"
#include "store/incident_report.h"
#include "store/journal_file.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

// The simulated stack's rounds, predicted by running the recovery on a copy of its state:
// nothing of the real one changes, and each round is planned from what the copy shows after
// the one before, as the real run will re-observe.
std::vector<PlannedRound> predict_on_copy(StackContext& ctx, const RecoverOptions& base,
                                          RecoverOutcome& outcome) {
  const Topology& t = ctx.topology();
  auto copy = std::make_shared<sim::SimState>(*ctx.sim());
  std::map<std::string, std::unique_ptr<sim::SimHost>> hosts;
  for (const auto& h : t.hosts) hosts[h.name] = std::make_unique<sim::SimHost>(h.name, copy);
  HostLookup lookup = [&](const std::string& n) -> Host* {
    auto it = hosts.find(n);
    return it == hosts.end() ? nullptr : it->second.get();
  };
  auto journal = Journal::open(":memory:");
  if (!journal) return {};
  SimClock clock(copy);
  std::ostringstream log;
  std::vector<PlannedRound> rounds;
  RecoverOptions o = base;
  o.planned = [&](int round, const Plan& p, const View& v) {
    rounds.push_back(planned_round(t, v, round, p));
  };
  RecoverText text(log);
  Executor ex(t, lookup, clock, **journal, text);
  outcome = ex.run(o);
  return rounds;
}

int dry_run(const RecoverCliOptions& o, StackContext& ctx, const std::string& dir, const RecoverOptions& ro) {
  const Topology& t = ctx.topology();
  PlanContext pc = ro.plan;
  // What the journal remembers (LIO serials) is read if it is there; nothing is created.
  if (journal_recorded(dir)) {
    if (auto j = open_state_journal(dir, ro.plan.hints, false))
      pc.known_serials = (*j)->serials();
    else
      std::cerr << "stackdr: the plan is made without the journal's LIO serials: " << j.error().message
                << "\n";
  }
  View v = take_view(t, ctx.hosts());
  for (const auto& [lun, serial] : visible_serials(t, v)) pc.known_serials[lun] = serial;
  std::vector<PlannedRound> rounds;
  std::string predicted;
  RecoverOutcome outcome;
  bool have_outcome = false;
  if (ctx.sim()) {
    RecoverOptions po = ro;
    po.plan = pc;
    rounds = predict_on_copy(ctx, po, outcome);
    have_outcome = true;
    predicted = "every round predicted on a copy of the simulated stack, with this run's flags";
  } else {
    rounds = plan_from_view(t, v, pc);
    predicted = rounds.size() > 1
                    ? "round 1 from this sweep; the later rounds are this sweep's other findings, planned "
                      "again after re-observation (steps of round 1 may change them)"
                    : "from this sweep; what follows is planned after re-observation";
  }
  int code = kRecovered;
  bool escalates = std::any_of(rounds.begin(), rounds.end(),
                               [](const PlannedRound& r) { return !r.plan.escalate.empty(); });
  if (escalates || (v.findings.empty() && v.status != 0)) code = kNeedsOperator;
  std::string message =
      v.findings.empty()
          ? (v.status == 0 ? "healthy: nothing to do"
                           : "nothing can be planned: no failure whose cause rests on what was "
                             "read (status " +
                                 std::to_string(v.status) + ")")
          : "dry run: nothing was changed";
  if (o.json) {
    nlohmann::json j = dry_run_json(rounds);
    j["dry_run"] = true;
    j["status"] = status_word(v.status);
    j["code"] = v.status;
    j["predicted"] = predicted;
    j["message"] = message;
    j["exit"] = code;
    if (have_outcome)
      j["predicted_outcome"] = {
          {"exit", outcome.exit}, {"message", outcome.message}, {"rounds", outcome.rounds}};
    j["unexplained"] = unexplained_json(v.graph);
    std::cout << json_text(j, 2) << "\n";
    return code;
  }
  std::cout << "dry run: nothing will be changed (" << predicted << ")\n";
  std::cout << dry_run_text(rounds);
  std::cout << unexplained_text(v.graph);
  if (have_outcome && !rounds.empty())
    std::cout << fmt::format("predicted outcome: exit {} — {}\n", outcome.exit, outcome.message);
  std::cout << message << "\n";
  return code;
}

// The command that resumes an incident of `mode` in the state directory `state`.
std::string resume_hint_for(const std::string& mode, const std::string& state) {
  StackHints h;
  if (mode != "live") h.stack.push_back("--lab");
  if (mode == "live") h.stack.insert(h.stack.end(), {"--config", "FILE-IT-WAS-OPENED-WITH"});
  h.stack.insert(h.stack.end(), {"--state-dir", state});
  return h.resume();
}

// `--resume` only resumes. Before anything is read or locked: an unfinished incident of this
// run's own journal, mode and topology goes on to the executor; one of another mode or topology
// (or in the other journal of this state directory: live beside practice) is named and refused,
// exit 64; nothing unfinished anywhere is "nothing to resume", exit 0, and nothing runs.
std::optional<int> resume_preflight(const RecoverCliOptions& o, const RecoverOptions& ro,
                                    const std::string& dir, bool practice) {
  namespace fs = std::filesystem;
  // A journal that could not be read proves nothing: its refusal is said, never "nothing to resume".
  auto open_in = [&](const std::string& d, const StackHints& h) -> Result<std::optional<IncidentRecord>> {
    if (!journal_recorded(d)) return std::optional<IncidentRecord>();
    auto j = open_state_journal(d, h, false);
    if (!j) return j.error();
    return (*j)->latest_open();
  };
  std::error_code ec;
  std::string state =
      fs::absolute(o.context.state_dir.empty() ? default_state_dir() : o.context.state_dir, ec);
  auto reply = [&](int code, const std::string& message) {
    if (o.json)
      std::cout << json_text(nlohmann::json{{"exit", code},
                                            {"message", message},
                                            {"incident", 0},
                                            {"rounds", 0},
                                            {"steps", nlohmann::json::array()}},
                             2)
                << "\n";
    else
      (code == 0 ? std::cout : std::cerr) << (code == 0 ? "" : "stackdr: ") << message << "\n";
    return code;
  };
  auto own_read = open_in(dir, ro.plan.hints);
  if (!own_read) return reply(kExitUsage, "nothing was run: " + own_read.error().message);
  if (const auto& own = *own_read) {
    if (own->mode == ro.mode && own->fingerprint == ro.fingerprint) return std::nullopt;
    if (own->mode == "lab" && ro.mode == "practice") {
      // A throwaway run's incident (its stack is gone) is nothing a practice stack resumes.
    } else {
      return reply(
          kExitUsage,
          fmt::format("incident {} ({}) in {} is unfinished, but it was opened {}: --resume will not take "
                      "it over. To continue it: `{}`; to end it: `{}`",
                      own->id, own->summary, dir,
                      own->mode != ro.mode
                          ? fmt::format("on the {} stack and this run is on the {} one", own->mode, ro.mode)
                          : "with another topology (its fingerprint " + own->fingerprint + ", this one " +
                                ro.fingerprint + ")",
                      resume_hint_for(own->mode, state), ro.plan.hints.close(own->id)));
    }
  }
  std::string other = state_dir_for(state, !practice);
  auto other_read = open_in(other, journal_hints(state, "", !practice));
  std::string unread;
  if (!other_read)
    unread = fmt::format(" (the other journal of this state directory, {}, could not be read: {})", other,
                         other_read.error().message);
  if (const std::optional<IncidentRecord>* elsewhere = other_read ? &*other_read : nullptr;
      elsewhere && elsewhere->has_value() && (*elsewhere)->mode != "lab") {
    const IncidentRecord& there = **elsewhere;
    StackHints close_there;
    if (there.mode != "live") close_there.journal.push_back("--lab");
    close_there.journal.insert(close_there.journal.end(), {"--state-dir", state});
    return reply(kExitUsage,
                 fmt::format("nothing to resume in this run's journal ({}, {} stack); incident {} ({}) is "
                             "unfinished in the {} journal ({}). --resume continues only its own journal's "
                             "incidents: to continue that one, `{}`; to end it, `{}`",
                             dir, ro.mode, there.id, there.summary, there.mode, other,
                             resume_hint_for(there.mode, state), close_there.close(there.id)));
  }
  return reply(0, fmt::format("nothing to resume: no unfinished incident in {} ({} stack); nothing was run{}",
                              dir, ro.mode, unread));
}

}  // namespace

int cmd_recover(const RecoverCliOptions& o) {
  if (!o.context.from.empty() && !o.dry_run)
    return fail(kExitUsage,
                "--from replays captured output, which cannot be changed: use --dry-run to see the plan");
  auto ctx = StackContext::open(o.context);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  bool practice = (*ctx)->practice() != nullptr;
  if ((*ctx)->sim() && !practice && o.resume)
    return fail(
        kExitUsage,
        fmt::format("--resume continues an incident on a stack that outlives stackdr; this simulated stack "
                    "starts anew on every run, so its incident cannot be resumed (end it with `{}`, or "
                    "rehearse on a practice stack: `stackdr lab init --state-dir {}`)",
                    stack_hints(o.context).incident("close N --why TEXT"),
                    hint_word(stack_hints(o.context).journal.back())));
  const Topology& t = (*ctx)->topology();
  // Simulated runs keep their own journal and locks: they never touch the live incidents.
  std::string dir = state_dir_for(o.context.state_dir, (*ctx)->sim() != nullptr);
  RecoverOptions ro;
  ro.policy.yes = o.yes;
  ro.policy.allow_data_loss = o.allow_data_loss;
  ro.resume = o.resume;
  // A practice stack keeps its state like a real one, so its incidents resume like live ones,
  // and only on it: a throwaway lab run's open incident is never continued there.
  ro.mode = (*ctx)->journal_mode();
  ro.resumable = practice || !(*ctx)->sim();
  ro.fingerprint = topology_fingerprint(t);
  ro.plan.new_disk = o.new_disk;
  ro.plan.hints = stack_hints(o.context);
  if (o.resume)
    if (auto done = resume_preflight(o, ro, dir, practice)) return *done;
  if (o.dry_run) return dry_run(o, **ctx, dir, ro);

  if (o.new_journal && journal_recorded(dir)) {
    auto aside = set_journal_aside(dir);
    if (!aside) return fail(kExitUsage, aside.error().message);
    std::cerr << "stackdr: started a new journal; the old one is kept as " << *aside << "\n";
  }
  auto journal = open_state_journal(dir, ro.plan.hints);
  if (!journal) return fail(kExitUsage, journal.error().message);
  // One recovery per machine (operate/recovery_locks.h).
  bool held = false;
  auto locks = take_recovery_locks((*ctx)->topology(), (*ctx)->hosts(), (*ctx)->sim() != nullptr, dir, held);
  if (!locks) return fail(held ? kLocked : kExitUsage, locks.error().message);
  // A coordinated stack: this run leads it while it lasts, or refuses (cli/run_leadership.h).
  auto leadership = RunLeadership::take(t, (*ctx)->hosts(), "recover", ro.plan.hints.verb("recover"));
  if (!leadership) return fail(kLocked, leadership.error().message);
  if (*leadership) ro.leadership = [l = leadership->get()] { return l->fence(); };
  std::unique_ptr<Clock> clock = (*ctx)->clock();
  // With --json the step log goes to standard error: standard output is one JSON document.
  RecoverText text(o.json ? std::cerr : std::cout);
  Executor ex(t, (*ctx)->hosts(), *clock, **journal, text);
  ro.ask = ask_terminal;
  signals::install_for_recovery("`" + ro.plan.hints.resume() + "` continues");
  ro.stop_requested = signals::stop_requested;
  ro.running = signals::set_running;
  RecoverOutcome r = ex.run(ro);
  std::vector<std::string> notes;
  back_up_journal(**journal, dir, notes);  // what this run wrote, kept
  for (const auto& n : notes) std::cerr << "stackdr: " << n << "\n";
  if (o.json) {
    nlohmann::json steps = steps_json(r.steps);
    std::cout << json_text(nlohmann::json{{"exit", r.exit},
                                          {"message", r.message},
                                          {"incident", r.incident},
                                          {"rounds", r.rounds},
                                          {"steps", steps}},
                           2)
              << "\n";
  } else if (!r.message.empty()) {
    (r.exit == kRefused ? std::cerr : std::cout) << r.message << "\n";
  }
  return r.exit;
}

namespace {

// Failures and tasks share the journal (and its numbers) but not the list: a LUN created or a
// scrub run is no incident.
int incident_list(const IncidentCliOptions& o, const std::string& format, Journal& journal) {
  auto all = journal.incidents();
  std::erase_if(all, [&](const IncidentRecord& i) {
    bool task = i.scenario == 0 && !cause_from_name(i.cause);
    return task != o.tasks;
  });
  if (format == "json") {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& i : all) a.push_back(incident_json(i));
    std::cout << json_text(nlohmann::json{{"incidents", a}}, 2) << "\n";
  } else {
    std::cout << incident_list_text(all);
  }
  return 0;
}

// An incident ended by the operator, with why, for the record.
int incident_close(const IncidentCliOptions& o, Journal& journal, const IncidentRecord& inc) {
  if (o.why.empty())
    return fail(kExitUsage, "incident close needs --why TEXT: what you did about it, for the record");
  if (inc.state != "open" && inc.state != "stopped" && inc.state != "escalated")
    return fail(kExitUsage, fmt::format("incident {} is already {}", inc.id, inc.state));
  std::string outcome = "closed by the operator: " + o.why;
  JournalEvent e;
  e.incident = inc.id;
  e.at = incident_now(inc, journal.events(inc.id), o.state_dir);
  e.kind = EventKind::kClosed;
  e.detail = outcome;
  journal.add(e);
  journal.close_incident(inc.id, e.at, "closed", outcome);
  if (o.json)
    std::cout << json_text(nlohmann::json{{"incident", inc.id}, {"state", "closed"}, {"outcome", outcome}}, 2)
              << "\n";
  else
    std::cout << fmt::format("incident {} closed (not recovered by stackdr): {}\n", inc.id, o.why);
  return 0;
}

int incident_show(const std::string& format, const IncidentRecord& inc,
                  const std::vector<JournalEvent>& events) {
  if (format == "json") {
    nlohmann::json j = incident_report_json(inc, events);
    std::cout << json_text(nlohmann::json{{"incident", j["incident"]}, {"timeline", j["timeline"]}}, 2)
              << "\n";
    return 0;
  }
  std::cout << incident_list_text({inc});
  for (const auto& e : events)
    std::cout << fmt::format("  {:>8.0f}s  {:<15} {:<28} {:<12} {}{}\n", e.at - inc.opened_at,
                             event_kind_name(e.kind), e.step, e.host, e.argv.empty() ? e.detail : e.argv,
                             e.exit_code ? fmt::format(" → exit {}", *e.exit_code) : "");
  return 0;
}

}  // namespace

int cmd_incident(const IncidentCliOptions& given) {
  IncidentCliOptions o = given;
  auto root = journal_state_dir(o.state_dir, o.stack);  // a stack of a folder keeps its own journal
  if (!root) return fail(kExitUsage, root.error().message);
  o.state_dir = *root;
  const std::string& verb = o.verb;
  const std::string format = o.json ? "json" : o.format;
  int id = o.id;
  std::string dir = state_dir_for(o.state_dir, o.lab);
  if (verb != "close" && !journal_recorded(dir)) {
    // Reading creates nothing: no journal yet is an empty list, not a new database.
    if (verb == "list") {
      std::cout << (format == "json"
                        ? json_text(nlohmann::json{{"incidents", nlohmann::json::array()}}, 2) + "\n"
                        : incident_list_text({}));
      return 0;
    }
    return fail(kExitUsage, fmt::format("no incident {}: there is no journal in {} yet", id, dir));
  }
  StackHints hints = journal_hints(given.state_dir, given.stack, o.lab);
  auto journal = open_state_journal(dir, hints, verb == "close");
  if (!journal) return fail(kExitUsage, journal.error().message);
  if (verb == "list") return incident_list(o, format, **journal);
  auto inc = (*journal)->incident(id);
  if (!inc) {
    return fail(kExitUsage, fmt::format("no incident {} (see `{}`)", id, hints.incident("list")));
  }
  if (verb == "close") return incident_close(o, **journal, *inc);
  auto events = (*journal)->events(id);
  if (verb == "show") return incident_show(format, *inc, events);
  if (verb == "report") {
    if (format == "json")
      std::cout << json_text(incident_report_json(*inc, events), 2) << "\n";
    else if (format == "md" || format.empty())
      std::cout << incident_report_markdown(*inc, events);
    else
      return fail(kExitUsage, "--format must be md or json");
    return 0;
  }
  return fail(kExitUsage, "usage: stackdr incident list|show N|report N [--format md|json]");
}

}  // namespace stackdr
