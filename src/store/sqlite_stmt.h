#pragma once
/// Stmt: a prepared SQLite statement that finalizes itself; Transaction: BEGIN … COMMIT that
/// rolls back unless committed. For store/'s own files only:
/// SQLite stays behind store/ (journal.h declares `struct sqlite3` and nothing more).

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "store/journal.h"

namespace stackdr {

// A prepared statement that finalizes itself; errors here are bugs or a broken disk, so they throw.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw JournalError(fmt::format("journal: {}: {}", sql, sqlite3_errmsg(db)));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, int v) {
    sqlite3_bind_int(s_, i, v);
    return *this;
  }
  Stmt& bind64(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw JournalError(fmt::format("journal: {}", sqlite3_errmsg(db_)));
  }
  std::string text(int c) {
    auto p = sqlite3_column_text(s_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  double real(int c) { return sqlite3_column_double(s_, c); }
  int integer(int c) { return sqlite3_column_int(s_, c); }
  int64_t integer64(int c) { return sqlite3_column_int64(s_, c); }
  bool null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN … COMMIT, rolled back unless commit() is called. Several stackdr processes share one
// journal (the CLI beside the daemon, three daemons of a fleet), so what is read in several
// statements is read in one transaction: "BEGIN IMMEDIATE" for a write (the seal of the event
// before is read under the same write lock), "BEGIN" for a read (in WAL mode, one snapshot from
// the first SELECT on, whatever the others commit meanwhile).
class Transaction {
 public:
  Transaction(sqlite3* db, const char* begin) : db_(db) { run(begin); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    run("COMMIT");
    done_ = true;
  }

 private:
  void run(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      throw JournalError(fmt::format("journal: {}: {}", sql, sqlite3_errmsg(db_)));
  }
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace stackdr
