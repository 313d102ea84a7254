#pragma once
/// `dmesg --raw` (util-linux): the kernel's ring buffer with each record's syslog priority and
/// its time since boot — "<3>[  200.683897] md: super_written gets error=-5". What a machine
/// without a journal still has of the kernel's messages; with /proc/stat's btime the times
/// become wall-clock ones. A continuation line (no "<N>") belongs to the record above it.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct DmesgRecord {
  int priority = 6;       // the level (the priority's low 3 bits); the facility is dropped
  double since_boot = 0;  // seconds
  std::string message;
};

struct DmesgRawFacts {
  std::vector<DmesgRecord> records;
  ParseWarnings warnings;
};

Result<DmesgRawFacts> parse_dmesg_raw(std::string_view text, std::string_view source = "dmesg --raw");
void to_json(nlohmann::json& j, const DmesgRawFacts& f);

/// /proc/stat's "btime N": when the machine booted (epoch seconds); nullopt when absent.
std::optional<double> boot_time(std::string_view proc_stat);

}  // namespace stackdr
