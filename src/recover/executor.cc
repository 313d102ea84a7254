#include "recover/executor.h"

#include <fmt/format.h>

#include "diagnose/report_json.h"
#include "probe/zfs_get.h"
#include "recover/lun_serials.h"
#include "recover/progress.h"
#include "recover/step_argv.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

constexpr auto kActTimeout = std::chrono::minutes(10);

// What an exit status means where the tool gives it a meaning other than "failed": e2fsck's
// is a bit mask (e2fsck(8)), and 1 means it found and corrected errors.
std::string exit_meaning(const Argv& argv, int rc) {
  if (argv.empty() || (argv[0] != "e2fsck" && argv[0] != "fsck.ext4" && argv[0] != "fsck")) return "";
  std::vector<std::string> w;
  if (rc & 1) w.push_back("errors corrected");
  if (rc & 2) w.push_back("errors corrected, the system should be rebooted");
  if (rc & 4) w.push_back("errors left uncorrected");
  if (rc & 8) w.push_back("operational error");
  if (rc & 16) w.push_back("usage or syntax error");
  if (rc & 32) w.push_back("cancelled by the user");
  if (rc & 128) w.push_back("shared-library error");
  return w.empty() ? "" : " (" + argv[0] + ": " + text::join(w, "; ") + ")";
}

std::string root_key(const std::string& root, Cause cause) {
  return root + "|" + cause_name(cause);
}

std::string first_line(const std::string& s) {
  auto l = text::lines(s);
  for (auto x : l)
    if (!text::trim(x).empty()) return std::string(text::trim(x));
  return "";
}

}  // namespace

namespace {

// A plan as the journal keeps it: enough to finish, after a crash, the steps whose effect
// cannot be observed (they have no check; e.g. `targetcli saveconfig`) and the follow-ups whose
// check the planner rebuilds by name (the scrub after a resilver).
nlohmann::json plan_json(const Plan& p) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : p.steps)
    steps.push_back({{"id", s.id},
                     {"title", s.title},
                     {"runbook", s.runbook},
                     {"host", s.host},
                     {"safety", safety_name(s.safety)},
                     {"argv", s.argv},
                     {"checked", static_cast<bool>(s.done)},
                     {"done_when", s.done_when},
                     {"resume_check", s.resume_check},
                     {"best_effort", s.best_effort},
                     {"rerun_safe", s.rerun_safe}});
  return {{"scenario", p.scenario},
          {"cause", cause_name(p.cause)},
          {"root", p.root},
          {"summary", p.summary},
          {"steps", steps}};
}

// SMART is a forecast: no node's state and no step rests on it (a pool disk whose SMART cannot
// be read stays as zpool status shows it), and a disk that has died or been pulled, or a
// virtio disk, never answers smartctl. So an unreadable SMART leaves the view whole for a step;
// found when the lab's first real Scenario 3 refused to replace the pulled disk for want of its
// SMART.
bool forecast_only(const std::string& source) {
  return text::starts_with(source, "smartctl ");
}

// A step's process as the journal keeps it: "HOST pid PID start TICKS".
std::string process_detail(const std::string& host, const ProcessId& p) {
  return fmt::format("{} pid {} start {}", host, p.pid, p.start);
}

struct RecordedProcess {
  std::string host, step, argv;
  ProcessId id;
};

std::optional<RecordedProcess> parse_process_detail(const JournalEvent& e) {
  auto w = text::fields(e.detail);
  if (w.size() != 5 || w[1] != "pid" || w[3] != "start") return std::nullopt;
  auto pid = text::to_int(w[2]);
  auto start = text::to_int(w[4]);
  if (!pid || !start || *pid <= 0 || *start < 0) return std::nullopt;
  return RecordedProcess{std::string(w[0]), e.step, e.argv,
                         ProcessId{static_cast<long>(*pid), static_cast<unsigned long long>(*start)}};
}

// The processes of an incident's steps that were started and never recorded as finished: a
// crash (kill -9, power, OOM) between the two records. They may still be running.
std::vector<RecordedProcess> unfinished_processes(const std::vector<JournalEvent>& events) {
  std::vector<RecordedProcess> out;
  for (const auto& e : events) {
    if (e.kind == EventKind::kStepProcess) {
      if (auto p = parse_process_detail(e)) out.push_back(*p);
    } else if (e.kind == EventKind::kStepFinished && !e.step.empty()) {
      std::erase_if(out, [&](const RecordedProcess& p) { return p.step == e.step && p.argv == e.argv; });
    }
  }
  return out;
}

// The steps (by id) whose last start has no "finished" record: stackdr died while they ran,
// before or after their effect. Waits have no command and are not among them.
std::set<std::string> interrupted_steps(const std::vector<JournalEvent>& events) {
  std::set<std::string> out;
  for (const auto& e : events) {
    if (e.step.empty()) continue;
    if (e.kind == EventKind::kStepStarted && !e.argv.empty()) out.insert(e.step);
    // Finished, or refused by a machine's fencing token after its start was journaled (it ran
    // nothing there).
    if (e.kind == EventKind::kStepFinished || e.kind == EventKind::kStepRefused) out.erase(e.step);
  }
  return out;
}

// The unchecked steps of the interrupted plan that had not finished: they run first on resume.
Plan unfinished_unchecked(const Topology& t, const std::string& plan_text,
                          const std::map<std::string, int>& done, const std::set<std::string>& interrupted) {
  Plan p;
  auto j = nlohmann::json::parse(plan_text, nullptr, false);
  if (!j.is_object() || !j.contains("steps")) return p;
  p.scenario = j.value("scenario", 0);
  p.cause = cause_from_name(j.value("cause", "")).value_or(Cause::kNone);
  p.root = j.value("root", "");
  p.summary = j.value("summary", "") + " (finishing the interrupted plan)";
  bool any_started = false;
  for (const auto& s : j["steps"]) {
    std::string id = s.value("id", "");
    any_started = any_started || done.count(id) || interrupted.count(id);
  }
  if (!any_started) return p;
  for (const auto& s : j["steps"]) {
    std::string resume_check = s.value("resume_check", "");
    if ((s.value("checked", true) && resume_check.empty()) || done.count(s.value("id", ""))) continue;
    Step st;
    st.id = s.value("id", "");
    st.title = s.value("title", "");
    st.runbook = s.value("runbook", "");
    st.host = s.value("host", "");
    std::string safety = s.value("safety", "safe");
    st.safety = safety == "read"          ? Safety::kRead
                : safety == "disruptive"  ? Safety::kDisruptive
                : safety == "destructive" ? Safety::kDestructive
                                          : Safety::kSafe;
    st.argv = s.value("argv", Argv{});
    st.done_when = "exit status 0";
    st.best_effort = s.value("best_effort", false);
    st.rerun_safe = s.value("rerun_safe", "");
    if (!resume_check.empty()) {
      st.done_when = s.value("done_when", st.done_when);
      if (!restore_check(t, st, resume_check)) continue;  // a journal from another version
    }
    if (!st.argv.empty()) p.steps.push_back(std::move(st));
  }
  return p;
}

// How a step ended when its command did not run (skipped, refused, waited for).
StepEnd ended_as(StepResult result, std::string detail, std::string refusal = "") {
  StepEnd e;
  e.result = result;
  e.detail = std::move(detail);
  e.refusal = std::move(refusal);
  return e;
}

}  // namespace

View Executor::look() {
  return take_view(t_, hosts_, o_.observe);
}

Result<Argv> Executor::resolve(const Argv& argv, const View& v) const {
  return resolve_step_argv(t_, v, argv);
}

void Executor::event(EventKind kind, int plan, const Step* s, const std::string& argv, std::optional<int> rc,
                     const std::string& output, const std::string& detail) {
  JournalEvent e;
  e.incident = outcome_.incident;
  e.at = clock_.now();
  e.kind = kind;
  e.plan = plan;
  if (s) {
    e.step = s->id;
    e.host = s->host;
    e.safety = safety_name(s->safety);
  }
  e.argv = argv;
  e.exit_code = rc;
  e.output = output.size() > 4000 ? output.substr(0, 4000) + "\n[...]" : output;
  e.detail = detail;
  journal_.add(e);
}

void Executor::finish(int exit, EventKind state, const std::string& message) {
  outcome_.exit = exit;
  outcome_.message = message;
  if (outcome_.incident) {
    event(state, 0, nullptr, "", std::nullopt, "", message);
    // "stopped" stays resumable (latest_open finds it); resolved and escalated are closed.
    journal_.close_incident(outcome_.incident, clock_.now(), event_kind_name(state), message);
  }
}

// Sources that could not be read, for "not healthy, only unknown" messages.
static std::string unreadable_summary(const View& v) {
  std::vector<std::string> out;
  for (const auto& s : v.observation.sources)
    if (!s.ok) out.push_back(s.host + ": " + s.source);
  if (out.size() > 4) {
    size_t more = out.size() - 4;
    out.resize(4);
    out.push_back(fmt::format("and {} more", more));
  }
  return text::join(out, "; ");
}

void Executor::announce_plan(int round, const Plan& p, const View& v) {
  std::vector<std::string> commands;
  for (const Step& s : p.steps) {
    auto r = resolve(s.argv, v);
    commands.push_back(s.argv.empty() ? "(wait: " + s.done_when + ")"
                       : r            ? describe_argv(*r)
                                      : describe_argv(s.argv));
  }
  events_.plan_made(round, p, commands, o_.work != nullptr);
}

Executor::WaitEnd Executor::wait_for(const Step& s, View& view, int timeout_s, bool stoppable) {
  // What gave up must still say so this long after it first did: md shows a re-added member
  // as neither failed nor rebuilding for a moment before its recovery starts.
  constexpr double kGaveUpGrace = 30;
  double start = clock_.now();
  std::optional<double> gave_up_since;
  std::map<std::string, std::pair<double, double>> last;  // what → (time, percent), for an ETA
  int interval = clock_.poll_interval();
  auto stop = [&] { return stoppable && o_.stop_requested && o_.stop_requested(); };
  while (true) {
    std::string why = s.done(view);
    if (why.empty()) return WaitEnd::kHolds;
    if (s.gave_up && !s.gave_up(view).empty()) {
      if (!gave_up_since) gave_up_since = clock_.now();
      if (clock_.now() - *gave_up_since >= kGaveUpGrace) return WaitEnd::kGaveUp;
    } else {
      gave_up_since.reset();
    }
    if (clock_.now() - start >= timeout_s) return WaitEnd::kTimedOut;
    // Slept in short pieces so that a signal ends a six-hour wait within one of them.
    for (int slept = 0; slept < interval && !stop(); slept += clock_.poll_interval())
      clock_.sleep(std::min(clock_.poll_interval(), interval - slept));
    if (stop()) return WaitEnd::kStopped;
    // Look often at first (most steps take seconds), then less: a six-hour rebuild needs no
    // full sweep every two seconds.
    interval = std::min(interval * 3 / 2 + 1, 15 * clock_.poll_interval());
    view = look();
    if (s.show_progress)
      for (auto p : progress_of(view)) {
        auto it = last.find(p.what);
        if (!p.eta_s && it != last.end() && p.percent > it->second.second)
          p.eta_s = (100.0 - p.percent) * (clock_.now() - it->second.first) / (p.percent - it->second.second);
        last[p.what] = {clock_.now(), p.percent};
        events_.progress(p);
      }
  }
}

std::string Executor::snapshot_room(const std::string& zvol, Host* h) {
  if (!h) return "the storage host cannot be reached, so the pool's free space is not known";
  CommandResult r =
      h->run({"zfs", "get", "-Hp", "-o", "name,property,value,source", "available,referenced", "--", zvol},
             kActTimeout);
  auto f = r.ok() ? parse_zfs_get(r.out) : Result<ZfsGetFacts>(Error{first_line(r.err)});
  std::optional<int64_t> avail, ref;
  if (f) {
    if (auto v = f->get(zvol, "available")) avail = text::to_int(*v);
    if (auto v = f->get(zvol, "referenced")) ref = text::to_int(*v);
  }
  if (!avail || !ref)
    return fmt::format("the pool's free space for a snapshot of {} could not be read ({})", zvol,
                       f ? "zfs get printed no number" : f.error().message);
  if (*avail >= *ref) return "";
  return fmt::format(
      "the pool has {} bytes free and {} references {}: rewriting it while the snapshot keeps the old blocks "
      "can fill the pool, and every zvol in it then fails writes",
      *avail, zvol, *ref);
}

bool Executor::take_snapshot(const Step& s, int plan_no) {
  if (snapshots_[s.zvol]) return true;
  std::string snap = fmt::format("{}@stackdr-incident-{}", s.zvol, outcome_.incident);
  Argv argv = {"zfs", "snapshot", "--", snap};
  // Taken by the run this one resumes: the journal says so, and a second `zfs snapshot` of
  // the same name would fail (it exists), so it is not taken again.
  bool started_before = false;
  for (const auto& e : journal_.events(outcome_.incident)) {
    if (e.argv != describe_argv(argv)) continue;
    if (e.kind == EventKind::kSnapshot && e.exit_code == 0) {
      events_.snapshot({SnapshotEvent::kFoundInJournal, snap, ""});
      // Its hold comes after the record: a run killed between the two left it unheld.
      if (Host* h = hosts_(t_.storage.host)) hold_snapshot(h, snap, /*resumed=*/true);
      return snapshots_[s.zvol] = true;
    }
    if (e.kind == EventKind::kStepStarted) started_before = true;
  }
  Host* h = hosts_(t_.storage.host);
  // Started by the run this one resumes, which was killed before it recorded the result: the
  // snapshot may be there with the journal silent. The name is this incident's, so one that
  // exists is the one wanted; it is looked for before `zfs snapshot` runs a second time.
  if (started_before && h &&
      h->run({"zfs", "list", "-H", "-o", "name", "-t", "snapshot", "--", snap}, kActTimeout).ok()) {
    event(EventKind::kSnapshot, plan_no, nullptr, describe_argv(argv), 0,
          "(it exists already: taken by the interrupted run of this incident)\n",
          fmt::format("roll back with: zfs rollback -r {}", snap));
    events_.snapshot({SnapshotEvent::kFoundOnPool, snap, ""});
    hold_snapshot(h, snap, /*resumed=*/true);
    return snapshots_[s.zvol] = true;
  }
  // Room first: while the rebuild rewrites the whole zvol the snapshot keeps every old block, up
  // to what the zvol references; a pool that fills fails writes to every zvol in it. Short of
  // room, or not known: said, and asked (nobody to ask is no: no snapshot, so the interlock
  // stops the step for an operator).
  if (std::string short_of = snapshot_room(s.zvol, h); !short_of.empty()) {
    std::string q = fmt::format("{}\nTake the snapshot {} anyway?", short_of, snap);
    events_.snapshot({SnapshotEvent::kShortOfRoom, snap, short_of});
    if (!o_.ask || !o_.ask(q)) {
      event(EventKind::kSnapshot, plan_no, nullptr, describe_argv(argv), std::nullopt, "",
            "snapshot not taken: " + short_of);
      return snapshots_[s.zvol] = false;
    }
  }
  event(EventKind::kStepStarted, plan_no, nullptr, describe_argv(argv), std::nullopt, "",
        "snapshot before " + s.id);
  CommandResult r = h ? change(h, argv, {}) : CommandResult{false, false, 127, "", "no storage host"};
  if (o_.boundary) o_.boundary("acted:snapshot " + snap);
  event(EventKind::kSnapshot, plan_no, nullptr, describe_argv(argv), r.exit_code, r.out + r.err,
        r.ok() ? fmt::format("roll back with: zfs rollback -r {}", snap) : "snapshot failed");
  events_.snapshot({r.ok() ? SnapshotEvent::kTaken : SnapshotEvent::kFailed, snap, ""});
  if (r.ok() && h) hold_snapshot(h, snap, /*resumed=*/false);
  snapshots_[s.zvol] = r.ok();
  return r.ok();
}

void Executor::hold_snapshot(Host* storage, const std::string& snap, bool resumed) {
  // Held, as a removed LUN's zvol is kept: `zfs destroy` refuses it until `zfs release`. A
  // snapshot a killed run took may hold the tag already (and `zfs hold` of a tag the snapshot
  // has is an error, not a no-op), so its holds are read first; a fresh one has none.
  if (resumed) {
    CommandResult holds = storage->run({"zfs", "holds", "-Hp", "--", snap}, kActTimeout);
    for (auto line : holds.ok() ? text::lines(holds.out) : std::vector<std::string_view>{}) {
      auto f = text::split(line, '\t');
      if (f.size() >= 2 && f[0] == snap && f[1] == "stackdr") {
        events_.snapshot({SnapshotEvent::kAlreadyHeld, snap, ""});
        return;
      }
    }
  }
  CommandResult held = change(storage, {"zfs", "hold", "--", "stackdr", snap}, {});
  if (o_.boundary) o_.boundary("acted:hold " + snap);
  events_.snapshot({held.ok() ? SnapshotEvent::kHeld : SnapshotEvent::kNotHeld, snap,
                    held.ok() ? "" : first_line(held.err)});
}

bool Executor::finish_interrupted(View& view) {
  // The interrupted plan's unobservable steps (saveconfig, scrub) that no later plan ran.
  Plan rest = unfinished_;
  unfinished_ = {};
  std::erase_if(rest.steps, [&](const Step& s) { return ran_.count(s.id) > 0; });
  if (rest.steps.empty()) return true;
  events_.finishing_interrupted();
  for (size_t i = 0; i < rest.steps.size(); ++i)
    if (!run_step(rest, unfinished_plan_, i, view) && outcome_.exit != kRecovered) return false;
  view = look();
  return true;
}

void Executor::step_ended(const StepEvent& e, StepRun& run, StepEnd end) {
  run.result = end.result;
  run.refusal = end.refusal;
  outcome_.steps.push_back(run);
  events_.step_finished(e, end);
}

bool Executor::run_again(const StepEvent& e, StepRun& run) {
  const Step& s = *e.step;
  // Reached only when `done` does not hold: where `done` observes the step's own effect, that
  // says the effect is not there, and the step runs. Otherwise only a step harmless twice may.
  if (!s.rerun_safe.empty()) {
    events_.step_rerun(e, s.rerun_safe);
    return true;
  }
  if (s.done) return true;
  std::string why = fmt::format(
      "`{}` on {} was running when stackdr stopped; its result was not recorded, nothing stackdr reads shows "
      "it, and it is not safe to run twice: check by hand whether it took effect, then end the incident "
      "(`{}`) or run the rest yourself",
      describe_argv(s.argv), s.host, o_.plan.hints.close(outcome_.incident));
  event(EventKind::kStepRefused, e.plan, &s, describe_argv(s.argv), std::nullopt, "", why);
  StepEvent shown = e;
  shown.command = describe_argv(s.argv);
  step_ended(shown, run, ended_as(StepResult::kRefused, why, "interrupted"));
  finish(kNeedsOperator, EventKind::kEscalated, "needs an operator: " + why);
  return false;
}

bool Executor::skip_if_done(const StepEvent& e, StepRun& run, const View& view) {
  const Step& s = *e.step;
  if (auto d = done_before_.find(s.id); d != done_before_.end() && d->second > 0) {
    --d->second;
    event(EventKind::kStepSkipped, e.plan, &s, "", std::nullopt, "", "done before the interruption");
    step_ended(e, run, ended_as(StepResult::kDoneEarlier, "done before the interruption"));
    return true;
  }
  if (s.done && s.done(view).empty() && !s.argv.empty()) {
    event(EventKind::kStepSkipped, e.plan, &s, "", std::nullopt, "", "already holds: " + s.done_when);
    step_ended(e, run, ended_as(StepResult::kSkipped, s.done_when));
    return true;
  }
  return false;
}

bool Executor::run_wait(const StepEvent& e, StepRun& run, View& view) {
  const Step& s = *e.step;
  events_.step_started(e);
  event(EventKind::kStepStarted, e.plan, &s, "", std::nullopt, "", "waiting until " + s.done_when);
  WaitEnd end = wait_for(s, view, s.settle_s, true);
  if (end == WaitEnd::kHolds) {
    event(EventKind::kStepFinished, e.plan, &s, "", 0, "", s.done_when);
    step_ended(e, run, ended_as(StepResult::kWaited, s.done_when));
    return true;
  }
  std::string seen = end == WaitEnd::kGaveUp ? s.gave_up(view) : s.done(view);
  event(EventKind::kStepUnverified, e.plan, &s, "", std::nullopt, "", seen);
  switch (end) {
    case WaitEnd::kStopped:
      step_ended(e, run, ended_as(StepResult::kStopped, seen));
      finish(kStopped, EventKind::kStopped,
             fmt::format("stopped by a signal while waiting until {} ({}); the wait changed nothing: `{}` "
                         "continues",
                         s.done_when, seen, o_.plan.hints.resume()));
      break;
    case WaitEnd::kGaveUp:
      step_ended(e, run, ended_as(StepResult::kGaveUp, seen));
      finish(kNeedsOperator, EventKind::kEscalated, "needs an operator: " + seen);
      break;
    default:
      step_ended(e, run, ended_as(StepResult::kTimedOut, seen));
      finish(kNeedsOperator, EventKind::kEscalated,
             s.settle_s == 0 && !s.predict.empty()
                 ? "needs an operator: " + s.predict
                 : fmt::format("needs an operator: {} did not happen within {} s ({})", s.done_when,
                               s.settle_s, seen));
  }
  return false;
}

bool Executor::refuse(const StepEvent& e, StepRun& run, const std::string& rule, const std::string& msg) {
  event(EventKind::kStepRefused, e.plan, e.step, e.command, std::nullopt, "", msg);
  step_ended(e, run, ended_as(StepResult::kRefused, msg, rule));
  finish(kNeedsOperator, EventKind::kEscalated,
         text::starts_with(msg, "needs an operator") ? msg : "needs an operator: " + msg);
  return false;
}

bool Executor::allowed_to_run(const StepEvent& e, StepRun& run, const Argv& argv, const View& view) {
  const Step& s = *e.step;
  const std::string& cmd = e.command;
  bool costly = s.safety == Safety::kDisruptive || s.safety == Safety::kDestructive;
  // A disruptive or destructive step never runs on a partial view of its host: what could
  // not be read might be exactly what makes the step wrong.
  if (costly) {
    std::vector<std::string> unread;
    for (const auto& src : view.observation.sources)
      if (!src.ok && src.host == s.host && !forecast_only(src.source)) unread.push_back(src.source);
    if (!unread.empty())
      return refuse(
          e, run, "partial-view",
          fmt::format("needs an operator: stackdr could not read {} on {} and will not run a {} step on "
                      "a partial view ({}); restore access and rerun, or run it by hand after checking",
                      text::join(unread, ", "), s.host, safety_name(s.safety), cmd));
  }
  // Policy: what may run without asking. A destructive step without --allow-data-loss is not
  // asked about: the interlock below refuses it.
  bool allowed =
      s.safety == Safety::kDisruptive ? o_.policy.yes : (o_.policy.yes && o_.policy.allow_data_loss);
  if (costly && !allowed && !(s.safety == Safety::kDestructive && !o_.policy.allow_data_loss)) {
    std::string q =
        fmt::format("{} step on {}: {}\n  {}\nRun it?", safety_name(s.safety), s.host, s.title, cmd);
    if (!o_.ask || !o_.ask(q)) {
      event(EventKind::kStepRefused, e.plan, &s, cmd, std::nullopt, "", "declined by the operator");
      step_ended(e, run, ended_as(StepResult::kDeclined, "declined by the operator"));
      finish(kDeclined, EventKind::kStopped,
             fmt::format("declined: {} ({}); `{}` continues, allowing disruptive steps", s.title, cmd,
                         o_.plan.hints.verb("recover --resume --yes")));
      return false;
    }
  }
  bool snap = s.zvol.empty() || snapshots_[s.zvol];
  if (s.safety == Safety::kDestructive && !s.zvol.empty() && o_.policy.allow_data_loss)
    snap = take_snapshot(s, e.plan);
  if (auto refusal = check_interlocks(t_, view, s, argv, o_.policy, snap))
    return refuse(
        e, run, refusal->rule,
        fmt::format("refused by interlock {}: {}. {}", refusal->rule, refusal->why, refusal->what_to_do));
  return true;
}

CommandResult Executor::change(Host* h, const Argv& argv,
                               const std::function<void(const ProcessId&)>& started) {
  if (!o_.leadership) return started ? h->run_tracked(argv, kActTimeout, started) : h->run(argv, kActTimeout);
  // Under coordination: only while this process leads, and with its token, which the machine
  // checks before the command starts (a newer leader's token there refuses it).
  auto fence = o_.leadership();
  if (!fence) return fence_refused(fence.error().message);
  return h->run_fenced(*fence, argv, kActTimeout, started);
}

CommandResult Executor::act(const StepEvent& e, const Argv& argv) {
  const Step& s = *e.step;
  const std::string& cmd = e.command;
  // Not leading any more: the step is not started at all (nothing journaled as begun).
  if (o_.leadership)
    if (auto f = o_.leadership(); !f) return fence_refused(f.error().message);
  event(EventKind::kStepStarted, e.plan, &s, cmd, std::nullopt, "", s.title);
  if (o_.boundary) o_.boundary("started:" + s.id);
  events_.step_started(e);
  Host* h = hosts_(s.host);
  if (o_.running) o_.running(fmt::format("{} on {}", cmd, s.host));
  // The process is journaled as soon as it exists: after a crash, --resume finds it.
  auto journal_process = [&](const ProcessId& p) {
    event(EventKind::kStepProcess, e.plan, &s, cmd, std::nullopt, "", process_detail(s.host, p));
    if (o_.running) o_.running(fmt::format("{} on {} (pid {})", cmd, s.host, p.pid));
  };
  CommandResult r = h ? change(h, argv, journal_process)
                      : CommandResult{false, false, 127, "", "host " + s.host + " is not reachable"};
  if (o_.running) o_.running("");
  // Refused by the machine's fence: nothing ran. The caller journals the refusal, which ends
  // the start (interrupted_steps), and no "finished" makes a resume take it for done.
  if (!r.started && r.exit_code == kFenceRefusedExit) return r;
  // The worst instant to die: the command did its work and the journal does not know.
  if (o_.boundary) o_.boundary("acted:" + s.id);
  event(EventKind::kStepFinished, e.plan, &s, cmd, r.started ? std::optional<int>(r.exit_code) : std::nullopt,
        r.out + r.err, r.timed_out ? "timed out" : "");
  if (o_.after_act) o_.after_act(s);
  return r;
}

bool Executor::verify(const StepEvent& e, StepRun& run, const Argv& argv, const CommandResult& r,
                      View& view) {
  const Step& s = *e.step;
  const std::string& cmd = e.command;
  StepEnd end;
  end.exit_code = r.exit_code;
  end.command_failed = !r.ok();
  if (!r.ok()) {
    end.exit_meaning = exit_meaning(argv, r.exit_code);
    end.error_line = first_line(r.err.empty() ? r.out : r.err);
  }
  view = look();
  if (!r.ok() && s.best_effort) {
    end.result = StepResult::kFailedBestEffort;
    step_ended(e, run, end);
    return true;
  }
  bool verified =
      s.done ? (s.done(view).empty() || wait_for(s, view, s.settle_s) == WaitEnd::kHolds) : r.ok();
  if (verified) {
    event(EventKind::kStepVerified, e.plan, &s, cmd, std::nullopt, "", s.done_when);
    end.result = StepResult::kOk;
    end.detail = s.done_when;
    step_ended(e, run, end);
    return true;
  }
  end.result = r.ok() ? StepResult::kUnverified : StepResult::kFailed;
  end.detail = s.gave_up && !s.gave_up(view).empty() ? s.gave_up(view) : s.done ? s.done(view) : "it failed";
  step_ended(e, run, end);
  if (s.best_effort) {
    event(EventKind::kStepUnverified, e.plan, &s, cmd, std::nullopt, "", end.detail);
    return true;
  }
  std::string why =
      r.ok() ? fmt::format("after `{}` on {}, expected {} but {}", cmd, s.host, s.done_when, end.detail)
             : fmt::format("`{}` on {} failed (exit {}): {}", cmd, s.host, r.exit_code, end.error_line);
  event(EventKind::kStepUnverified, e.plan, &s, cmd, std::nullopt, "", why);
  outcome_.message = why;
  if (!s.gate.empty())
    finish(kNeedsOperator, EventKind::kEscalated, "needs an operator: " + why + ". " + s.gate);
  return false;
}

bool Executor::run_step(const Plan& plan, int plan_no, size_t index, View& view) {
  const Step& s = plan.steps[index];
  ran_.insert(s.id);
  StepEvent e{plan_no, index, plan.steps.size(), &s, ""};
  StepRun run{plan_no, s.id, s.host, safety_name(s.safety), "", StepResult::kOk, "", 0};
  if (skip_if_done(e, run, view)) return true;
  if (interrupted_.erase(s.id) && !s.argv.empty() && !run_again(e, run)) return false;
  if (s.argv.empty()) return run_wait(e, run, view);  // a wait: the operator, a resync, a resilver
  auto argv = resolve(s.argv, view);
  if (!argv) {  // the stack moved since planning (a disk went away): the caller re-observes
    outcome_.message = fmt::format("before {}: {}", s.id, argv.error().message);
    event(EventKind::kStepUnverified, plan_no, &s, "", std::nullopt, "", outcome_.message);
    step_ended(e, run, ended_as(StepResult::kUnresolved, outcome_.message));
    return false;
  }
  e.command = run.argv = describe_argv(*argv);
  if (!allowed_to_run(e, run, *argv, view)) return false;
  CommandResult r = act(e, *argv);
  run.exit_code = r.exit_code;
  if (!r.started && r.exit_code == kFenceRefusedExit) {
    // Not this process's stack to act on any more: nothing ran, and the leader takes it up.
    event(EventKind::kStepRefused, plan_no, &s, e.command, std::nullopt, "", r.err);
    step_ended(e, run, ended_as(StepResult::kRefused, r.err, "fence"));
    finish(kLocked, EventKind::kStopped, "stopped: " + r.err);
    return false;
  }
  return verify(e, run, *argv, r, view);
}

// Ends a run before it starts because another incident is open (exit 4): what it is, and how
// to end it.
RecoverOutcome Executor::held_by(const IncidentRecord& open, const std::string& what) {
  outcome_.exit = kLocked;
  outcome_.incident = open.id;
  outcome_.message =
      fmt::format("incident {} {}, or end it with `{}`", open.id, what, o_.plan.hints.close(open.id));
  return outcome_;
}

// Work (a task of operate/): plan from a fresh view, run what does not hold yet, look again,
// until a fresh plan has nothing left to do. An open incident of a recovery comes first: work
// never runs beside one (it could change what the recovery is about to act on); an open
// incident of this same work (an interrupted run) is continued.
// The work's plan, step by step; false when it stopped (outcome_ says why).
bool Executor::run_work_plan(const Plan& plan, int round, View& view) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (o_.stop_requested && o_.stop_requested()) {
      finish(kStopped, EventKind::kStopped,
             fmt::format("stopped by a signal before `{}`; every step before it finished and is journaled: "
                         "run the same command again to continue",
                         plan.steps[i].title));
      return false;
    }
    if (!run_step(plan, round, i, view)) {
      if (outcome_.exit == kRecovered) finish(kStopped, EventKind::kStopped, "stopped: " + outcome_.message);
      return false;
    }
  }
  return true;
}

RecoverOutcome Executor::run_work() {
  const Work& work = *o_.work;
  View view = look();
  auto open = o_.resumable ? journal_.latest_open() : std::nullopt;
  // The same task is the same kind on the same subject (its summary may name a time: a held
  // zvol's new name).
  if (open && (open->cause != work.kind() || open->root != work.subject() || open->mode != o_.mode ||
               open->fingerprint != o_.fingerprint)) {
    return held_by(
        *open, fmt::format("({}) is open: finish it first (`{}`)", open->summary, o_.plan.hints.resume()));
  }
  if (open) {
    outcome_.incident = open->id;
    event(EventKind::kResumed, 0, nullptr, "", std::nullopt, "", "re-observed; continuing the task");
    events_.incident(open->id, IncidentStart::kContinued, open->summary);
  }
  std::string previous_key;
  for (int round = 1; round <= o_.max_rounds; ++round) {
    outcome_.rounds = round;
    Plan plan = work.plan(view);
    if (plan.summary.empty()) plan.summary = work.summary();
    if (!plan.escalate.empty()) {
      if (outcome_.incident) {
        finish(kNeedsOperator, EventKind::kEscalated, "needs an operator: " + plan.escalate);
      } else {
        outcome_.exit = kNeedsOperator;
        outcome_.message = plan.escalate;
      }
      return outcome_;
    }
    // A once-task's steps are acts (a wait for the scrub it starts holds before the start):
    // each is judged when its turn comes, by run_step.
    std::vector<Step> pending;
    for (const auto& st : plan.steps)
      if (work.once() || !st.done || !st.done(view).empty()) pending.push_back(st);
    if (o_.planned) o_.planned(round, plan, view);
    if (pending.empty()) {
      std::string found = work.result(view);
      if (outcome_.incident)
        finish(kRecovered, EventKind::kResolved,
               "done: " + work.summary() + (found.empty() ? "" : " — " + found));
      else
        outcome_.message = "nothing to do: " + work.summary() + " already holds";
      return outcome_;
    }
    plan.steps = pending;
    std::string key;
    for (const auto& st : plan.steps) key += "#" + st.id;
    if (key == previous_key) {
      finish(
          kNeedsOperator, EventKind::kEscalated,
          fmt::format("needs an operator: the steps of {} ran, but they still do not hold", work.summary()));
      return outcome_;
    }
    previous_key = key;
    if (!outcome_.incident) {
      outcome_.incident =
          journal_.open_incident(clock_.now(), o_.mode, o_.fingerprint, 0, work.kind(), work.subject(),
                                 work.summary(), nlohmann::json::array(), t_.name, t_.site);
      events_.incident(outcome_.incident, IncidentStart::kOpened, work.summary());
    }
    event(EventKind::kPlanned, round, nullptr, "", std::nullopt, json_text(plan_json(plan)), work.kind());
    announce_plan(round, plan, view);
    if (!run_work_plan(plan, round, view)) return outcome_;
    view = look();
    if (work.once()) {
      std::string found = work.result(view);
      finish(kRecovered, EventKind::kResolved,
             "done: " + work.summary() + (found.empty() ? "" : " — " + found));
      return outcome_;
    }
  }
  finish(kNeedsOperator, EventKind::kEscalated,
         fmt::format("needs an operator: {} not done after {} rounds", work.summary(), o_.max_rounds));
  return outcome_;
}

RecoverOutcome Executor::run(const RecoverOptions& options) {
  o_ = options;
  outcome_ = {};
  if (o_.work) return run_work();
  View view = look();
  remember_serials(t_, view, journal_, clock_.now());
  for (const auto& [k, v] : journal_.serials()) o_.plan.known_serials.emplace(k, v);
  Resumed resumed;
  if (auto open = o_.resumable ? journal_.latest_open() : std::nullopt) {
    if (auto ended = take_up(*open, resumed)) return *ended;
  }
  if (view.findings.empty() && view.status != 0) {
    outcome_.exit = kNeedsOperator;
    outcome_.message =
        "needs an operator: no failure whose cause stackdr can name from what it read, but it "
        "could not read " +
        unreadable_summary(view) + " (status " + std::to_string(view.status) + "); restore access and rerun";
    return outcome_;
  }
  if (view.findings.empty()) {
    if (outcome_.incident && !finish_interrupted(view)) return outcome_;
    if (outcome_.incident) finish(kRecovered, EventKind::kResolved, "healthy");
    outcome_.message = "healthy: nothing to do";
    return outcome_;
  }
  open_incident_for(view);
  o_.plan.incident = outcome_.incident;
  return run_rounds(view, resumed);
}

// An open incident of this journal: an interrupted task (not ours to take over), one of another
// mode or topology (refused), or this stack's (continued exactly as --resume does: never a
// second incident for the same failure, never a step beside its previous instance). Returns the
// outcome when the run ends here.
std::optional<RecoverOutcome> Executor::take_up(const IncidentRecord& open, Resumed& resumed) {
  // An interrupted task (lun create, lint --fix, maintain) is not a failure to recover: it is
  // continued by running it again, or closed; recovery does not take it over.
  if (open.scenario == 0 && !cause_from_name(open.cause)) {
    return held_by(open, fmt::format("is an interrupted task ({}): run that command again to continue it",
                                     open.summary));
  }
  if (open.mode != o_.mode || open.fingerprint != o_.fingerprint) {
    outcome_.exit = kRefused;
    outcome_.incident = open.id;
    outcome_.message = fmt::format(
        "incident {} ({}) is still open, but it was opened {}: stackdr will not continue it here. Use the "
        "topology it was opened with, or end it with `{}`",
        open.id, open.summary,
        open.mode != o_.mode
            ? fmt::format("on the {} stack and this run is on the {} one", open.mode, o_.mode)
            : fmt::format("with another topology (fingerprint {}, this one {})",
                          open.fingerprint.empty() ? "none" : open.fingerprint, o_.fingerprint),
        o_.plan.hints.close(open.id));
    return outcome_;
  }
  outcome_.incident = open.id;
  const std::vector<JournalEvent> events = journal_.events(open.id);  // read once
  if (auto still = still_running(open, events)) return *still;
  if (auto lp = journal_.last_plan(open.id)) {
    resumed.plan_no = lp->plan;
    resumed.key = lp->detail;
  }
  for (const auto& e : events)
    if (e.kind == EventKind::kStepFinished && !e.step.empty() && !e.argv.empty()) done_before_[e.step]++;
  interrupted_ = interrupted_steps(events);
  event(EventKind::kResumed, resumed.plan_no, nullptr, "", std::nullopt, "", "re-observed; continuing");
  events_.incident(open.id, IncidentStart::kResumed, open.summary);
  std::string plan_text;
  for (const auto& e : events)
    if (e.kind == EventKind::kPlanned && e.plan == resumed.plan_no) plan_text = e.output;
  unfinished_ = unfinished_unchecked(t_, plan_text, done_before_, interrupted_);
  unfinished_plan_ = resumed.plan_no;
  return std::nullopt;
}

// A step whose process was journaled and never finished is looked for on its host first: the
// run ends (exit 4) while it runs, or while nobody can tell.
std::optional<RecoverOutcome> Executor::still_running(const IncidentRecord& open,
                                                      const std::vector<JournalEvent>& events) {
  for (const auto& p : unfinished_processes(events)) {
    Host* h = hosts_(p.host);
    std::optional<bool> alive = h ? h->running(p.id) : std::nullopt;
    if (alive && !*alive) continue;
    outcome_.exit = kLocked;
    outcome_.message =
        alive ? fmt::format(
                    "`{}` from the interrupted run of incident {} is still running on {} (pid {}): "
                    "wait until it ends, then run `{}` again",
                    p.argv, open.id, p.host, p.id.pid, o_.plan.hints.resume())
              : fmt::format(
                    "`{}` from the interrupted run of incident {} was started on {} as pid {}, and "
                    "stackdr cannot tell whether it still runs: check on that host (ps -p {}), then "
                    "run `{}` again once it has ended",
                    p.argv, open.id, p.host, p.id.pid, p.id.pid, o_.plan.hints.resume());
    return outcome_;
  }
  return std::nullopt;
}

// The incident this failure is recorded in: the one continued, the same failure's that needed
// an operator within the hour (reopened), or a new one.
void Executor::open_incident_for(const View& view) {
  if (outcome_.incident) return;
  const Finding& f = view.findings.front();
  if (o_.resumable)
    if (auto esc = journal_.latest_escalated(o_.mode, o_.fingerprint, cause_name(f.cause), f.root,
                                             clock_.now(), 3600)) {
      journal_.reopen_incident(esc->id);
      outcome_.incident = esc->id;
      event(EventKind::kResumed, 0, nullptr, "", std::nullopt, "",
            "rerun after the escalation: re-observed; continuing the same incident");
      events_.incident(esc->id, IncidentStart::kAfterOperator, esc->summary);
      return;
    }
  outcome_.incident =
      journal_.open_incident(clock_.now(), o_.mode, o_.fingerprint, f.scenario, cause_name(f.cause), f.root,
                             f.summary, findings_json(view.findings), t_.name, t_.site);
  event(EventKind::kDetected, 0, nullptr, "", std::nullopt, "",
        fmt::format("{} finding(s); status {}", view.findings.size(), view.status));
  for (const auto& x : view.findings)
    event(EventKind::kDiagnosed, 0, nullptr, "", std::nullopt, "",
          fmt::format("scenario {} / {}: {}", x.scenario, x.cause, x.summary));
  events_.incident(outcome_.incident, IncidentStart::kOpened, f.summary);
}

// Plans for the lowest finding and runs the plan, then looks again, until nothing is found, a
// plan is refused or stops, or the same plan comes twice for the same finding.
RecoverOutcome Executor::run_rounds(View& view, Resumed& resumed) {
  std::string previous_key;
  for (int round = 1; round <= o_.max_rounds; ++round) {
    outcome_.rounds = round;
    if (view.findings.empty()) {
      if (!finish_interrupted(view)) return outcome_;
      if (view.status != 0) {
        finish(kNeedsOperator, EventKind::kEscalated,
               "needs an operator: the findings are repaired, but stackdr could not read " +
                   unreadable_summary(view) + " (status UNKNOWN)");
        return outcome_;
      }
      finish(kRecovered, EventKind::kResolved, "healthy: every layer OK");
      return outcome_;
    }
    const Finding& f = view.findings.front();
    std::string key = root_key(f.root, f.cause);
    Plan plan = plan_recovery(t_, view, f, o_.plan);
    // The same finding may take two plans (reassemble the array, then re-add the member); the
    // same plan twice for the same finding means it does not work.
    std::string plan_key = key;
    for (const auto& s : plan.steps) plan_key += "#" + s.id;
    if (plan_key == previous_key) {
      finish(kNeedsOperator, EventKind::kEscalated,
             fmt::format("needs an operator: the plan for {} ran but the finding remains ({})", f.root_label,
                         f.summary));
      return outcome_;
    }
    if (o_.planned) o_.planned(round, plan, view);
    if (key != resumed.key) {
      ++resumed.plan_no;
      event(EventKind::kPlanned, resumed.plan_no, nullptr, "", std::nullopt, json_text(plan_json(plan)), key);
    }
    resumed.key.clear();
    announce_plan(round, plan, view);
    if (!plan.escalate.empty()) {
      finish(kNeedsOperator, EventKind::kEscalated, "needs an operator: " + plan.escalate);
      return outcome_;
    }
    switch (run_plan(plan, resumed.plan_no, key, view)) {
      case PlanEnd::kEnded:
        return outcome_;
      case PlanEnd::kReplan:
        previous_key.clear();
        continue;
      case PlanEnd::kLookAgain:
        continue;
      case PlanEnd::kCompleted:
        break;
    }
    previous_key = plan_key;
    view = look();
  }
  finish(kNeedsOperator, EventKind::kEscalated,
         fmt::format("needs an operator: not healthy after {} plans ({})", o_.max_rounds,
                     view.findings.empty() ? "?" : view.findings.front().summary));
  return outcome_;
}

// Runs a plan's steps in order. A step that stops the plan: refused, declined or escalated ends
// the run; otherwise the stack is looked at again — a new failure (another root or cause) is
// planned for, nothing left is fine, and the same failure stops the run with what was seen.
Executor::PlanEnd Executor::run_plan(const Plan& plan, int plan_no, const std::string& key, View& view) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (o_.stop_requested && o_.stop_requested()) {
      finish(kStopped, EventKind::kStopped,
             fmt::format("stopped by a signal before `{}` ({}); every step before it finished and is "
                         "journaled: `{}` continues",
                         plan.steps[i].title, describe_argv(plan.steps[i].argv), o_.plan.hints.resume()));
      return PlanEnd::kEnded;
    }
    if (o_.boundary) o_.boundary("before:" + plan.steps[i].id);
    if (run_step(plan, plan_no, i, view)) {
      if (o_.boundary) o_.boundary("after:" + plan.steps[i].id);
      continue;
    }
    if (outcome_.exit != kRecovered) return PlanEnd::kEnded;  // refused, declined, escalated
    view = look();
    if (view.findings.empty()) return PlanEnd::kLookAgain;
    if (root_key(view.findings.front().root, view.findings.front().cause) == key) {
      finish(kStopped, EventKind::kStopped, "stopped: " + outcome_.message);
      return PlanEnd::kEnded;
    }
    events_.replanning(outcome_.message);
    event(EventKind::kNote, plan_no, nullptr, "", std::nullopt, "", "re-planning: " + outcome_.message);
    return PlanEnd::kReplan;
  }
  return PlanEnd::kCompleted;
}

}  // namespace stackdr
