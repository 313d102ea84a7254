#pragma once
/// Journal: the incident store, in SQLite (WAL, synchronous=FULL). Every record is written
/// before the action it describes — a step's "started" row is on disk before its argv runs —
/// so after a crash `stackdr recover --resume` knows what was done and what was only begun.
/// It also remembers what stackdr has seen of the healthy stack (each LUN's LIO serial), which
/// is how a deleted backstore is recreated with the same WWN.

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/result.h"

struct sqlite3;  // SQLite stays behind this header: only journal.cc includes sqlite3.h

namespace stackdr {

struct IncidentRecord {
  int id = 0;
  double opened_at = 0;
  std::optional<double> closed_at;
  std::string state;        // open, resolved, escalated, stopped, closed (by the operator)
  std::string mode;         // live, lab
  std::string fingerprint;  // topology_fingerprint() of the topology it was opened with
  std::string stack, site;  // the topology's name and site ("" when it names none)
  int scenario = 0;
  std::string cause, root, summary;
  nlohmann::json findings;  // as `stackdr diagnose --json` prints them
  std::string outcome;      // the closing sentence
};

/// What a journal record says happened; stored as its name. kOther is a name this build does
/// not know (a journal written by a newer stackdr).
#define STACKDR_EVENT_KINDS(X)          \
  X(kDetected, "detected")              \
  X(kDiagnosed, "diagnosed")            \
  X(kPlanned, "planned")                \
  X(kStepSkipped, "step-skipped")       \
  X(kStepRefused, "step-refused")       \
  X(kStepStarted, "step-started")       \
  X(kStepProcess, "step-process")       \
  X(kStepFinished, "step-finished")     \
  X(kStepVerified, "step-verified")     \
  X(kStepUnverified, "step-unverified") \
  X(kSnapshot, "snapshot")              \
  X(kResolved, "resolved")              \
  X(kEscalated, "escalated")            \
  X(kEscalation, "escalation")          \
  X(kStopped, "stopped")                \
  X(kResumed, "resumed")                \
  X(kNote, "note")                      \
  X(kClosed, "closed")                  \
  X(kOther, "other")

enum class EventKind {
#define STACKDR_EVENT_KIND_ENUM(e, n) e,
  STACKDR_EVENT_KINDS(STACKDR_EVENT_KIND_ENUM)
#undef STACKDR_EVENT_KIND_ENUM
};
const char* event_kind_name(EventKind k);
EventKind event_kind_from_name(std::string_view name);  // kOther when unknown

struct JournalEvent {
  int64_t id = 0;
  int incident = 0;
  double at = 0;
  EventKind kind = EventKind::kNote;
  int plan = 0;
  std::string step, host, safety, argv;
  std::optional<int> exit_code;
  std::string output, detail;
};

/// The journal could not be read or written (disk full, locked past the busy timeout, damaged
/// file). Whatever was about to be recorded did not happen: a step whose "started" record
/// fails is not run; one whose "finished" record fails has a result nobody knows, and
/// `recover --resume` re-observes before it plans again. main() turns it into exit 74.
class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where the chain of event seals ended at some moment: the last event's id and its seal (kept
/// in the high-water file, outside the database, so a journal cut short or rewritten before
/// that event shows).
struct ChainMark {
  int64_t event = 0;
  std::string seal;
};

/// What Journal::verify() found. Every record carries a seal: a hash of what the views read of
/// it (each value tagged and length-prefixed); an event's seal also covers the seal of the
/// event before it, so the events form one chain. The hash is 64-bit FNV-1a: it finds rot,
/// a changed byte, a record removed or moved, not a forger who recomputes the seals.
struct JournalCheck {
  bool sealed = true;  // false: a journal from before seals, opened read-only (not checked)
  std::string broken;  // the first record that does not match its seal, and how; "" = intact
  int incidents = 0, events = 0, serials = 0;
  ChainMark end;  // the chain's end as verified
  bool intact() const { return broken.empty(); }
};

class Journal {
 public:
  static Result<std::unique_ptr<Journal>> open(const std::string& path);
  /// Opens an existing journal for reading only: creates nothing, writes nothing.
  static Result<std::unique_ptr<Journal>> open_readonly(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  int open_incident(double at, const std::string& mode, const std::string& fingerprint, int scenario,
                    const std::string& cause, const std::string& root, const std::string& summary,
                    const nlohmann::json& findings, const std::string& stack = "",
                    const std::string& site = "");
  /// The newest incident that is still open (a recovery that crashed or stopped).
  std::optional<IncidentRecord> latest_open();
  /// The newest incident of all, when it escalated on this stack (same mode and topology) and
  /// is this failure (same cause and root) or escalated less than `window_s` before `now` (the
  /// operator did their part — the network back — and the failure now looks different): a rerun
  /// continues it instead of opening a duplicate.
  std::optional<IncidentRecord> latest_escalated(const std::string& mode, const std::string& fingerprint,
                                                 const std::string& cause, const std::string& root,
                                                 double now, double window_s);
  /// An escalated incident open again (a rerun continues it): closed_at cleared, state open.
  void reopen_incident(int id);
  /// How many incidents are open or stopped (one query; the daemon asks every sweep).
  int open_count();
  void close_incident(int id, double at, const std::string& state, const std::string& outcome);
  void add(const JournalEvent& e);
  /// The newest "planned" row of an incident: plan number, and its detail (root|cause).
  std::optional<JournalEvent> last_plan(int incident);

  std::vector<IncidentRecord> incidents();
  /// The newest `limit` incidents, newest first (the daemon's page, every sweep: not the
  /// whole journal).
  std::vector<IncidentRecord> recent_incidents(int limit);
  std::optional<IncidentRecord> incident(int id);
  std::vector<JournalEvent> events(int incident);

  void remember_serial(const std::string& lun, const std::string& serial, double at);
  std::map<std::string, std::string> serials();
  std::string journal_mode();  // "wal"

  /// SQLite's `PRAGMA quick_check`: "ok", or the first problem it found.
  std::string quick_check();
  /// The highest incident number ever stored here (0: none, or no incidents table at all).
  int highest_incident();
  /// A file that keeps the highest incident number outside the database (see journal_file.h);
  /// open_incident() updates it. Empty: none (an in-memory journal).
  void set_high_water_file(std::string path) { high_water_file_ = std::move(path); }
  /// A descriptor whose shared lock says "this journal is open" (journal_file.cc): held, and
  /// closed, with the journal.
  void hold_in_use_lock(int fd) { in_use_fd_ = fd; }
  /// A consistent copy of the whole journal at `path` (VACUUM INTO).
  void backup_to(const std::string& path);
  /// Every record against its seal, the events' chain against the chain row, and (given) the
  /// mark the high-water file kept. Reads the whole journal once.
  JournalCheck verify(const std::optional<ChainMark>& mark = std::nullopt);
  /// The last event and its seal (event 0 and "" while there is none).
  ChainMark chain_end();

 private:
  explicit Journal(sqlite3* db) : db_(db) {}
  /// A journal from before incidents had `stack` and `site` (false when it cannot be told).
  bool lacks_stack_columns();
  void exec(const char* sql);
  void migrate();
  // Seals (journal_seal.cc): each write seals the record it made, in the write's transaction.
  void seal_incident(int id);
  void seal_event(int64_t id);
  void seal_serial(const std::string& lun);
  void seal_all_unsealed();  // a journal from before seals, when it gets them
  sqlite3* db_;
  std::string high_water_file_;
  int in_use_fd_ = -1;
};

}  // namespace stackdr
