#pragma once
/// StackWatch: one stack as the daemon (`stackdr watch`, watch/daemon.h) watches it, on a thread
/// of its own: it sweeps the stack when the kernel says something changed (md raises POLLPRI on
/// /proc/mdstat for every array event, as mdadm --monitor uses; a /dev/kmsg record about md,
/// iSCSI or ext4; a device uevent; a far host's follower line: its md, kernel log, ZFS and
/// libvirt events) and every interval as a backstop, keeps one incident per failure in the
/// stack's journal, runs the auto-recovery its policy allows, runs due maintenance, sends alerts
/// on open, change, reminder and resolve, and answers the daemon's HTTP pages for its stack.
/// Under coordination (coord/election.h) it acts only while it leads its stack. Each stack has
/// its own schedule, journal, alert state and election; several run side by side in one daemon.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coord/election.h"
#include "diagnose/finding.h"
#include "host/fence.h"
#include "host/remote_follower.h"
#include "operate/maintain.h"
#include "operate/stack.h"
#include "recover/stack_hints.h"
#include "recover/view.h"
#include "store/journal.h"
#include "util/result.h"
#include "watch/alerts.h"
#include "watch/dashboard.h"
#include "watch/escalation.h"
#include "watch/http_endpoint.h"
#include "watch/loop_clock.h"
#include "watch/metrics_page.h"
#include "watch/recovery_status.h"
#include "watch/session_history.h"
#include "watch/stack_election.h"
#include "watch/uevents.h"
#include "watch/watch_settings.h"

namespace stackdr {

/// One stack the daemon watches: how to open it, where its journal is, how hints name it.
struct WatchedStack {
  std::string name, site;  // the topology's `name:` and `site:` ("" when it has none)
  /// Opens the stack: at start, at SIGHUP, and when a practice stack changed under the daemon.
  std::function<Result<std::shared_ptr<Stack>>()> open_stack;
  std::string state_dir;  // the journal and the locks of a simulated stack's hosts
  StackHints hints;       // the options that select this stack, for every hint a plan prints
};

/// The settings and services the daemon gives every stack it watches.
struct StackWatchShared {
  WatchOverrides overrides;          // the command line's settings (over each topology's `watch:`)
  EtcdOverride etcd;                 // --etcd and its TLS files: over each topology's coordination
  bool name_in_logs = false;         // several stacks: each log line names its stack
  std::function<void()> changed;     // something a page shows changed (the dashboard's clients hear)
  std::function<long()> version;     // the pages' version now (one for the whole daemon)
  std::shared_ptr<LoopClock> clock;  // the loop's time; null: the live one (watch/loop_clock.h)
};

class StackWatch {
 public:
  StackWatch(WatchedStack stack, StackWatchShared shared);
  ~StackWatch();
  StackWatch(const StackWatch&) = delete;
  StackWatch& operator=(const StackWatch&) = delete;

  /// The stack opened, its election started, its alert receivers checked, its journal opened:
  /// what must work before the daemon listens. The error says what to fix.
  Result<bool> prepare();
  /// Its settings (the listen address is the daemon's: the first stack's, see watch/daemon.cc).
  const WatchSettings& settings() const { return o_; }
  const WatchedStack& stack() const { return spec_; }
  /// The simulated stack of this process (not a practice stack): POST /lab/faults injects here.
  bool takes_lab_faults() const;
  /// Where /status is, for alerts' generatorURL (set once the daemon listens).
  /// Where its /status is (alerts' generatorURL) and whether its log lines name it: both change
  /// while it runs, when a SIGHUP makes the daemon's one stack several or several one.
  void set_place(const std::string& status_url, bool name_in_logs);
  /// Starts the thread: the event sources opened, a first sweep, then the loop until stop().
  void start();
  /// True once the first sweep is done (the daemon says READY when every stack's is).
  bool ready() const { return ready_; }
  /// Steady-clock seconds when the loop last came round (the systemd watchdog's evidence).
  double heartbeat() const { return heartbeat_; }
  /// Tells the loop to end (a recovery step in flight finishes and is journaled first).
  void request_stop();
  /// Ends the loop and waits for it (the pages still read what it left).
  void join();
  /// join(), then resigns the election, stops the followers and the alert senders: after the
  /// daemon stopped listening (a scrape reads the senders' counts).
  void stop();
  /// SIGHUP: the topology read again at the loop's next turn.
  void reload();

  // What the daemon's HTTP pages read (each takes its own locks).
  void add_metrics(MetricsPage& page);
  HttpEndpoint::Reply status();
  HttpEndpoint::Reply page(const std::string& part, const std::string& base);
  HttpEndpoint::Reply incident_page(int id, const std::string& what, const std::string& base);
  HttpEndpoint::Reply health();
  HttpEndpoint::Reply lab_fault(const std::string& name);
  StackSummary summary();
  /// The systemd STATUS= text of this stack ("OK: 0 finding(s), …"); "" before the first sweep.
  std::string status_line();

 private:
  // The alert of the failure under way: what opened it (its labels), what shows now.
  struct Active {
    Finding first;            // the labels: scenario, cause, root as first seen
    Finding now;              // the summary and evidence: what is wrong now
    double starts_at = 0;     // wall clock
    double last_sent = 0;     // wall clock
    double absent_since = 0;  // 0: seen in the last sweep
    int incident = 0;
    int status = 0;  // the stack's status in the last sweep that showed it: the alert's severity
  };

  void log_line(const std::string& s) const;
  void wake();
  Result<bool> open_context();
  // The thread's parts, in order: open_event_sources, sweep, watch_practice_tape, loop.
  void run();
  void open_event_sources();
  void watch_practice_tape();
  void loop();
  std::string wait_for_event(int wait_ms);
  void settle();
  bool read_kmsg();
  void drain_mdstat();
  bool practice_changed();
  std::string read_follower(const std::string& host);
  void reopen();
  void sweep();
  void publish(const View& v, double sweep_seconds);
  long recoveries();
  void alerts(const View& v, double now);
  void count_sightings(const View& v);
  /// What a sweep reads (whole arrays' superblocks on a turn: stack_watch.cc says why).
  ObserveOptions sweep_reads() const;
  /// Logs each VM whose state changed since the last sweep that read it (watch/vm_states.h).
  void tell_vm_changes(const View& v);
  void vm_first_look(const std::string& host, std::string_view event);
  void incidents(const View& v);
  void recover(const View& v);
  void maintain(const View& v, bool act);
  /// The settings checked (`stackdr lint`) from the second sweep on and then hourly, for the
  /// dashboard and /metrics: one more look, with the settings' sources.
  void check_settings();
  Alert alert_for(const Active& a, bool firing, double now) const;
  /// Sends an alert, unless this daemon follows (holding_): then it is only kept.
  void send_alert(const Alert& al);
  std::string held_word() const;
  /// The labels every alert of this stack carries: stack and site (when the topology names them).
  void label_alert(Alert& al) const;
  nlohmann::json status_document() const;  // view_mu_ held
  void changed();
  std::string mode() const;
  // Coordination (coord/election.h): with etcd endpoints, only the leader of the stack acts.
  Result<bool> start_election();
  /// Whether this daemon may act on the stack now (always, without coordination). Says when
  /// that changed, and on becoming leader raises its fencing token on every host first.
  bool acting();
  Result<Fence> leadership() const;
  void follow_remote_hosts();
  void count_event(const std::string& source, const std::string& host);
  void md_first(const std::string& host);
  void raise_first(const std::vector<Finding>& findings);
  void watch_local_md();
  void escalate(const View& v);
  Alert escalation_alert(const IncidentRecord& inc, const EscalationDue& due, bool firing, double now) const;
  AlertSender& sender_for(int level);
  void end_escalations(int incident, double now);

  WatchedStack spec_;
  StackWatchShared shared_;
  std::shared_ptr<LoopClock> clock_;  // shared_.clock, or the live one
  std::thread thread_;
  std::atomic<bool> stop_{false}, reload_{false}, ready_{false};
  std::atomic<bool> lab_faults_{false};  // takes_lab_faults(), kept as the stack is (re)opened
  std::atomic<double> heartbeat_{0};
  int wake_[2] = {-1, -1};  // lab faults, stop and reload wake the loop through this pipe
  std::unique_ptr<coord::Election> election_;
  bool was_leading_ = false;
  std::string follow_said_;  // the last "not leading" line logged, said again only when it changes
  WatchSettings o_;
  std::mutex stack_mu_;  // the stack, its context and the journal: one sweep or recovery at a time
  // Shared: a published view points into its context's topology (an array's config), so the
  // context it was taken on lives as long as that view, also after a reload replaced stack_.
  std::shared_ptr<Stack> stack_;
  std::unique_ptr<Journal> journal_;
  std::string dir_;
  std::unique_ptr<AlertSender> sender_;
  // alert_ and the settings alert_for reads: the loop and the md-first thread both raise alerts.
  std::mutex alert_mu_;
  std::optional<Active> alert_;  // the failure under way, if any
  bool holding_ = false;         // following under coordination: alerts are kept, not sent
  // md first on this machine runs on a thread of its own (watch_local_md), so an md event is
  // looked at while a sweep is under way: the topology it reads, and the pipe that stops it.
  std::atomic<int> interval_s_{60};  // o_.interval, for /healthz on an HTTP thread
  mutable std::mutex mode_mu_;
  std::string mode_;  // the stack's journal mode (live, lab, practice); under mode_mu_
  std::mutex topology_mu_;
  std::shared_ptr<const Topology> topology_;
  std::thread md_thread_;
  int md_stop_[2] = {-1, -1};
  std::map<std::string, int> sightings_;          // by finding_key: consecutive sweeps that showed it
  std::map<std::string, std::string> vm_states_;  // by VM: what the last sweep that read it saw
  std::map<std::string, double> attempted_;       // finding_key → when auto-recovery last ran for it
  double healthy_since_ = 0;                      // wall clock; 0: not healthy
  double last_sim_advance_ = 0;
  std::uintmax_t tape_seen_ = 0;  // the practice tape's size when it was last read
  std::uintmax_t tape_size() const;
  // This machine's event sources (-1 / empty: not followed here).
  struct EventSources {
    int mdstat = -1, kmsg = -1, tape_watch = -1;
    std::optional<UeventSocket> uevents;
  } src_;
  bool unconfirmed_ = false;       // a failure seen once: the next sweep comes sooner, to confirm it
  bool read_every_member_ = true;  // the last sweep found something: examine every member (sweep_reads)

  mutable std::mutex view_mu_;  // what the HTTP threads read
  std::shared_ptr<const View> view_;
  std::shared_ptr<Stack> view_stack_;  // the context view_ was taken on
  double last_sweep_at_ = 0, last_sweep_s_ = 0;
  long sweeps_ = 0;
  long sweeps_published_ = 0;  // sweeps_ as of the published view: what /status and the page count
  std::map<std::pair<std::string, std::string>, long> events_;  // by (source, host): mdstat, kmsg, lab …
  std::map<std::string, long> recoveries_;                      // by outcome
  std::string status_line_;                                     // systemd STATUS= of the last publish
  // The auto-recovery running now or last, as the step engine reports it (its own lock).
  RecoveryStatus recovery_;
  // The dashboard: what it shows besides the view (copied at each publish).
  std::vector<IncidentRecord> incidents_seen_;  // the newest 50, newest first
  std::optional<DashboardData::Alert> alert_seen_;
  SessionHistory sessions_seen_;  // iSCSI sessions across sweeps (view_mu_)
  nlohmann::json lint_seen_;      // lint_json of the last settings check (view_mu_); null: none yet
  double lint_at_ = 0;            // wall clock of the last settings check
  // Maintenance (topology `maintenance: daemon: on`): the schedule as of the last sweep, and
  // each task's last skip reason (logged when it changes, not every sweep).
  std::vector<ScheduleRow> schedule_;
  std::map<std::string, std::string> skipped_;
  int incidents_open_ = 0;
  std::string url() const;
  mutable std::mutex url_mu_;
  std::string url_;                        // where /status is, for alerts' generatorURL (url_mu_)
  std::atomic<bool> name_in_logs_{false};  // its log lines say [stack NAME]
  // The kernel events of SSH hosts, by host name (RemoteFollower); a host missing here is
  // followed again at the next interval sweep. What each last failed with, said once.
  std::map<std::string, std::unique_ptr<RemoteFollower>> followers_;
  std::map<std::string, std::string> follow_failed_;
  // Escalation (watch/escalation.h): each level's receivers (none given: the daemon's own),
  // when each open incident last made progress, and the alerts sent, resolved with it.
  std::unique_ptr<AlertSender> team_sender_, vendor_sender_;
  std::map<int, int> finished_seen_;   // incident → steps finished, as last counted
  std::map<int, double> progress_at_;  // incident → wall clock of its last progress
  std::map<int, std::vector<std::pair<int, Alert>>> escalation_alerts_;  // incident → (level, alert)
};

}  // namespace stackdr
