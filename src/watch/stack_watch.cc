#include "watch/stack_watch.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "coord/election.h"
#include "diagnose/diagnoser.h"
#include "diagnose/report_json.h"
#include "host/local_host.h"
#include "host/remote_follower.h"
#include "host/ssh_host.h"
#include "model/cause.h"
#include "operate/lint.h"
#include "operate/maintain.h"
#include "operate/recovery_locks.h"
#include "recover/executor.h"
#include "recover/recover_text.h"
#include "recover/status_json.h"
#include "store/incident_report.h"
#include "store/journal_file.h"
#include "util/json_text.h"
#include "util/text.h"
#include "watch/alerts.h"
#include "watch/daemon_log.h"
#include "watch/dashboard.h"
#include "watch/escalation.h"
#include "watch/first_look.h"
#include "watch/http_endpoint.h"
#include "watch/kernel_events.h"
#include "watch/maintenance_metrics.h"
#include "watch/metrics_page.h"
#include "watch/recovery_status.h"
#include "watch/runbook_link.h"
#include "watch/session_history.h"
#include "watch/stack_election.h"
#include "watch/stack_metrics.h"
#include "watch/uevents.h"
#include "watch/vm_states.h"

namespace stackdr {

namespace {

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string finding_key(const Finding& f) {
  return f.root + "|" + cause_name(f.cause);
}

}  // namespace

// Every alert names its stack and site: Alertmanager routes and groups a fleet's alerts by
// them, and two stacks' failures of the same root name stay two alerts.
void StackWatch::label_alert(Alert& al) const {
  if (!spec_.name.empty()) al.labels["stack"] = spec_.name;
  if (!spec_.site.empty()) al.labels["site"] = spec_.site;
}

void StackWatch::count_event(const std::string& source, const std::string& host) {
  std::lock_guard<std::mutex> l(view_mu_);
  events_[{source, host}]++;
}

// md said something changed on `host`: /proc/mdstat there alone, and an alert at once when it
// already shows an array lost a member (watch/first_look.h). The sweep that follows confirms it
// and updates the same alert; a read that fails proves nothing and raises nothing.
void StackWatch::md_first(const std::string& host) {
  std::lock_guard<std::mutex> stack(stack_mu_);
  Host* h = stack_->hosts()(host);
  auto text = h ? h->read_file("/proc/mdstat") : Result<std::string>(Error{"no such host"});
  if (text) raise_first(md_first_look(stack_->topology(), host, *text));
}

// The first look's alert, unless one is under way (the sweep brings that one up to date). Its
// incident is the sweep's to open and to name.
void StackWatch::raise_first(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  if (election_ && !election_->state().leading) return;  // the leader alerts
  std::lock_guard<std::mutex> l(alert_mu_);
  if (alert_) return;
  const Finding& f = findings.front();
  int status = 1;
  for (const auto& x : findings)
    if (x.health == Health::kFailed) status = 2;
  double now = clock_->wall();
  alert_ = Active{f, f, now, now, 0, 0, status};
  log_line(fmt::format("FIRING scenario {} / {}: {}", f.scenario, cause_name(f.cause), f.summary));
  sender_->send(alert_for(*alert_, true, now));
}

// md first on this machine: its own open /proc/mdstat (each open file keeps its own event
// count), polled on this thread until md_stop_ says stop.
void StackWatch::watch_local_md() {
  int fd = ::open("/proc/mdstat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  auto read_all = [fd] {
    std::string text;
    char buf[4096];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    return text;
  };
  read_all();
  for (;;) {
    pollfd p[2] = {{fd, POLLPRI, 0}, {md_stop_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents) break;
    if (!(p[0].revents & (POLLPRI | POLLERR))) continue;
    std::string text = read_all();
    std::shared_ptr<const Topology> t;
    {
      std::lock_guard<std::mutex> l(topology_mu_);
      t = topology_;
    }
    for (const auto& host : t->hosts)
      if (host.transport == Transport::kLocal) raise_first(md_first_look(*t, host.name, text));
  }
  ::close(fd);
}

AlertSender& StackWatch::sender_for(int level) {
  if (level == 2 && team_sender_) return *team_sender_;
  if (level == 3 && vendor_sender_) return *vendor_sender_;
  return *sender_;
}

Alert StackWatch::escalation_alert(const IncidentRecord& inc, const EscalationDue& due, bool firing,
                                   double now) const {
  Alert al;
  al.firing = firing;
  al.labels = {{"alertname", "StackdrEscalation"},
               {"level", std::to_string(due.level)},
               {"contact", due.contact},
               {"incident", std::to_string(inc.id)},
               {"cause", inc.cause},
               {"root", inc.root},
               {"severity", "critical"},
               {"mode", mode()}};
  al.annotations = {{"summary", due.reason},
                    {"incident_summary", inc.summary},
                    {"runbook", "Emergency Contacts and Escalation"},
                    {"runbook_url", fmt::format("file://{}#{}", kRunbookInstalled,
                                                heading_slug("Emergency Contacts and Escalation"))}};
  al.starts_at = now;
  al.ends_at = firing ? now + o_.remind + 4.0 * o_.interval : now;
  al.generator_url = url();
  label_alert(al);
  return al;
}

// The open incident against the runbook's escalation levels: each reached once, journaled,
// alerted to its level's receivers. Progress is a step finished (or the stack healthy), as this
// daemon counts it on its own clock: the journal's may be a simulated one.
// An incident closed (resolved here, or by a recovery or an operator elsewhere): its
// escalation alerts end with it.
void StackWatch::end_escalations(int incident, double now) {
  for (auto& [level, al] : escalation_alerts_[incident]) {
    al.firing = false;
    al.ends_at = now;
    sender_for(level).send(al);
  }
  escalation_alerts_.erase(incident);
  finished_seen_.erase(incident);
  progress_at_.erase(incident);
}

void StackWatch::escalate(const View& v) {
  auto open = journal_->latest_open();
  if (open && (open->mode != mode() || (open->scenario == 0 && !cause_from_name(open->cause)))) open.reset();
  std::vector<int> ended;
  for (const auto& [id, alerts] : escalation_alerts_)
    if (!open || open->id != id) ended.push_back(id);
  for (int id : ended) end_escalations(id, clock_->wall());
  if (!open) return;
  std::vector<JournalEvent> events = journal_->events(open->id);
  int finished = static_cast<int>(std::count_if(events.begin(), events.end(), [](const JournalEvent& e) {
    return e.kind == EventKind::kStepFinished || e.kind == EventKind::kStepVerified;
  }));
  double wall = clock_->wall();
  auto [seen, fresh] = finished_seen_.try_emplace(open->id, finished);
  if (fresh || seen->second != finished || v.status == 0) {
    seen->second = finished;
    progress_at_[open->id] = wall;
  }
  for (const EscalationDue& due :
       escalations_due(stack_->topology().escalation, events, v, wall - progress_at_[open->id])) {
    JournalEvent e;
    e.incident = open->id;
    e.at = std::max(stack_->clock()->now(), open->opened_at);
    e.kind = EventKind::kEscalation;
    e.detail = escalation_detail(due);
    journal_->add(e);
    log_line(fmt::format("ESCALATED incident {} to {}", open->id, e.detail));
    Alert al = escalation_alert(*open, due, true, wall);
    sender_for(due.level).send(al);
    escalation_alerts_[open->id].emplace_back(due.level, std::move(al));
  }
}

void StackWatch::follow_remote_hosts() {
  if (stack_->simulated()) return;
  // Machines this daemon runs on: their ZFS events (a storage server) and libvirt's (a KVM host
  // with VMs) through the same follower, run here for those alone (md and the kernel log are
  // read by the daemon itself).
  const Topology& t = stack_->topology();
  auto installed = [](const char* tool) {
    for (auto dir : text::split(LocalHost::kDefaultPath, ':'))
      if (::access((std::string(dir) + "/" + tool).c_str(), X_OK) == 0) return true;
    return false;
  };
  for (const auto& h : t.hosts) {
    if (h.transport != Transport::kLocal || followers_.count(h.name)) continue;
    Argv argv = {"perl", "-e", RemoteFollower::script()};
    if (h.name == t.storage.host && !t.storage.pool.empty() && installed("zpool")) argv.push_back("zpool");
    if (t.runs_vms(h.name) && installed("virsh")) argv.push_back("virsh");
    if (argv.size() == 3) continue;
    std::string why;
    if (auto f = RemoteFollower::start(argv, LocalHost::kDefaultPath, {}, std::chrono::seconds(20), why))
      followers_[h.name] = std::move(f);
    if (!why.empty() && follow_failed_[h.name] != why)
      log_line("cannot follow " + text::join(Argv(argv.begin() + 3, argv.end()), " and ") +
               " events here: " + why);
    if (!why.empty()) follow_failed_[h.name] = why;
  }
  for (const auto& h : t.hosts) {
    if (h.transport != Transport::kSsh || followers_.count(h.name)) continue;
    auto* ssh = dynamic_cast<SshHost*>(stack_->hosts()(h.name));
    if (!ssh) continue;
    // What this host has to say: md and the kernel log everywhere, ZFS's events on the storage
    // host, libvirt's where the topology's VMs run (a storage server with virsh installed and
    // no libvirtd would end its `virsh event` at once, and say so in the log every sweep).
    std::vector<std::string> sources = {"md", "kmsg"};
    if (h.name == t.storage.host && !t.storage.pool.empty()) sources.push_back("zpool");
    if (t.runs_vms(h.name)) sources.push_back("virsh");
    std::string why;
    auto f = ssh->follow(why, sources);
    if (!f) {
      if (follow_failed_[h.name] != why) log_line(why + " (its failures are seen at the interval sweeps)");
      follow_failed_[h.name] = why;
      continue;
    }
    log_line("following the kernel events of " + h.name + " over SSH");
    follow_failed_.erase(h.name);
    followers_[h.name] = std::move(f);
  }
}

std::string StackWatch::mode() const {
  // Set with the stack (at start, at SIGHUP, when a practice stack changed), read by the loop,
  // the md-first thread's alerts and the HTTP threads' /status: its own lock, taken last.
  std::lock_guard<std::mutex> l(mode_mu_);
  return mode_;
}

Result<bool> StackWatch::open_context() {
  auto c = spec_.open_stack();
  if (!c) return c.error();
  auto s = resolve_watch_settings(shared_.overrides, (*c)->topology().watch);
  if (!s) return Error{(*c)->topology().source + ": " + s.error().message};
  stack_ = std::move(*c);
  lab_faults_ = stack_->simulated() && stack_->practice_folder().empty();
  if (spec_.name.empty() && !sweeps_) {  // one file: the stack is named as its topology names it
    spec_.name = stack_->topology().name;
    spec_.site = stack_->topology().site;
  }
  {
    std::lock_guard<std::mutex> l(alert_mu_);
    o_ = std::move(*s);
    interval_s_ = o_.interval;
    std::lock_guard<std::mutex> m(mode_mu_);
    mode_ = stack_->journal_mode();
  }
  std::lock_guard<std::mutex> l(topology_mu_);
  topology_ = std::make_shared<const Topology>(stack_->topology());
  return true;
}

Alert StackWatch::alert_for(const Active& a, bool firing, double now) const {
  const Finding& f = a.first;
  Alert al;
  al.firing = firing;
  al.labels = {{"alertname", "StackdrFailure"},
               {"scenario", std::to_string(f.scenario)},
               {"cause", cause_name(f.cause)},
               {"root", f.root},
               {"layer", f.layer},
               {"host", f.host},
               // What stackdr says of the stack (status WARNING: the array runs on one leg),
               // not how bad the root node alone is.
               {"severity", a.status >= 2 ? "critical" : "warning"},
               {"mode", mode()}};
  al.annotations = {{"summary", a.now.summary},
                    {"runbook", a.now.runbook},
                    {"runbook_url", runbook_url(a.now.scenario, a.now.runbook)},
                    {"status", status_word(a.status)},
                    {"node", a.now.root_label}};
  if (finding_key(a.now) != finding_key(f)) al.annotations["first_seen_as"] = f.summary;
  if (a.incident) al.annotations["incident"] = std::to_string(a.incident);
  std::string evidence;
  for (const auto& e : a.now.evidence) evidence += e.host + " " + e.source + ": " + e.text + "\n";
  if (!evidence.empty()) al.annotations["evidence"] = evidence;
  al.starts_at = a.starts_at;
  // Firing: good until the next reminder (and a few sweeps more), as Prometheus sets endsAt,
  // so Alertmanager keeps it while the daemon lives and lets it lapse if the daemon dies.
  al.ends_at = firing ? now + o_.remind + 4.0 * o_.interval : (a.absent_since ? a.absent_since : now);
  al.generator_url = url();
  label_alert(al);
  return al;
}

void StackWatch::alerts(const View& v, double now) {
  std::lock_guard<std::mutex> l(alert_mu_);
  // One alert per failure, from the first sweep that shows it until every layer has been OK
  // for resolve_after. What the stack shows on the way (a session down, then its disk missing,
  // then the member rebuilding while it is repaired) changes that alert — sent again with what
  // is wrong now — and opens no new one.
  if (!v.findings.empty()) {
    const Finding& f = v.findings.front();
    int incident = 0;
    if (auto open = journal_->latest_open(); open && open->mode == mode()) incident = open->id;
    if (!alert_) {
      alert_ = Active{f, f, now, now, 0, incident, v.status};
      log_line(held_word() +
               fmt::format("FIRING scenario {} / {}: {}", f.scenario, cause_name(f.cause), f.summary));
      send_alert(alert_for(*alert_, true, now));
      return;
    }
    Active& a = *alert_;
    bool changed = finding_key(a.now) != finding_key(f) || a.now.summary != f.summary || a.status != v.status;
    if ((a.status >= 2) != (v.status >= 2)) {
      // The severity label is part of the alert's identity: the one sent with the old
      // severity is ended (resolved), so no stale copy lingers, and it goes on under the new.
      a.last_sent = now;
      send_alert(alert_for(a, false, now));
      log_line(held_word() + fmt::format("SEVERITY {} → {}", status_word(a.status), status_word(v.status)));
    }
    a.status = v.status;
    a.absent_since = 0;
    if (!a.incident) a.incident = incident;
    if (changed) {
      a.now = f;
      log_line(held_word() +
               fmt::format("CHANGED scenario {} / {}: {}", f.scenario, cause_name(f.cause), f.summary));
    }
    if (changed || now - a.last_sent >= o_.remind) {
      a.last_sent = now;
      send_alert(alert_for(a, true, now));
    }
    return;
  }
  // Not seen is not gone: while some layer is UNKNOWN the alert stays.
  if (!alert_ || v.status != 0) return;
  Active& a = *alert_;
  if (!a.absent_since) a.absent_since = now;
  // Gone for resolve_after: resolved. Back before that: the same alert goes on (a flapping
  // failure does not open a new one every sweep).
  if (now - a.absent_since < o_.resolve_after) return;
  log_line(held_word() + fmt::format("RESOLVED scenario {} / {}: {}", a.first.scenario,
                                     cause_name(a.first.cause), a.first.root_label));
  send_alert(alert_for(a, false, now));
  alert_.reset();
}

// A follower keeps its alert as the leader would (alert_mu_ held) and sends nothing: should it
// become leader while the failure is still open, it sends that alert then, with the time the
// failure was first seen (Alertmanager merges it with the old leader's: the same labels).
void StackWatch::send_alert(const Alert& al) {
  if (!holding_) sender_->send(al);
}

std::string StackWatch::held_word() const {
  return holding_ ? "held (another daemon leads): " : "";
}

void StackWatch::count_sightings(const View& v) {
  std::map<std::string, int> now;
  for (const auto& f : v.findings) {
    auto it = sightings_.find(finding_key(f));
    now[finding_key(f)] = it == sightings_.end() ? 1 : it->second + 1;
  }
  sightings_ = std::move(now);
}

void StackWatch::recover(const View& v) {
  if (v.findings.empty()) return;
  const Finding& f = v.findings.front();
  const std::string& policy = o_.policy_for(cause_name(f.cause));
  if (policy == "off") return;
  std::string key = finding_key(f);
  // Acted on only when a second sweep still shows it: a blip that is gone a moment later (a
  // session re-logging in by itself, a resync starting) is not repaired over.
  if (auto it = sightings_.find(key); it == sightings_.end() || it->second < 2) return;
  double now = clock_->wall();
  // Once per failure, then again only after ten sweep intervals: a plan that did not work
  // does not run every minute.
  if (auto it = attempted_.find(key); it != attempted_.end() && now - it->second < 10.0 * o_.interval) return;
  bool held = false;
  auto locks = take_recovery_locks(stack_->topology(), stack_->hosts(), stack_->simulated(), dir_, held);
  if (!locks) {
    log_line(held ? "auto-recovery waits: " + locks.error().message
                  : "auto-recovery cannot take its locks: " + locks.error().message);
    return;
  }
  attempted_[key] = now;
  RecoverOptions ro;
  ro.policy.yes = policy == "disruptive";  // safe steps only unless told otherwise
  ro.policy.allow_data_loss = false;       // destructive steps always wait for an operator
  ro.plan.hints = spec_.hints;
  auto open = journal_->latest_open();
  ro.resume = open && open->mode == mode();
  ro.mode = mode();
  ro.resumable = true;
  ro.fingerprint = topology_fingerprint(stack_->topology());
  ro.stop_requested = [this] { return stop_.load(); };
  if (election_) ro.leadership = [this] { return leadership(); };
  std::unique_ptr<Clock> clock = stack_->clock();
  Executor ex(stack_->topology(), stack_->hosts(), *clock, *journal_, recovery_);
  log_line(fmt::format("auto-recovery ({}) of scenario {} / {}", o_.auto_recover, f.scenario,
                       cause_name(f.cause)));
  recovery_.begin(fmt::format("auto-recovery of scenario {} / {}", f.scenario, cause_name(f.cause)));
  RecoverOutcome r = ex.run(ro);
  recovery_.end(r);
  std::string outcome = r.exit == kRecovered ? "recovered"
                        : r.exit == kStopped ? "stopped"
                                             : "needs-operator";
  {
    std::lock_guard<std::mutex> l(view_mu_);
    recoveries_[outcome]++;
  }
  if (alert_ && !alert_->incident) alert_->incident = r.incident;
  log_line(fmt::format("auto-recovery ended (exit {}, incident {}): {}", r.exit, r.incident, r.message));
}

// Due maintenance, started when nothing is wrong and no rule says to skip it: a scrub or check
// is started, not waited for (the daemon goes on watching; later sweeps see it run and end).
void StackWatch::check_settings() {
  constexpr double kEvery = 3600;
  double now = clock_->wall();
  {
    std::lock_guard<std::mutex> l(view_mu_);
    if (sweeps_ < 2 || (lint_at_ > 0 && now - lint_at_ < kEvery)) return;
  }
  ObserveOptions settings;
  settings.settings = true;
  settings.kernel_log = false;
  View v = take_view(stack_->topology(), stack_->hosts(), settings);
  nlohmann::json j = lint_json(lint(stack_->topology(), v));
  {
    std::lock_guard<std::mutex> l(view_mu_);
    lint_seen_ = std::move(j);
    lint_at_ = now;
  }
  changed();
}

void StackWatch::maintain(const View& v, bool act) {
  const Topology& t = stack_->topology();
  double now = stack_->clock()->now();
  std::vector<ScheduleRow> rows = maintenance_schedule(t, journal_->incidents(), now, v);
  for (const auto& r : rows) {
    if (!t.maintenance.daemon || !r.due || !act) continue;
    if (!r.skip.empty()) {
      if (skipped_[r.task] != r.skip)
        log_line(fmt::format("maintenance: {} is due; skipped: {}", r.task, r.skip));
      skipped_[r.task] = r.skip;
      continue;
    }
    skipped_.erase(r.task);
    std::ostringstream out;
    int code = 0;
    if (!maintenance_task_info(r.task)->heavy) {
      code = stack_->run_light_maintenance(*journal_, dir_, r.task, out);
    } else {
      bool held = false;
      auto locks = take_recovery_locks(stack_->topology(), stack_->hosts(), stack_->simulated(), dir_, held);
      if (!locks) {
        log_line("maintenance waits: " + locks.error().message);
        continue;
      }
      RecoverOptions ro;
      ro.mode = mode();
      ro.fingerprint = topology_fingerprint(t);
      ro.plan.hints = spec_.hints;
      ro.observe = maintenance_observe();
      ro.work = as_work(heavy_maintenance_task(t, v, r.task, /*wait=*/false));
      ro.stop_requested = [this] { return stop_.load(); };
      if (election_) ro.leadership = [this] { return leadership(); };
      std::unique_ptr<Clock> clock = stack_->clock();
      RecoverText text(out);
      Executor ex(t, stack_->hosts(), *clock, *journal_, text);
      RecoverOutcome o = ex.run(ro);
      code = o.exit;
      out << o.message << "\n";
    }
    std::string said = out.str();
    if (!said.empty() && said.back() == '\n') said.pop_back();
    log_line(fmt::format("maintenance: {} (exit {}): {}", r.task, code, said.substr(said.rfind('\n') + 1)));
  }
  std::lock_guard<std::mutex> l(view_mu_);
  schedule_ = maintenance_schedule(t, journal_->incidents(), stack_->clock()->now(), v);
}

void StackWatch::incidents(const View& v) {
  auto open = journal_->latest_open();
  // Another mode's incident, or an interrupted task's (scenario 0, not a failure's cause), is not
  // the failure this sweep sees.
  if (open && (open->mode != mode() || (open->scenario == 0 && !cause_from_name(open->cause)))) open.reset();
  double now = stack_->clock()->now();
  if (!v.findings.empty()) {
    healthy_since_ = 0;
    if (open) return;
    // Not recovered here (policy off, or the plan stopped short): the incident is opened all
    // the same, so a hand-run `stackdr recover --resume` continues it and it is written down.
    const Finding& f = v.findings.front();
    int id = journal_->open_incident(now, mode(), topology_fingerprint(stack_->topology()), f.scenario,
                                     cause_name(f.cause), f.root, f.summary, findings_json(v.findings),
                                     stack_->topology().name, stack_->topology().site);
    JournalEvent e;
    e.incident = id;
    e.at = now;
    e.kind = EventKind::kDetected;
    e.detail = fmt::format("{} finding(s); status {} (stackdr watch)", v.findings.size(), v.status);
    journal_->add(e);
    for (const auto& x : v.findings) {
      e.kind = EventKind::kDiagnosed;
      e.detail = fmt::format("scenario {} / {}: {}", x.scenario, cause_name(x.cause), x.summary);
      journal_->add(e);
    }
    log_line(fmt::format("incident {} opened: {}", id, f.summary));
    return;
  }
  if (v.status != 0 || !open) return;
  double wall = clock_->wall();
  if (!healthy_since_) healthy_since_ = wall;
  if (wall - healthy_since_ < o_.resolve_after) return;
  JournalEvent e;
  e.incident = open->id;
  e.at = std::max(now, open->opened_at);
  e.kind = EventKind::kResolved;
  e.detail = "healthy again: every layer OK (seen by stackdr watch)";
  journal_->add(e);
  journal_->close_incident(open->id, e.at, "resolved", e.detail);
  end_escalations(open->id, wall);
  log_line(fmt::format("incident {} resolved: every layer OK", open->id));
}

void StackWatch::sweep() {
  std::lock_guard<std::mutex> stack(stack_mu_);
  double wall = clock_->wall();
  if (stack_->simulated() && stack_->practice_folder().empty() && last_sim_advance_ > 0) {
    // The simulated stack lives in simulated time: the daemon lets as much pass as it waited,
    // so the VM's writes reach md and resyncs progress as they would.
    int64_t s = static_cast<int64_t>(wall - last_sim_advance_);
    if (s > 0) {
      stack_->let_time_pass(s);
      last_sim_advance_ += static_cast<double>(s);
    }
  } else {
    last_sim_advance_ = wall;
  }
  auto t0 = std::chrono::steady_clock::now();
  View v = take_view(stack_->topology(), stack_->hosts(), sweep_reads());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    std::lock_guard<std::mutex> l(view_mu_);
    sweeps_++;
  }
  count_sightings(v);
  tell_vm_changes(v);
  // Under coordination a follower watches, serves its page and metrics, and acts in nothing:
  // the leader keeps the incidents, alerts and recovers. A follower that becomes leader finds
  // a failure still open in its next sweep and alerts then (Alertmanager merges the two).
  bool act = acting();
  if (act) {
    incidents(v);
    alerts(v, clock_->wall());
    escalate(v);
  } else {
    {
      std::lock_guard<std::mutex> l(alert_mu_);
      holding_ = true;  // also when leading but the fencing token is not recorded yet
    }
    alerts(v, clock_->wall());  // held: kept, not sent
  }
  publish(v, secs);  // what it looks like before any repair, for /metrics and /status
  long before = recoveries();
  if (act) recover(v);
  if (recoveries() != before) {
    // What the recovery left: the alerts and the incident follow the stack as it is now.
    v = take_view(stack_->topology(), stack_->hosts());
    tell_vm_changes(v);
    incidents(v);
    alerts(v, clock_->wall());
    publish(v, secs);  // and the page and /status show what it left
  }
  maintain(v, act);
  check_settings();
  // While anything is found, every member is examined every sweep: a finding that rests on a
  // superblock must not come and go with its array's turn (unconfirmed, or resolved, between).
  read_every_member_ = !v.findings.empty();
  unconfirmed_ = false;
  for (const auto& f : v.findings)
    if (auto it = sightings_.find(finding_key(f)); it == sightings_.end() || it->second < 2)
      unconfirmed_ = true;
  publish(v, secs);
}

// What a sweep reads: everything, but the on-disk superblocks of a whole array's members only
// about every five minutes (ObserveOptions::whole_array_examine_every); a recovery's own looks
// and the sweep after it read every one. The first sweep reads every one, and so does every
// sweep after one that found anything.
ObserveOptions StackWatch::sweep_reads() const {
  constexpr int kWholeArrayExamineSeconds = 300;
  ObserveOptions o;
  if (!read_every_member_)
    o.whole_array_examine_every = std::max(1, kWholeArrayExamineSeconds / std::max(1, o_.interval));
  o.sweep = static_cast<uint64_t>(sweeps_);  // written by this thread only
  return o;
}

// A VM paused on an I/O error (libvirt's event woke this sweep), resumed by a recovery, shut
// off: said in the log when a sweep first sees it. The first sweep only learns the states.
void StackWatch::tell_vm_changes(const View& v) {
  const Topology& t = stack_->topology();
  auto now = vm_states(t, v.observation);
  for (const auto& line : vm_state_changes(t, vm_states_, now)) log_line(line);
  for (auto& [name, state] : now) vm_states_[name] = std::move(state);
}

// libvirt's lifecycle event, relayed by the far host's follower: the VM's line at once, in the
// words a sweep uses, so the sweep that follows (it reads `virsh list`) says nothing more when
// it agrees. Before the first sweep has learned the states there is nothing to compare with.
void StackWatch::vm_first_look(const std::string& host, std::string_view event) {
  auto e = vm_event_state(event);
  if (!e) return;
  const Topology& t = stack_->topology();
  bool ours = std::any_of(t.vms.begin(), t.vms.end(),
                          [&](const VmConfig& v) { return v.name == e->domain && v.host == host; });
  auto known = vm_states_.find(e->domain);
  if (!ours || known == vm_states_.end()) return;
  for (const auto& line : vm_state_changes(t, vm_states_, {{e->domain, e->state}}))
    log_line(line + " (libvirt's event)");
  known->second = e->state;
}

long StackWatch::recoveries() {
  std::lock_guard<std::mutex> l(view_mu_);
  long n = 0;
  for (const auto& [outcome, k] : recoveries_) n += k;
  return n;
}

void StackWatch::publish(const View& v, double secs) {
  int open = journal_->open_count();
  std::vector<IncidentRecord> recent = journal_->recent_incidents(50);  // read before taking view_mu_
  std::string word = status_word(v.status);
  size_t findings = v.findings.size();
  {
    std::lock_guard<std::mutex> l(view_mu_);
    view_ = std::make_shared<const View>(v);
    view_stack_ = stack_;
    last_sweep_at_ = clock_->wall();
    last_sweep_s_ = secs;
    sweeps_published_ = sweeps_;  // a /status read mid-sweep counts the sweep its view is of
    incidents_open_ = open;
    sessions_seen_.see(v.observation, last_sweep_at_);
    incidents_seen_ = std::move(recent);
    std::lock_guard<std::mutex> a(alert_mu_);
    if (alert_)
      alert_seen_ =
          DashboardData::Alert{true, alert_->now.summary, alert_->status >= 2 ? "critical" : "warning",
                               alert_->starts_at, alert_->incident};
    else if (alert_seen_)
      alert_seen_->firing = false;
  }
  {
    std::lock_guard<std::mutex> l(view_mu_);
    status_line_ = fmt::format("{}: {} finding(s), {} incident(s) open; last sweep {:.2f} s", word, findings,
                               open, secs);
  }
  changed();
}

std::string StackWatch::status_line() {
  std::lock_guard<std::mutex> l(view_mu_);
  return status_line_;
}

StackSummary StackWatch::summary() {
  StackSummary s;
  s.name = spec_.name;
  s.site = spec_.site;
  if (election_) s.leads = election_->state().leading;
  std::lock_guard<std::mutex> l(view_mu_);
  if (!view_) return s;
  s.status = view_->status;
  s.findings = view_->findings.size();
  if (!view_->findings.empty()) s.first = view_->findings.front().summary;
  s.incidents_open = incidents_open_;
  s.sweep_at = last_sweep_at_;
  return s;
}

// This stack's samples, each labelled with its stack and site (when the topology names them):
// one daemon's page holds every stack it watches.
void StackWatch::add_metrics(MetricsPage& p) {
  MetricsPage::Labels common;
  if (!spec_.name.empty()) common.emplace_back("stack", spec_.name);
  if (!spec_.site.empty()) common.emplace_back("site", spec_.site);
  p.set_common_labels(common);
  std::lock_guard<std::mutex> l(view_mu_);
  if (view_) add_stack_metrics(p, *view_, last_sweep_s_);
  sessions_seen_.add_metrics(p);
  add_maintenance_metrics(p, dir_);
  p.family("stackdr_watch_sweeps_total", "counter", "Sweeps the daemon ran since it started.");
  p.sample("stackdr_watch_sweeps_total", {}, static_cast<double>(sweeps_));
  p.family("stackdr_watch_last_sweep_timestamp_seconds", "gauge", "When the last sweep ended (unix time).");
  p.sample("stackdr_watch_last_sweep_timestamp_seconds", {}, std::floor(last_sweep_at_));
  p.family("stackdr_watch_events_total", "counter",
           "What woke the daemon for a sweep, by source (mdstat, kmsg, interval, lab, practice, reload) and "
           "host.");
  for (const auto& [k, n] : events_)
    p.sample("stackdr_watch_events_total", {{"source", k.first}, {"host", k.second}}, n);
  if (election_) {
    p.family("stackdr_leader", "gauge",
             "1 when this daemon holds the stack's etcd leader key and acts on it; 0 when it only watches.");
    p.sample("stackdr_leader", {{"stack", spec_.name}}, election_->state().leading ? 1 : 0);
  }
  p.family("stackdr_incidents_open", "gauge", "Incidents open or stopped in the journal.");
  p.sample("stackdr_incidents_open", {}, incidents_open_);
  p.family("stackdr_recoveries_total", "counter", "Auto-recoveries the daemon ran, by outcome.");
  for (const auto& [outcome, n] : recoveries_)
    p.sample("stackdr_recoveries_total", {{"outcome", outcome}}, n);
  AlertSender::Counts c = sender_ ? sender_->counts() : AlertSender::Counts{};  // none before prepare()
  p.family("stackdr_alerts_sent_total", "counter", "Alerts delivered, by receiver.");
  for (const auto& [r, n] : c.sent) p.sample("stackdr_alerts_sent_total", {{"receiver", r}}, n);
  p.family("stackdr_alerts_failed_total", "counter",
           "Alert deliveries that failed (each retry counts), by receiver.");
  for (const auto& [r, n] : c.failed) p.sample("stackdr_alerts_failed_total", {{"receiver", r}}, n);
  p.family("stackdr_maintenance_last_run_timestamp_seconds", "gauge",
           "When each maintenance task last ended done (unix time of the journal's clock; absent: never).");
  p.family("stackdr_maintenance_due", "gauge", "1 when a maintenance task is due by its schedule.");
  p.family("stackdr_maintenance_skipped", "gauge",
           "1 when a due task would be skipped now (a skip rule holds).");
  for (const auto& r : schedule_) {
    if (r.last_run)
      p.sample("stackdr_maintenance_last_run_timestamp_seconds", {{"task", r.task}}, *r.last_run);
    p.sample("stackdr_maintenance_due", {{"task", r.task}}, r.due ? 1 : 0);
    p.sample("stackdr_maintenance_skipped", {{"task", r.task}}, r.due && !r.skip.empty() ? 1 : 0);
  }
  p.family("stackdr_recovery_step_duration_seconds", "histogram",
           "How long the steps of the daemon's recoveries took (wall clock), by how they ended.");
  for (const auto& [result, h] : recovery_.step_seconds())
    p.histogram("stackdr_recovery_step_duration_seconds", {{"result", result}}, h);
  p.family(
      "stackdr_alert_deliveries_total", "counter",
      "Alert deliveries by receiver and result: sent, failed (each failed try), superseded (a newer state "
      "of the same alert went instead).");
  for (const auto& [result, by] :
       {std::pair{"sent", &c.sent}, {"failed", &c.failed}, {"superseded", &c.superseded}})
    for (const auto& [r, n] : *by)
      p.sample("stackdr_alert_deliveries_total", {{"receiver", r}, {"result", result}}, n);
  p.family("stackdr_alerts_queued", "gauge", "Alert deliveries waiting (retry backoff or rate limit).");
  p.sample("stackdr_alerts_queued", {}, static_cast<double>(c.queued));
  p.set_common_labels({});
}

Result<bool> StackWatch::start_election() {
  auto e = stack_election(stack_->topology(), shared_.etcd, "watch");
  if (!e) return e.error();
  if (!*e) return true;  // not coordinated: this daemon acts alone
  election_ = std::move(*e);
  election_->start();
  const coord::ElectionSettings& s = election_->settings();
  log_line(
      fmt::format("coordinated through etcd: acting on stack {} only while holding {} (lease {} s, renewed "
                  "every {} s)",
                  stack_->topology().name, s.key, s.ttl_s, s.keepalive_s));
  return true;
}

Result<Fence> StackWatch::leadership() const {
  auto t = election_->may_act();
  if (!t) return t.error();
  return Fence{stack_->topology().name, *t};
}

bool StackWatch::acting() {
  if (!election_) return true;
  coord::Leadership s = election_->state();
  if (s.leading && !was_leading_) {
    // Every host learns the new token before this daemon acts: from now on a former leader's
    // steps are refused there, even one that does not know yet that it lost.
    Fence f{stack_->topology().name, s.token};
    if (auto r = raise_fence_on_hosts(stack_->topology(), stack_->hosts(), f); !r) {
      log_line(fmt::format("leading stack {} (token {}), but {}: not acting until it is recorded", f.stack,
                           f.token, r.error().message));
      return false;
    }
    was_leading_ = true;
    follow_said_.clear();
    log_line(fmt::format("leading stack {} (token {}): this daemon acts on it", f.stack, f.token));
    {
      std::lock_guard<std::mutex> l(alert_mu_);
      holding_ = false;
      if (alert_ && !alert_->absent_since) {
        double now = clock_->wall();
        alert_->last_sent = now;
        log_line(fmt::format("sending the alert held while following: scenario {} / {}: {}",
                             alert_->now.scenario, cause_name(alert_->now.cause), alert_->now.summary));
        sender_->send(alert_for(*alert_, true, now));
      } else if (alert_) {
        alert_.reset();  // gone already: the old leader resolved it, or its endsAt lets it lapse
      }
    }
    changed();  // with no lock of this stack held: the daemon reads every stack's summary
  } else if (!s.leading) {
    std::string said =
        s.holder.empty() ? "nobody leads it yet"
        : s.holder == election_->settings().holder
            ? "its lease ran out here before a renewal came back (this process was paused or cut off "
              "from etcd); asking etcd again"
            : s.holder + " leads it (token " + std::to_string(s.holder_token) + ")";
    if (!s.error.empty()) said += "; etcd: " + s.error;
    {
      std::lock_guard<std::mutex> l(alert_mu_);
      holding_ = true;
    }
    if (was_leading_ || said != follow_said_) {
      log_line(fmt::format("not acting on stack {}: {}", stack_->topology().name, said));
      follow_said_ = said;
      changed();
    }
    was_leading_ = false;
  }
  return s.leading;
}

nlohmann::json StackWatch::status_document() const {
  nlohmann::json j = status_json(*view_, mode());
  if (election_) {
    coord::Leadership s = election_->state();
    j["coordination"] = {{"stack", view_stack_ ? view_stack_->topology().name : ""},
                         {"leader", s.leading},
                         {"holder", s.holder},
                         {"token", s.leading ? s.token : s.holder_token},
                         {"key", election_->settings().key}};
    if (!s.error.empty()) j["coordination"]["error"] = s.error;
  }
  j["sweep"] = {
      {"ms", std::round(last_sweep_s_ * 1000)}, {"at", last_sweep_at_}, {"count", sweeps_published_}};
  // The recovery running now, or the last one, step by step (watch/recovery_status.h).
  if (auto r = recovery_.json(); !r.is_null()) j["recovery"] = std::move(r);
  return j;
}

HttpEndpoint::Reply StackWatch::status() {
  std::lock_guard<std::mutex> l(view_mu_);
  if (!view_) return {503, "no sweep yet\n"};
  return {200, json_text(status_document(), 2) + "\n", "application/json"};
}

void StackWatch::changed() {
  if (shared_.changed) shared_.changed();
}

HttpEndpoint::Reply StackWatch::page(const std::string& part, const std::string& base) {
  DashboardData d;
  d.hints = spec_.hints;
  d.base = base;
  d.now = clock_->wall();
  d.version = shared_.version ? shared_.version() : 0;
  d.stack = spec_.name;
  {
    std::lock_guard<std::mutex> l(view_mu_);
    if (view_) d.status = status_document();
    d.sweep_at = last_sweep_at_;
    d.sweeps = sweeps_published_;
    d.incidents = incidents_seen_;
    d.alert = alert_seen_;
    d.schedule = schedule_;
    d.lint = lint_seen_;
    d.lint_at = lint_at_;
  }
  if (sender_) d.deliveries = sender_->counts();
  const char* html = "text/html; charset=utf-8";
  return {200, part == "main" ? dashboard_main(d) : dashboard_page(d), html};
}

// An incident's page or report, from the journal opened read-only for the request (the loop
// keeps writing to it meanwhile: SQLite's WAL lets a reader see the last commit).
HttpEndpoint::Reply StackWatch::incident_page(int id, const std::string& what, const std::string& base) {
  auto j = Journal::open_readonly(dir_ + "/stackdr.db");
  if (!j) return {503, "the journal could not be read: " + j.error().message + "\n"};
  auto inc = (*j)->incident(id);
  if (!inc) return {404, fmt::format("404: the journal holds no incident {}\n", id)};
  auto events = (*j)->events(id);
  if (what == "md") return {200, incident_report_markdown(*inc, events), "text/markdown; charset=utf-8"};
  if (what == "json")
    return {200, json_text(incident_report_json(*inc, events), 2) + "\n", "application/json"};
  return {200, stackdr::incident_page(*inc, events, spec_.hints, clock_->wall(), base),
          "text/html; charset=utf-8"};
}

HttpEndpoint::Reply StackWatch::health() {
  std::lock_guard<std::mutex> l(view_mu_);
  double age = clock_->wall() - last_sweep_at_;
  if (!view_ || age > 3.0 * interval_s_ + 30)
    return {503, view_ ? fmt::format("no sweep for {:.0f} s\n", age) : std::string("no sweep yet\n")};
  return {200, fmt::format("ok: last sweep {:.0f} s ago, status {}\n", age, status_word(view_->status))};
}

HttpEndpoint::Reply StackWatch::lab_fault(const std::string& name) {
  {
    std::lock_guard<std::mutex> stack(stack_mu_);
    if (auto r = stack_->inject_fault(name); !r) return {400, r.error().message + "\n"};
  }
  count_event("lab", "");
  log_line("lab: injected " + name);
  wake();
  return {202, "injected " + name + "\n"};
}

bool StackWatch::takes_lab_faults() const {
  return lab_faults_;
}

// The journal, the alert senders (the stack's and each escalation level's) and the wake-up
// pipe: what must work before the daemon listens.
Result<bool> StackWatch::prepare() {
  if (auto c = open_context(); !c) return c.error();
  if (auto e = start_election(); !e) return e.error();
  // What alerts and serves is checked now, not when the first alert is due.
  if (auto r = check_receivers(o_); !r) return r.error();
  dir_ = spec_.state_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::vector<std::string> notes;
  auto j = open_journal_file(dir_, {.write = true, .hint_options = spec_.hints.journal_options()}, notes);
  for (const auto& n : notes) log_line(n);
  if (!j) return j.error();
  journal_ = std::move(*j);
  if (takes_lab_faults())
    log_line(spec_.name.empty() || !name_in_logs_
                 ? "on the simulated stack: POST /lab/faults?name=FAULT injects a fault"
                 : "on the simulated stack: POST /lab/faults?stack=" + spec_.name +
                       "&name=FAULT injects a fault");
  auto say = [this](const std::string& line) { log_line(line); };
  sender_ = std::make_unique<AlertSender>(Receivers{o_.webhook, o_.mail_to, o_.exec}, say);
  for (auto [level, into] : {std::pair{&stack_->topology().escalation.team, &team_sender_},
                             std::pair{&stack_->topology().escalation.vendor, &vendor_sender_}}) {
    if (level->webhook.empty() && level->mail.empty() && level->exec.empty()) continue;
    WatchSettings r;
    r.mail_to = level->mail;
    r.exec = level->exec;
    if (auto ok = check_receivers(r); !ok) return Error{"escalation: " + ok.error().message};
    *into = std::make_unique<AlertSender>(Receivers{level->webhook, level->mail, level->exec}, say);
  }
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    return Error{std::string("pipe: cannot make the wake-up pipe: ") + std::strerror(errno)};
  return true;
}

// What wakes the daemon on this machine: md's POLLPRI, the kernel log, device events, the
// practice stack's tape.
void StackWatch::open_event_sources() {
  const Topology& t = stack_->topology();
  if (!stack_->simulated()) {
    // md raises POLLPRI on /proc/mdstat at every array event (what mdadm --monitor waits on).
    bool local_md = false;
    for (const auto& a : t.arrays)
      for (const auto& host : t.hosts)
        if (host.name == a.host && host.transport == Transport::kLocal) local_md = true;
    if (local_md) src_.mdstat = ::open("/proc/mdstat", O_RDONLY | O_CLOEXEC);
    if (local_md && ::pipe2(md_stop_, O_CLOEXEC) == 0) md_thread_ = std::thread([this] { watch_local_md(); });
    // The kernel log, followed from its end: I/O errors, iSCSI connection errors, md and ext4
    // messages arrive here before (or without) any md event — a filesystem gone read-only, a
    // session in recovery.
    if (std::any_of(t.hosts.begin(), t.hosts.end(),
                    [](const HostConfig& h) { return h.transport == Transport::kLocal; }))
      src_.kmsg = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
  if (src_.kmsg >= 0) ::lseek(src_.kmsg, 0, SEEK_END);
  // Device events (a disk or session going away or coming back), on a machine stackdr runs on.
  if (src_.kmsg >= 0) {
    if (auto u = UeventSocket::open())
      src_.uevents.emplace(std::move(*u));
    else
      log_line(u.error().message + ": device events are not followed here");
  }
  if (src_.mdstat >= 0) drain_mdstat();
}

// Watched before READY: a change made right after the daemon says it is ready is not missed.
void StackWatch::watch_practice_tape() {
  if (!stack_->practice_folder().empty()) {
    src_.tape_watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (src_.tape_watch >= 0 && ::inotify_add_watch(src_.tape_watch, stack_->practice_folder().c_str(),
                                                    IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
      ::close(src_.tape_watch);
      src_.tape_watch = -1;
    }
    if (src_.tape_watch < 0)
      log_line("cannot watch the practice stack's tape: its changes are seen at SIGHUP");
  }
  tape_seen_ = tape_size();
}

// True when a kernel record that arrived says something about the stack (what it says is read
// by the sweep, from dmesg, like every other fact).
bool StackWatch::read_kmsg() {
  bool relevant = false;
  char rec[8192];
  for (;;) {
    ssize_t n = ::read(src_.kmsg, rec, sizeof rec - 1);
    if (n < 0 && errno == EPIPE) continue;  // overwritten before it was read: go on with the next
    if (n <= 0) break;
    int level = 7;
    std::string_view msg;
    if (parse_kmsg_record(std::string_view(rec, static_cast<size_t>(n)), level, msg) &&
        kernel_record_matters(level, msg))
      relevant = true;
  }
  return relevant;
}

void StackWatch::drain_mdstat() {
  char buf[4096];
  ::lseek(src_.mdstat, 0, SEEK_SET);
  while (::read(src_.mdstat, buf, sizeof buf) > 0) {
  }
}

// The practice stack changed under the daemon (`lab inject`, `lab repair`, `lab reset` from
// another process): replayed now, so the daemon sees what the operator did, not a stale copy (a
// fault repaired meanwhile would otherwise open a second incident). True when it changed.
bool StackWatch::practice_changed() {
  char buf[4096];
  while (::read(src_.tape_watch, buf, sizeof buf) > 0) {
  }
  // Another process's write ends with its close (the daemon keeps its own tape open, so its
  // steps' lines raise nothing); the daemon's own close, when it reads the stack again, leaves
  // the size as it was read.
  if (tape_size() == tape_seen_) return false;
  std::lock_guard<std::mutex> stack(stack_mu_);
  tape_seen_ = tape_size();
  if (auto c = open_context(); !c)
    log_line("the practice stack changed and could not be read again: " + c.error().message);
  else
    log_line("the practice stack changed (lab inject, repair or reset): read again");
  count_event("practice", "local");
  return true;
}

// The lines a far host's follower sent: what wakes a sweep, md events looked at first. Returns
// why a sweep is due ("" when nothing).
std::string StackWatch::read_follower(const std::string& host) {
  std::string why;
  bool ended = false;
  std::string lost;
  for (const auto& line : followers_[host]->read_lines(ended, lost)) {
    FollowerLine fl = parse_follower_line(line);
    if (!fl.wakes.empty()) {
      count_event(fl.wakes, host);
      why = fl.wakes;
    }
    if (fl.wakes == "mdstat" && !fl.mdstat.empty())
      raise_first(md_first_look(stack_->topology(), host, fl.mdstat));  // no second read
    else if (fl.wakes == "mdstat")
      md_first(host);
    if (fl.wakes == "virsh") vm_first_look(host, fl.virsh);
    if (fl.ended == "virsh")
      log_line("virsh event ended on " + host + " (VM events are seen at the interval sweeps)");
    if (fl.ended == "zpool")
      log_line("zpool events -f ended on " + host + " (ZFS events are seen at the interval sweeps)");
  }
  if (ended) {
    log_line("stopped following " + host + ": " + lost + " (again at the next interval sweep)");
    followers_.erase(host);
  }
  return why;
}

// SIGHUP: the topology read again; the listen address and the receivers stay until a restart.
void StackWatch::reopen() {
  std::lock_guard<std::mutex> stack(stack_mu_);
  WatchSettings before = o_;
  if (auto c = open_context(); !c) {
    log_line("SIGHUP: the topology was not reloaded, the old one stays: " + c.error().message);
    return;
  }
  log_line("SIGHUP: topology reloaded from " + stack_->topology().source);
  followers_.clear();  // they ran on the old hosts' connections
  follow_failed_.clear();
  follow_remote_hosts();
  if (o_.listen != before.listen || o_.webhook != before.webhook || o_.mail_to != before.mail_to ||
      o_.exec != before.exec) {
    log_line("SIGHUP: the listen address and the alert receivers change at the next start; these stay");
    o_.listen = before.listen;
    o_.webhook = before.webhook;
    o_.mail_to = before.mail_to;
    o_.exec = before.exec;
  }
}

// Waits until something wakes the daemon or `wait_ms` passes; returns why a sweep is due now
// ("" when only the time passed, or nothing that matters arrived).
std::string StackWatch::wait_for_event(int wait_ms) {
  std::vector<pollfd> fds = {{wake_[0], POLLIN, 0},
                             {src_.mdstat, POLLPRI, 0},
                             {src_.kmsg, POLLIN, 0},
                             {src_.uevents ? src_.uevents->fd() : -1, POLLIN, 0},
                             {src_.tape_watch, POLLIN, 0}};
  std::vector<std::string> followed;  // host of fds[5 + i]
  for (const auto& [host, f] : followers_) {
    fds.push_back({f->fd(), POLLIN, 0});
    followed.push_back(host);
  }
  int n = clock_->poll(fds.data(), fds.size(), wait_ms);  // a negative fd is not polled
  if (n <= 0 || stop_) return "";
  std::string why;
  if (fds[0].revents & POLLIN) {
    char buf[64];
    while (::read(wake_[0], buf, sizeof buf) > 0) {
    }
    why = "lab";
  }
  if (src_.mdstat >= 0 && (fds[1].revents & (POLLPRI | POLLERR))) {
    drain_mdstat();
    count_event("mdstat", "local");
    why = "mdstat";  // the md-first thread has looked already
  }
  if (src_.kmsg >= 0 && (fds[2].revents & POLLIN) && read_kmsg()) {
    count_event("kmsg", "local");
    why = "kmsg";
  }
  if (src_.uevents && (fds[3].revents & POLLIN) && src_.uevents->read_relevant()) {
    count_event("uevent", "local");
    why = "uevent";
  }
  if (src_.tape_watch >= 0 && (fds[4].revents & POLLIN) && practice_changed()) why = "practice";
  for (size_t i = 0; i < followed.size(); ++i)
    if (fds[5 + i].revents & (POLLIN | POLLHUP | POLLERR))
      if (std::string w = read_follower(followed[i]); !w.empty()) why = w;
  return why;
}

// A burst of events is one sweep: let it settle for a moment, and take what came meanwhile.
void StackWatch::settle() {
  clock_->sleep(200);
  char buf[64];
  while (::read(wake_[0], buf, sizeof buf) > 0) {
  }
  if (src_.mdstat >= 0) drain_mdstat();
  if (src_.kmsg >= 0) read_kmsg();
  if (src_.uevents) src_.uevents->read_relevant();
}

// The loop: a sweep when something wakes the daemon or the interval has passed (sooner while a
// failure seen once waits to be confirmed); the heartbeat says it came round.
void StackWatch::loop() {
  double next = clock_->steady() + o_.interval;
  while (!stop_) {
    heartbeat_ = steady_now();  // real time, whatever the loop's clock: the watchdog's evidence
    // At least once a second round the loop: the heartbeat keeps the systemd watchdog fed.
    int wait_ms = static_cast<int>(std::clamp<double>(std::ceil((next - clock_->steady()) * 1000), 0, 1000));
    std::string why = wait_for_event(wait_ms);
    if (stop_) break;
    if (reload_.exchange(false)) {
      reopen();
      why = "reload";
    }
    if (why.empty() && clock_->steady() < next) continue;
    if (why.empty()) {
      count_event("interval", "");
      std::lock_guard<std::mutex> stack(stack_mu_);
      follow_remote_hosts();
    } else {
      settle();
    }
    sweep();
    next = clock_->steady() + (unconfirmed_ ? std::min(o_.interval, 5) : o_.interval);
  }
}

StackWatch::StackWatch(WatchedStack stack, StackWatchShared shared)
    : spec_(std::move(stack)),
      shared_(std::move(shared)),
      clock_(shared_.clock ? shared_.clock : live_loop_clock()),
      recovery_{[this](const std::string& line) {
                  log_line(line);
                  changed();
                },
                [this] { return clock_->wall(); }} {
  name_in_logs_ = shared_.name_in_logs;
}

void StackWatch::set_place(const std::string& status_url, bool name_in_logs) {
  {
    std::lock_guard lock(url_mu_);
    url_ = status_url;
  }
  name_in_logs_ = name_in_logs;
}

std::string StackWatch::url() const {
  std::lock_guard lock(url_mu_);
  return url_;
}

void StackWatch::log_line(const std::string& s) const {
  daemon_log(s, name_in_logs_ || daemon_json() ? spec_.name : "");
}

void StackWatch::wake() {
  char c = 'w';
  [[maybe_unused]] ssize_t n = ::write(wake_[1], &c, 1);
}

std::uintmax_t StackWatch::tape_size() const {
  std::error_code ec;
  if (!stack_ || stack_->practice_folder().empty()) return 0;
  auto n = std::filesystem::file_size(std::filesystem::path(stack_->practice_folder()) / "tape.jsonl", ec);
  return ec ? 0 : n;
}

void StackWatch::start() {
  heartbeat_ = steady_now();
  thread_ = std::thread([this] { run(); });
}

void StackWatch::run() {
  open_event_sources();
  sweep();
  {
    std::lock_guard<std::mutex> stack(stack_mu_);
    follow_remote_hosts();
  }
  watch_practice_tape();
  ready_ = true;
  changed();
  loop();
}

void StackWatch::reload() {
  reload_ = true;
  wake();
}

void StackWatch::request_stop() {
  stop_ = true;
  if (wake_[1] >= 0) wake();
}

void StackWatch::join() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void StackWatch::stop() {
  join();
  // The leadership is given up at once (a standby need not wait out the lease). The election
  // and the alert senders live as long as this object: a page served on another thread may
  // still read them (the daemon drops a stack removed at SIGHUP while requests are in flight,
  // and at shutdown stops every stack before its listener).
  if (election_) election_->resign();
  followers_.clear();
  if (md_thread_.joinable()) {
    char c = 's';
    [[maybe_unused]] ssize_t w = ::write(md_stop_[1], &c, 1);
    md_thread_.join();
  }
  for (int* fd :
       {&md_stop_[0], &md_stop_[1], &wake_[0], &wake_[1], &src_.mdstat, &src_.kmsg, &src_.tape_watch})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
}

StackWatch::~StackWatch() {
  stop();
}

}  // namespace stackdr
