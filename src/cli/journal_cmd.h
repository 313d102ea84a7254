#pragma once
/// `stackdr journal verify`: every record of the incident journal against its seal (see
/// store/journal.h), read-only; says which record broke.

#include "cli/recover_cmd.h"

namespace stackdr {

/// 0 intact; 65 a record does not match its seal (named); 64 no journal / not readable.
int cmd_journal_verify(const IncidentCliOptions& o);

}  // namespace stackdr
