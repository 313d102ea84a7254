#pragma once
/// `smartctl -j -a /dev/X` → a disk's health verdict and the counters that predict failure
/// (reallocated / pending sectors, NVMe critical warning and wear), plus smartctl's exit-status
/// bits, which carry their own meaning (8: disk failing, 64: errors in the device log).

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct SmartctlFacts {
  std::string device, protocol, model, serial;
  std::optional<bool> passed;
  int exit_status = 0;
  std::optional<int64_t> temperature_c;
  std::optional<int64_t> reallocated_sectors, pending_sectors, offline_uncorrectable;
  std::optional<int64_t> nvme_critical_warning, nvme_percentage_used;
  std::vector<std::string> messages;  // smartctl's own messages (errors first)
  std::vector<std::string> concerns;  // why it is not healthy, in words
  ParseWarnings warnings;
};

Result<SmartctlFacts> parse_smartctl_json(std::string_view text, std::string_view source = "smartctl -j");
void to_json(nlohmann::json& j, const SmartctlFacts& f);

}  // namespace stackdr
