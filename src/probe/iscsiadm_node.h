#pragma once
/// `iscsiadm -m node -o show` → open-iscsi's node records: one per target and portal, each the
/// settings the next login of that session will use (its startup mode, replacement timeout,
/// NOP-Out timers). A running session keeps the values it logged in with; these are what a
/// reboot or re-login gets.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct IscsiNodeRecord {
  std::string target;                         // node.name
  std::string portal;                         // node.conn[0].address:node.conn[0].port
  std::string version;                        // from "# BEGIN RECORD 2.1.8"
  int first_line = 0;                         // where the record starts in the output
  std::map<std::string, std::string> values;  // every "key = value" line as printed
  /// A value as printed ("<empty>" is empty), nullopt when the record has no such key.
  std::optional<std::string> get(const std::string& key) const;
  std::optional<int64_t> number(const std::string& key) const;
};

struct IscsiNodeFacts {
  std::vector<IscsiNodeRecord> records;
  ParseWarnings warnings;
  /// The record for a target on a portal ("IP:PORT"), or for the target alone when `portal` is
  /// empty; nullptr when there is none.
  const IscsiNodeRecord* find(std::string_view target, std::string_view portal = {}) const;
};

/// Parses one or many records. "iscsiadm: No records found" (exit 21) is an empty list.
Result<IscsiNodeFacts> parse_iscsiadm_node(std::string_view text,
                                           std::string_view source = "iscsiadm -m node -o show");
void to_json(nlohmann::json& j, const IscsiNodeFacts& f);

}  // namespace stackdr
