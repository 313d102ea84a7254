#include "store/journal.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <stdexcept>

#include "store/journal_file.h"
#include "store/sqlite_stmt.h"
#include "util/enum_names.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY,
  opened_at REAL NOT NULL,
  closed_at REAL,
  state TEXT NOT NULL,
  mode TEXT NOT NULL,
  scenario INTEGER NOT NULL,
  cause TEXT NOT NULL,
  root TEXT NOT NULL,
  summary TEXT NOT NULL,
  findings TEXT NOT NULL,
  outcome TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL DEFAULT '',
  stack TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  incident INTEGER NOT NULL REFERENCES incidents(id),
  at REAL NOT NULL,
  kind TEXT NOT NULL,
  plan INTEGER NOT NULL DEFAULT 0,
  step TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  safety TEXT NOT NULL DEFAULT '',
  argv TEXT NOT NULL DEFAULT '',
  exit_code INTEGER,
  output TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_by_incident ON events(incident, id);
CREATE TABLE IF NOT EXISTS known_serials (
  lun TEXT PRIMARY KEY,
  serial TEXT NOT NULL,
  seen_at REAL NOT NULL,
  hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chain (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  events INTEGER NOT NULL,
  head TEXT NOT NULL
);
)sql";

// A record and its seal are written together, under the write lock (another stackdr may append
// meanwhile).
class WriteTx : public Transaction {
 public:
  explicit WriteTx(sqlite3* db) : Transaction(db, "BEGIN IMMEDIATE") {}
};

IncidentRecord incident_row(Stmt& q) {
  IncidentRecord r;
  r.id = q.integer(0);
  r.opened_at = q.real(1);
  if (!q.null(2)) r.closed_at = q.real(2);
  r.state = q.text(3);
  r.mode = q.text(4);
  r.scenario = q.integer(5);
  r.cause = q.text(6);
  r.root = q.text(7);
  r.summary = q.text(8);
  r.findings = nlohmann::json::parse(q.text(9), nullptr, false);
  r.outcome = q.text(10);
  r.fingerprint = q.text(11);
  r.stack = q.text(12);
  r.site = q.text(13);
  return r;
}

const char* kIncidentColumns =
    "SELECT id, opened_at, closed_at, state, mode, scenario, cause, root, summary, findings, outcome, "
    "fingerprint, stack, site FROM incidents";

constexpr const char* kKindNames[] = {
#define STACKDR_EVENT_KIND_NAME(e, n) n,
    STACKDR_EVENT_KINDS(STACKDR_EVENT_KIND_NAME)
#undef STACKDR_EVENT_KIND_NAME
};

}  // namespace

const char* event_kind_name(EventKind k) {
  return enum_name(kKindNames, k, "other");
}

EventKind event_kind_from_name(std::string_view name) {
  return enum_from_name<EventKind>(kKindNames, name).value_or(EventKind::kOther);
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{fmt::format(
        "{}: cannot open the incident journal: {} (check --state-dir and its permissions)", path, why)};
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Journal> j(new Journal(db));
  try {
    j->exec("PRAGMA journal_mode=WAL");
    j->exec("PRAGMA synchronous=FULL");
    j->exec("PRAGMA foreign_keys=ON");
    j->exec(kSchema);
    j->migrate();
  } catch (const std::exception& e) {
    return Error{fmt::format("{}: not a usable incident journal: {}", path, e.what())};
  }
  return j;
}

Result<std::unique_ptr<Journal>> Journal::open_readonly(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{fmt::format("{}: cannot read the incident journal: {}", path, why)};
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Journal> j(new Journal(db));
  // A journal from before incidents named their stack is read as it is (a reader migrates
  // nothing): a temporary view of the same name, which SQLite finds before the table, adds the
  // two columns empty, as the migration would. A journal too damaged to say is left as it is:
  // its first read says what is wrong, as before.
  if (j->lacks_stack_columns())
    sqlite3_exec(db, "CREATE TEMP VIEW incidents AS SELECT *, '' AS stack, '' AS site FROM main.incidents",
                 nullptr, nullptr, nullptr);
  return j;
}

bool Journal::lacks_stack_columns() {
  sqlite3_stmt* q = nullptr;
  const char* sql =
      "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'incidents'), "
      "(SELECT COUNT(*) FROM pragma_table_info('incidents') WHERE name = 'stack')";
  if (sqlite3_prepare_v2(db_, sql, -1, &q, nullptr) != SQLITE_OK) {
    sqlite3_finalize(q);
    return false;
  }
  bool lacks = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0 && sqlite3_column_int(q, 1) == 0;
  sqlite3_finalize(q);
  return lacks;
}

// Journals written before a column existed get it, with its default; a journal from before
// seals is sealed as it is (once: a seal found empty later is a break, not a gap to fill).
void Journal::migrate() {
  auto has = [&](const char* table, const char* column) {
    Stmt q(
        db_,
        fmt::format("SELECT COUNT(*) FROM pragma_table_info('{}') WHERE name = '{}'", table, column).c_str());
    return q.step() && q.integer(0) > 0;
  };
  if (!has("incidents", "fingerprint"))
    exec("ALTER TABLE incidents ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''");
  // A stack of a folder names itself in each incident; older rows keep '' (and their seals hold:
  // an empty stack and site are not part of what is sealed).
  for (const char* column : {"stack", "site"})
    if (!has("incidents", column))
      exec(fmt::format("ALTER TABLE incidents ADD COLUMN {} TEXT NOT NULL DEFAULT ''", column).c_str());
  std::vector<const char*> unsealed;
  for (const char* table : {"incidents", "events", "known_serials"})
    if (!has(table, "hash")) unsealed.push_back(table);
  if (unsealed.empty()) return;
  WriteTx tx(db_);
  for (const char* table : unsealed)
    exec(fmt::format("ALTER TABLE {} ADD COLUMN hash TEXT NOT NULL DEFAULT ''", table).c_str());
  seal_all_unsealed();
  tx.commit();
}

Journal::~Journal() {
  sqlite3_close(db_);
  if (in_use_fd_ >= 0) ::close(in_use_fd_);
}

void Journal::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    throw JournalError(m);
  }
}

std::string Journal::quick_check() {
  Stmt q(db_, "PRAGMA quick_check");
  std::string first = q.step() ? q.text(0) : "no answer";
  return first;
}

int Journal::highest_incident() {
  Stmt t(db_, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'incidents'");
  if (!t.step() || t.integer(0) == 0) return 0;
  Stmt q(db_, "SELECT COALESCE(MAX(id), 0) FROM incidents");
  return q.step() ? static_cast<int>(q.integer(0)) : 0;
}

void Journal::backup_to(const std::string& path) {
  Stmt q(db_, "VACUUM INTO ?");
  q.bind(1, path);
  q.step();
}

std::string Journal::journal_mode() {
  Stmt q(db_, "PRAGMA journal_mode");
  return q.step() ? q.text(0) : "";
}

int Journal::open_incident(double at, const std::string& mode, const std::string& fingerprint, int scenario,
                           const std::string& cause, const std::string& root, const std::string& summary,
                           const nlohmann::json& findings, const std::string& stack,
                           const std::string& site) {
  WriteTx tx(db_);
  Stmt q(
      db_,
      "INSERT INTO incidents(opened_at, state, mode, fingerprint, scenario, cause, root, summary, findings, "
      "stack, site) VALUES(?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, at)
      .bind(2, mode)
      .bind(3, fingerprint)
      .bind(4, scenario)
      .bind(5, cause)
      .bind(6, root)
      .bind(7, summary)
      .bind(8, json_text(findings))
      .bind(9, stack)
      .bind(10, site);
  q.step();
  int id = static_cast<int>(sqlite3_last_insert_rowid(db_));
  seal_incident(id);
  tx.commit();
  if (!high_water_file_.empty()) write_high_water(high_water_file_, id, chain_end());
  return id;
}

std::optional<IncidentRecord> Journal::latest_open() {
  Stmt q(db_, (std::string(kIncidentColumns) + " WHERE state IN ('open','stopped') ORDER BY id DESC LIMIT 1")
                  .c_str());
  if (!q.step()) return std::nullopt;
  return incident_row(q);
}

std::optional<IncidentRecord> Journal::latest_escalated(const std::string& mode,
                                                        const std::string& fingerprint,
                                                        const std::string& cause, const std::string& root,
                                                        double now, double window_s) {
  Stmt q(db_, (std::string(kIncidentColumns) + " ORDER BY id DESC LIMIT 1").c_str());
  if (!q.step()) return std::nullopt;
  IncidentRecord r = incident_row(q);
  if (r.state != "escalated" || r.mode != mode || r.fingerprint != fingerprint) return std::nullopt;
  bool same = r.cause == cause && r.root == root;
  bool recent = r.closed_at && now - *r.closed_at <= window_s;
  if (!same && !recent) return std::nullopt;
  return r;
}

void Journal::reopen_incident(int id) {
  WriteTx tx(db_);
  Stmt q(db_, "UPDATE incidents SET closed_at = NULL, state = 'open', outcome = '' WHERE id = ?");
  q.bind(1, id);
  q.step();
  seal_incident(id);
  tx.commit();
}

int Journal::open_count() {
  Stmt q(db_, "SELECT COUNT(*) FROM incidents WHERE state IN ('open','stopped')");
  return q.step() ? static_cast<int>(q.integer(0)) : 0;
}

void Journal::close_incident(int id, double at, const std::string& state, const std::string& outcome) {
  // Never before it opened: a report's times read forwards whatever clock wrote them.
  WriteTx tx(db_);
  Stmt q(db_, "UPDATE incidents SET closed_at = MAX(?, opened_at), state = ?, outcome = ? WHERE id = ?");
  q.bind(1, at).bind(2, state).bind(3, outcome).bind(4, id);
  q.step();
  seal_incident(id);
  tx.commit();
  if (!high_water_file_.empty()) write_high_water(high_water_file_, highest_incident(), chain_end());
}

void Journal::add(const JournalEvent& e) {
  WriteTx tx(db_);
  Stmt q(db_,
         "INSERT INTO events(incident, at, kind, plan, step, host, safety, argv, exit_code, output, detail) "
         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, e.incident)
      .bind(2, e.at)
      .bind(3, std::string(event_kind_name(e.kind)))
      .bind(4, e.plan)
      .bind(5, e.step)
      .bind(6, e.host);
  q.bind(7, e.safety).bind(8, e.argv);
  if (e.exit_code)
    q.bind(9, *e.exit_code);
  else
    q.bind_null(9);
  q.bind(10, e.output).bind(11, e.detail);
  q.step();
  seal_event(sqlite3_last_insert_rowid(db_));
  tx.commit();
}

std::optional<JournalEvent> Journal::last_plan(int incident) {
  Stmt q(db_,
         "SELECT plan, detail FROM events WHERE incident = ? AND kind = 'planned' ORDER BY id DESC LIMIT 1");
  q.bind(1, incident);
  if (!q.step()) return std::nullopt;
  JournalEvent e;
  e.incident = incident;
  e.plan = q.integer(0);
  e.detail = q.text(1);
  return e;
}

std::vector<IncidentRecord> Journal::recent_incidents(int limit) {
  Stmt q(db_, (std::string(kIncidentColumns) + " ORDER BY id DESC LIMIT ?").c_str());
  q.bind(1, limit);
  std::vector<IncidentRecord> out;
  while (q.step()) out.push_back(incident_row(q));
  return out;
}

std::vector<IncidentRecord> Journal::incidents() {
  Stmt q(db_, (std::string(kIncidentColumns) + " ORDER BY id").c_str());
  std::vector<IncidentRecord> out;
  while (q.step()) out.push_back(incident_row(q));
  return out;
}

std::optional<IncidentRecord> Journal::incident(int id) {
  Stmt q(db_, (std::string(kIncidentColumns) + " WHERE id = ?").c_str());
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return incident_row(q);
}

std::vector<JournalEvent> Journal::events(int incident) {
  Stmt q(
      db_,
      "SELECT id, incident, at, kind, plan, step, host, safety, argv, exit_code, output, detail FROM events "
      "WHERE incident = ? ORDER BY id");
  q.bind(1, incident);
  std::vector<JournalEvent> out;
  while (q.step()) {
    JournalEvent e;
    e.id = q.integer(0);
    e.incident = q.integer(1);
    e.at = q.real(2);
    e.kind = event_kind_from_name(q.text(3));
    e.plan = q.integer(4);
    e.step = q.text(5);
    e.host = q.text(6);
    e.safety = q.text(7);
    e.argv = q.text(8);
    if (!q.null(9)) e.exit_code = q.integer(9);
    e.output = q.text(10);
    e.detail = q.text(11);
    out.push_back(std::move(e));
  }
  return out;
}

void Journal::remember_serial(const std::string& lun, const std::string& serial, double at) {
  Stmt q(db_,
         "INSERT INTO known_serials(lun, serial, seen_at) VALUES(?, ?, ?) "
         "ON CONFLICT(lun) DO UPDATE SET serial = excluded.serial, seen_at = excluded.seen_at");
  WriteTx tx(db_);
  q.bind(1, lun).bind(2, serial).bind(3, at);
  q.step();
  seal_serial(lun);
  tx.commit();
}

std::map<std::string, std::string> Journal::serials() {
  Stmt q(db_, "SELECT lun, serial FROM known_serials");
  std::map<std::string, std::string> out;
  while (q.step()) out[q.text(0)] = q.text(1);
  return out;
}

}  // namespace stackdr
