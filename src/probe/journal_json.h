#pragma once
/// `journalctl -o json` (systemd's journal export as one JSON object per line) → entries: when,
/// how severe (syslog PRIORITY 0 emerg … 7 debug), from which unit or identifier, and the
/// message. journalctl writes a message that is not UTF-8 as an array of byte values and one
/// over its size limit as null; both are kept as what they are, never dropped.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct JournalEntry {
  double at = 0;           // __REALTIME_TIMESTAMP, seconds since the epoch
  int priority = 6;        // PRIORITY; 6 (info) when the entry has none
  std::string unit;        // _SYSTEMD_UNIT ("iscsid.service"); "" for the kernel's messages
  std::string identifier;  // SYSLOG_IDENTIFIER ("iscsid", "kernel")
  std::string message;
};

struct JournalFacts {
  std::vector<JournalEntry> entries;
  ParseWarnings warnings;
};

Result<JournalFacts> parse_journal_json(std::string_view text,
                                        std::string_view source = "journalctl -o json");
void to_json(nlohmann::json& j, const JournalFacts& f);

/// "err", "warning" …: syslog's name of a priority.
const char* priority_name(int priority);

}  // namespace stackdr
