#pragma once
/// `stackdr journal verify`: every record of the incident journal against its seal (see
/// store/journal.h), read-only; says which record broke. `journal restore` and `journal
/// set-aside`: the two ways on from a journal stackdr refused (store/journal_file.h).

#include "cli/recover_cmd.h"

namespace stackdr {

/// 0 intact; 65 a record does not match its seal (named); 64 no journal / not readable.
int cmd_journal_verify(const IncidentCliOptions& o);
/// 0 restored; 65 the backup is broken (nothing changed); 64 no backup, or the journal in use.
int cmd_journal_restore(const IncidentCliOptions& o);
/// 0 set aside (or nothing to set aside); 64 the journal in use or not renamed.
int cmd_journal_set_aside(const IncidentCliOptions& o);

}  // namespace stackdr
