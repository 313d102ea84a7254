#include "store/journal_file.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/text.h"

namespace stackdr {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBackupsKept = 5;

std::string db_path(const std::string& dir) {
  return dir + "/stackdr.db";
}
std::string high_water_path(const std::string& dir) {
  return db_path(dir) + ".incidents";
}

// STATE/stackdr.db.in-use: every stackdr that has the journal open holds a shared lock on it;
// setting the journal aside or restoring a backup takes it exclusively, so neither happens
// under a running daemon or recovery (which would go on writing into the file set aside).
std::string in_use_path(const std::string& dir) {
  return db_path(dir) + ".in-use";
}

// The lock, `how` LOCK_SH or LOCK_EX, never waited for: the descriptor holding it, -1 and
// `held` when another holds it the other way, -1 and !held when the file cannot be made.
int lock_in_use(const std::string& dir, int how, bool& held) {
  held = false;
  int fd = ::open(in_use_path(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  while (::flock(fd, how | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    held = errno == EWOULDBLOCK;
    ::close(fd);
    return -1;
  }
  return fd;
}

// Holds the journal exclusively while it is set aside or replaced; says who may be using it.
class JournalExclusive {
 public:
  static Result<std::unique_ptr<JournalExclusive>> take(const std::string& dir) {
    bool held = false;
    int fd = lock_in_use(dir, LOCK_EX, held);
    if (fd >= 0) return std::unique_ptr<JournalExclusive>(new JournalExclusive(fd));
    if (held)
      return Error{
          fmt::format("{}: the journal is open in a running stackdr (a `stackdr watch` daemon, a "
                      "recovery, a maintenance task): stop it first, then run this again",
                      db_path(dir))};
    return Error{fmt::format("{}: cannot lock the journal: {}", in_use_path(dir), std::strerror(errno))};
  }
  ~JournalExclusive() { ::close(fd_); }
  JournalExclusive(const JournalExclusive&) = delete;
  JournalExclusive& operator=(const JournalExclusive&) = delete;

 private:
  explicit JournalExclusive(int fd) : fd_(fd) {}
  int fd_;
};

std::string utc_stamp() {
  return fmt::format("{:%Y%m%dT%H%M%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

std::vector<fs::path> backups(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir + "/backups", ec))
    if (e.is_regular_file() && text::starts_with(e.path().filename().string(), "stackdr-") &&
        e.path().extension() == ".db")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());  // names carry the UTC time: oldest first
  return out;
}

std::string refusal(const std::string& dir, const std::string& options, const std::string& what) {
  auto b = backups(dir);
  std::string restore =
      b.empty() ? fmt::format("there is no backup in {}/backups to restore", dir)
                : fmt::format(
                      "put the newest backup ({}) in its place with `stackdr journal restore{}` (it is "
                      "checked first; what was recorded after it is not in it)",
                      b.back().filename().string(), options);
  return fmt::format(
      "{}: {}. It is not used as it is, because an incident may be missing from it. Either {}, or start a "
      "new journal with `stackdr journal set-aside{}`; either way the old files are kept beside it, renamed",
      db_path(dir), what, restore, options);
}

}  // namespace

void back_up_journal(Journal& j, const std::string& dir, std::vector<std::string>& notes) {
  if (j.highest_incident() == 0) return;  // nothing to lose yet
  std::error_code ec;
  auto changed = fs::last_write_time(db_path(dir), ec);
  if (auto wal = fs::last_write_time(db_path(dir) + "-wal", ec); !ec) changed = std::max(changed, wal);
  auto b = backups(dir);
  if (!b.empty() && fs::last_write_time(b.back(), ec) >= changed) return;
  fs::create_directories(dir + "/backups", ec);
  std::string to = fmt::format("{}/backups/stackdr-{}.db", dir, utc_stamp());
  if (fs::exists(to)) return;  // one a second is enough
  try {
    j.backup_to(to);
  } catch (const JournalError& e) {
    notes.push_back(fmt::format("could not back up the journal to {}: {}", to, e.what()));
    return;
  }
  b = backups(dir);
  for (size_t i = 0; i + kBackupsKept < b.size(); ++i) fs::remove(b[i], ec);
}

// Several stackdr processes write to one journal (a fleet's daemons, the CLI beside the daemon),
// each after its own commit, so two writes of this file meet, in either order. Under a lock on
// the file beside it, one writer at a time writes the temporary file and renames it (two at once
// renamed each other's half-written file away: "No such file or directory", and a reader saw
// it empty), and what the file claims only moves forward: an older claim written last would
// protect less.
void write_high_water(const std::string& path, int id, const ChainMark& mark) {
  int lock = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0)
    throw JournalError(
        fmt::format("{}.lock: cannot lock the incident count: {}", path, std::strerror(errno)));
  while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing the last descriptor releases the lock
  } unlock{lock};
  ChainMark end = mark;
  if (auto had = read_chain_mark(path); had && had->event > end.event) end = *had;
  id = std::max(id, read_high_water(path).value_or(0));
  std::string tmp = path + ".tmp";
  {
    std::ofstream o(tmp, std::ios::trunc);
    o << id << "\n";
    if (end.event > 0) o << "chain " << end.event << " " << end.seal << "\n";
    if (!o.flush()) throw JournalError(fmt::format("{}: cannot write the incident count", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);  // atomic: a reader sees the old claim or the new one
  if (ec) throw JournalError(fmt::format("{}: cannot write the incident count: {}", path, ec.message()));
}

std::optional<int> read_high_water(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  auto n = text::to_int(text::trim(line));
  if (!n || *n < 0) return 0;  // unreadable: claims nothing
  return static_cast<int>(*n);
}

std::optional<ChainMark> read_chain_mark(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);                            // the incident count
  if (!std::getline(in, line)) return std::nullopt;  // written before seals, or no event yet
  auto f = text::fields(line);
  auto event = f.size() == 3 && f[0] == "chain" ? text::to_int(f[1]) : std::nullopt;
  if (!event || *event <= 0) return std::nullopt;  // unreadable: claims nothing
  return ChainMark{*event, std::string(f[2])};
}

bool journal_recorded(const std::string& dir) {
  return fs::exists(db_path(dir)) || fs::exists(high_water_path(dir));
}

namespace {

// The journal's files renamed to NAME.set-aside-TIME, under the caller's exclusive lock.
Result<std::string> rename_journal_aside(const std::string& dir) {
  std::string suffix = ".set-aside-" + utc_stamp();
  std::error_code ec;
  for (const std::string& f :
       {db_path(dir), db_path(dir) + "-wal", db_path(dir) + "-shm", high_water_path(dir)}) {
    if (!fs::exists(f)) continue;
    fs::rename(f, f + suffix, ec);
    if (ec) return Error{fmt::format("{}: cannot set it aside: {}", f, ec.message())};
  }
  return db_path(dir) + suffix;
}

}  // namespace

Result<std::string> set_journal_aside(const std::string& dir) {
  auto alone = JournalExclusive::take(dir);
  if (!alone) return alone.error();
  return rename_journal_aside(dir);
}

Result<std::unique_ptr<Journal>> open_journal_file(const std::string& dir, const JournalFileOptions& o,
                                                   std::vector<std::string>& notes) {
  const std::string db = db_path(dir);
  const std::optional<int> recorded = read_high_water(high_water_path(dir));
  std::error_code ec;
  bool present = fs::exists(db, ec);
  if (recorded && *recorded > 0) {
    if (!present)
      return Error{refusal(dir, o.hint_options,
                           fmt::format("is missing, but incident #{} was recorded here", *recorded))};
    if (fs::file_size(db, ec) == 0 && !ec)
      return Error{refusal(dir, o.hint_options,
                           fmt::format("is empty (0 bytes), but incident #{} was recorded here", *recorded))};
  }
  if (!o.write && !present) return Error{fmt::format("{}: there is no journal here yet", db)};
  bool held = false;
  int in_use = lock_in_use(dir, LOCK_SH, held);
  if (held)
    return Error{
        fmt::format("{}: the journal is being set aside or restored by another stackdr; run this "
                    "again when it is done",
                    db)};
  // A reader in a folder it cannot write to goes on without the lock: it changes nothing.
  if (in_use < 0 && o.write)
    return Error{fmt::format("{}: cannot lock the journal: {}", in_use_path(dir), std::strerror(errno))};
  auto j = o.write ? Journal::open(db) : Journal::open_readonly(db);
  if (!j) {
    if (in_use >= 0) ::close(in_use);
    return Error{refusal(dir, o.hint_options, j.error().message)};
  }
  if (in_use >= 0) (*j)->hold_in_use_lock(in_use);
  try {
    if (std::string qc = (*j)->quick_check(); qc != "ok")
      return Error{refusal(dir, o.hint_options, "is damaged (SQLite quick_check: " + qc + ")")};
    int held = (*j)->highest_incident();
    if (recorded && held < *recorded)
      return Error{refusal(dir, o.hint_options,
                           fmt::format("holds incidents up to #{}, but #{} was recorded here (truncated, "
                                       "replaced, or its write-ahead log was lost)",
                                       held, *recorded))};
    // After the incident count: a journal that lost incidents is said so in those words.
    JournalCheck check = (*j)->verify(read_chain_mark(high_water_path(dir)));
    if (!check.intact())
      return Error{refusal(dir, o.hint_options,
                           "does not match its seals: " + check.broken + " (`stackdr journal verify" +
                               o.hint_options +
                               "` says the same; the record was changed outside stackdr, or the disk "
                               "rotted)")};
    if (o.write) {
      if (!recorded && held > 0)
        write_high_water(high_water_path(dir), held, check.end);  // a journal from before
      (*j)->set_high_water_file(high_water_path(dir));
      back_up_journal(**j, dir, notes);  // a restore point before this run writes
    }
  } catch (const JournalError& e) {  // a file that is not a database at all
    return Error{refusal(dir, o.hint_options, std::string("is not readable: ") + e.what())};
  }
  return j;
}

Result<JournalCheck> check_journal_file(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(db_path(dir), ec)) return Error{fmt::format("{}: there is no journal here", db_path(dir))};
  auto j = Journal::open_readonly(db_path(dir));
  if (!j) return j.error();
  try {
    if (std::string qc = (*j)->quick_check(); qc != "ok")
      return Error{fmt::format("{}: damaged (SQLite quick_check: {})", db_path(dir), qc)};
    return (*j)->verify(read_chain_mark(high_water_path(dir)));
  } catch (const JournalError& e) {
    return Error{fmt::format("{}: not readable: {}", db_path(dir), e.what())};
  }
}

Result<JournalRestored> restore_journal_backup(const std::string& dir, const std::string& backup) {
  JournalRestored r;
  auto all = backups(dir);
  auto others = [&] {
    std::vector<std::string> names;
    for (const auto& b : all)
      if (b.string() != r.backup) names.push_back(b.filename().string());
    return names.empty() ? std::string("there is no other backup")
                         : fmt::format("the others in {}/backups: {}", dir, text::join(names, ", "));
  };
  if (backup.empty()) {
    if (all.empty())
      return Error{
          fmt::format("{}/backups: there is no backup to restore (stackdr copies the journal there "
                      "each time it opens it to write)",
                      dir)};
    r.backup = all.back().string();
  } else {
    r.backup = backup;
  }
  std::error_code ec;
  if (!fs::is_regular_file(r.backup, ec))
    return Error{fmt::format("{}: no such backup ({})", r.backup, others())};
  ChainMark end;
  {
    auto j = Journal::open_readonly(r.backup);
    if (!j)
      return Error{fmt::format("{}: {}; nothing was changed ({})", r.backup, j.error().message, others())};
    try {
      if (std::string qc = (*j)->quick_check(); qc != "ok")
        return Error{fmt::format("{}: damaged (SQLite quick_check: {}); nothing was changed ({})", r.backup,
                                 qc, others())};
      JournalCheck c = (*j)->verify();
      if (!c.intact())
        return Error{fmt::format("{}: does not match its seals: {}; nothing was changed ({})", r.backup,
                                 c.broken, others())};
      r.incidents = (*j)->highest_incident();
      r.events = c.events;
      end = c.end;
    } catch (const JournalError& e) {
      return Error{
          fmt::format("{}: not readable: {}; nothing was changed ({})", r.backup, e.what(), others())};
    }
  }
  auto alone = JournalExclusive::take(dir);
  if (!alone) return alone.error();
  r.recorded = read_high_water(high_water_path(dir));
  // The backup is copied out of backups/ before the journal is set aside: a failed copy leaves
  // the journal where it was.
  std::string incoming = db_path(dir) + ".restoring";
  fs::copy_file(r.backup, incoming, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error{fmt::format("{}: cannot copy it to {}: {}", r.backup, incoming, ec.message())};
  if (journal_recorded(dir)) {
    auto aside = rename_journal_aside(dir);
    if (!aside) return aside.error();
    r.set_aside = *aside;
  }
  fs::rename(incoming, db_path(dir), ec);
  if (ec) return Error{fmt::format("{}: cannot put it in place: {}", incoming, ec.message())};
  write_high_water(high_water_path(dir), r.incidents, end);
  return r;
}

}  // namespace stackdr
