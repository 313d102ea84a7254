// The journal's seals: what each record is hashed from, how a write seals the record it made,
// and how verify() walks them. SQLite notices a damaged page (quick_check), not a byte that
// changed inside a record; a seal does.

#include <fmt/format.h>

#include <set>

#include "store/journal.h"
#include "store/sqlite_stmt.h"
#include "util/text.h"

namespace stackdr {

namespace {

// A record's values as the views read them, each tagged and length-prefixed, so no two
// different records give the same bytes.
class Canon {
 public:
  Canon& text(const std::string& s) {
    out_ += fmt::format("t{}:", s.size());
    out_ += s;
    return *this;
  }
  Canon& real(double v) {
    out_ += fmt::format("r{};", v);  // fmt's shortest form reads back as the same double
    return *this;
  }
  Canon& integer(int64_t v) {
    out_ += fmt::format("i{};", v);
    return *this;
  }
  Canon& null() {
    out_ += "n;";
    return *this;
  }
  /// The seal: this content over the seal before it ("" for a record that stands alone).
  std::string seal(const std::string& before = "") const {
    return fmt::format("{:016x}", text::fnv1a(out_, text::fnv1a(before)));
  }

 private:
  std::string out_;
};

// The columns each table is sealed over, in the order the views read them; the seal last.
constexpr const char* kIncidentSealed =
    "SELECT id, opened_at, closed_at, state, mode, scenario, cause, root, summary, findings, outcome, "
    "fingerprint, hash, stack, site FROM incidents";
constexpr const char* kEventSealed =
    "SELECT id, incident, at, kind, plan, step, host, safety, argv, exit_code, output, detail, hash FROM "
    "events";
constexpr const char* kSerialSealed = "SELECT lun, serial, seen_at, hash FROM known_serials";

Canon incident_canon(Stmt& q) {
  Canon c;
  c.integer(q.integer64(0)).real(q.real(1));
  q.null(2) ? c.null() : c.real(q.real(2));
  c.text(q.text(3)).text(q.text(4)).integer(q.integer64(5));
  for (int col = 6; col <= 11; ++col) c.text(q.text(col));
  // The stack and site, when there are: sealed too, and an incident from before they existed
  // (or of an unnamed stack) is sealed as it always was.
  if (!q.text(13).empty() || !q.text(14).empty()) c.text(q.text(13)).text(q.text(14));
  return c;
}

Canon event_canon(Stmt& q) {
  Canon c;
  c.integer(q.integer64(0)).integer(q.integer64(1)).real(q.real(2)).text(q.text(3)).integer(q.integer64(4));
  for (int col = 5; col <= 8; ++col) c.text(q.text(col));
  q.null(9) ? c.null() : c.integer(q.integer64(9));
  c.text(q.text(10)).text(q.text(11));
  return c;
}

Canon serial_canon(Stmt& q) {
  Canon c;
  c.text(q.text(0)).text(q.text(1)).real(q.real(2));
  return c;
}

// The seal of the event before `id` ("" for the first).
std::string seal_before(sqlite3* db, int64_t id) {
  Stmt q(db, "SELECT hash FROM events WHERE id < ? ORDER BY id DESC LIMIT 1");
  q.bind64(1, id);
  return q.step() ? q.text(0) : "";
}

}  // namespace

void Journal::seal_incident(int id) {
  Stmt q(db_, (std::string(kIncidentSealed) + " WHERE id = ?").c_str());
  q.bind(1, id);
  if (!q.step()) return;
  Stmt u(db_, "UPDATE incidents SET hash = ? WHERE id = ?");
  u.bind(1, incident_canon(q).seal()).bind(2, id);
  u.step();
}

void Journal::seal_event(int64_t id) {
  Stmt q(db_, (std::string(kEventSealed) + " WHERE id = ?").c_str());
  q.bind64(1, id);
  if (!q.step()) return;
  std::string seal = event_canon(q).seal(seal_before(db_, id));
  Stmt u(db_, "UPDATE events SET hash = ? WHERE id = ?");
  u.bind(1, seal).bind64(2, id);
  u.step();
  Stmt c(db_,
         "INSERT INTO chain(one, events, head) VALUES(1, 1, ?) "
         "ON CONFLICT(one) DO UPDATE SET events = events + 1, head = excluded.head");
  c.bind(1, seal);
  c.step();
}

void Journal::seal_serial(const std::string& lun) {
  Stmt q(db_, (std::string(kSerialSealed) + " WHERE lun = ?").c_str());
  q.bind(1, lun);
  if (!q.step()) return;
  Stmt u(db_, "UPDATE known_serials SET hash = ? WHERE lun = ?");
  u.bind(1, serial_canon(q).seal()).bind(2, lun);
  u.step();
}

void Journal::seal_all_unsealed() {
  {
    Stmt q(db_, "SELECT id FROM incidents WHERE hash = '' ORDER BY id");
    std::vector<int> ids;
    while (q.step()) ids.push_back(q.integer(0));
    for (int id : ids) seal_incident(id);
  }
  {
    Stmt q(db_, "SELECT lun FROM known_serials WHERE hash = ''");
    std::vector<std::string> luns;
    while (q.step()) luns.push_back(q.text(0));
    for (const auto& l : luns) seal_serial(l);
  }
  // The events in order, each over the one before: the chain row is rebuilt as they go.
  exec("DELETE FROM chain");
  Stmt q(db_, "SELECT id FROM events ORDER BY id");
  std::vector<int64_t> ids;
  while (q.step()) ids.push_back(q.integer64(0));
  for (int64_t id : ids) seal_event(id);
}

ChainMark Journal::chain_end() {
  Stmt q(db_, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1");
  if (!q.step()) return {};
  return {q.integer64(0), q.text(1)};
}

namespace {

// The events in order, each over the one before; each of an incident the journal holds, the one
// the high-water file marked with the seal it recorded. False at the first that breaks (said in
// c.broken); c.events and c.end count what was walked.
bool walk_events(sqlite3* db, const std::set<int64_t>& incident_ids, const std::optional<ChainMark>& mark,
                 JournalCheck& c) {
  Stmt q(db, (std::string(kEventSealed) + " ORDER BY id").c_str());
  std::string before;
  while (q.step()) {
    ++c.events;
    int64_t id = q.integer64(0);
    std::string seal = q.text(12);
    if (event_canon(q).seal(before) != seal) {
      c.broken = fmt::format("event {} (incident #{}, {}): {}", id, q.integer64(1), q.text(3),
                             event_canon(q).seal() == seal || before.empty()
                                 ? "it does not match its seal"
                                 : "it does not follow the event before it (a record before it was "
                                   "removed, moved or changed)");
      return false;
    }
    if (!incident_ids.count(q.integer64(1))) {
      c.broken =
          fmt::format("event {} belongs to incident #{}, which is not in the journal", id, q.integer64(1));
      return false;
    }
    if (mark && mark->event == id && mark->seal != seal) {
      c.broken = fmt::format("event {}: its seal is not the one recorded beside the journal (rewritten)", id);
      return false;
    }
    before = seal;
    c.end = {id, seal};
  }
  if (mark && mark->event > c.end.event) {
    c.broken = fmt::format("the events end at {}, but event {} was recorded beside the journal (cut short)",
                           c.end.event, mark->event);
    return false;
  }
  return true;
}

// The chain row (how many events, the last seal) against the walk.
bool chain_row_matches(sqlite3* db, JournalCheck& c) {
  Stmt q(db, "SELECT events, head FROM chain WHERE one = 1");
  int64_t n = 0;
  std::string head;
  if (q.step()) {
    n = q.integer64(0);
    head = q.text(1);
  }
  if (n == c.events && head == c.end.seal) return true;
  c.broken =
      fmt::format("the chain's end says {} events ending in {}, the events are {} ending in {}", n,
                  head.empty() ? "nothing" : head, c.events, c.end.seal.empty() ? "nothing" : c.end.seal);
  return false;
}

}  // namespace

JournalCheck Journal::verify(const std::optional<ChainMark>& mark) {
  JournalCheck c;
  // One snapshot for every read below: a daemon beside this one appends while the walk goes on,
  // and the walk must not count 374 events and then read a chain end that says 376.
  Transaction snapshot(db_, "BEGIN");
  {
    Stmt q(db_, "SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'hash'");
    if (!q.step() || q.integer(0) == 0) {
      c.sealed = false;
      return c;
    }
  }
  std::set<int64_t> incident_ids;
  {
    Stmt q(db_, (std::string(kIncidentSealed) + " ORDER BY id").c_str());
    while (q.step()) {
      ++c.incidents;
      incident_ids.insert(q.integer64(0));
      if (incident_canon(q).seal() != q.text(12)) {
        c.broken = fmt::format("incident #{}: its record does not match its seal", q.integer64(0));
        return c;
      }
    }
  }
  if (!walk_events(db_, incident_ids, mark, c) || !chain_row_matches(db_, c)) return c;
  Stmt q(db_, (std::string(kSerialSealed) + " ORDER BY lun").c_str());
  while (q.step()) {
    ++c.serials;
    if (serial_canon(q).seal() != q.text(3)) {
      c.broken = fmt::format("the serial kept for LUN {}: its record does not match its seal", q.text(0));
      return c;
    }
  }
  return c;
}

}  // namespace stackdr
