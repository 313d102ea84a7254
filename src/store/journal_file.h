#pragma once
/// The incident journal on disk, opened so that it cannot lose an incident quietly.
///
/// A damaged, emptied, replaced or truncated database used to read as "no incidents" and let
/// `--resume` open a new incident beside the one it lost (a 0-byte file, a deleted WAL after a
/// kill). So: SQLite's quick_check runs on every open; the highest incident number is also kept
/// in a small file beside the database (STATE/stackdr.db.incidents), and a database that holds
/// fewer incidents than that file — or is missing while that file exists — is refused; a
/// journal opened for writing is first copied to STATE/backups/ (the newest five are kept).
/// Every open verifies the records' seals (Journal::verify) against the chain mark the same file
/// keeps: a record changed by a byte is refused, naming it.
/// A refusal says what happened and the two ways on: `stackdr journal restore`, which checks the
/// newest backup and puts it in place, or `stackdr journal set-aside` (`recover --new-journal`),
/// which starts empty; both keep the old files beside it, renamed (never deleted).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/journal.h"
#include "util/result.h"

namespace stackdr {

struct JournalFileOptions {
  bool write = true;  // false: read only, create nothing
  /// The options that select this journal as the operator gives them (" --lab --state-dir D"),
  /// for the commands a refusal offers: pasted, they act on this journal and no other.
  std::string hint_options = {};
};

/// STATE_DIR/stackdr.db, checked as above. `notes` receives what the operator should know but
/// that does not stop anything (a backup that could not be written).
Result<std::unique_ptr<Journal>> open_journal_file(const std::string& state_dir, const JournalFileOptions& o,
                                                   std::vector<std::string>& notes);
/// Copies the journal to STATE_DIR/backups/stackdr-TIME.db unless the newest copy is newer than
/// it; keeps the newest five. A copy that fails is noted, never fatal.
void back_up_journal(Journal& j, const std::string& state_dir, std::vector<std::string>& notes);
/// The journal's seals checked read-only (`stackdr journal verify`): what verify() found, or
/// why it could not be read at all.
Result<JournalCheck> check_journal_file(const std::string& state_dir);
/// True when the state directory has a journal or says it had one.
bool journal_recorded(const std::string& state_dir);
/// Renames the journal's files to NAME.set-aside-TIME and returns the new database name; the
/// next open starts a new journal.
Result<std::string> set_journal_aside(const std::string& state_dir);

/// What restore_journal_backup() did.
struct JournalRestored {
  std::string backup;           // the copy put in place
  std::string set_aside;        // where the journal it replaced went ("" when there was none)
  int incidents = 0;            // the highest incident the restored journal holds
  int events = 0;               // and how many events
  std::optional<int> recorded;  // the highest the replaced one had recorded (its high-water file)
};
/// Puts a backup (`backup`, or "" for the newest in STATE_DIR/backups) in place of the journal,
/// after checking it (quick_check and every seal; a broken backup changes nothing and says
/// which others there are). The journal's files are set aside first, renamed, never deleted;
/// the high-water file starts again from what the backup holds, since whoever restores it
/// knows that the incidents recorded after it are not in it.
Result<JournalRestored> restore_journal_backup(const std::string& state_dir, const std::string& backup);

/// The high-water file: the highest incident number this journal ever held, and where the
/// chain of event seals ended when it was written ("chain EVENT SEAL", absent before any event).
void write_high_water(const std::string& path, int id, const ChainMark& mark);
std::optional<int> read_high_water(const std::string& path);
std::optional<ChainMark> read_chain_mark(const std::string& path);

}  // namespace stackdr
