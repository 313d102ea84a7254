#pragma once
/// /proc/mdstat → the kernel's view of every md array: state, level, members with their role
/// and flags, the [n/m] [UU_] health summary and any resync/recovery/check in progress.
/// Read from procfs (never blocks, unlike mdadm --detail during iSCSI session recovery).

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct MdstatMember {
  std::string device;         // as printed: sdb, sda1, nvme0n1p2
  int role = -1;              // the number in brackets (descriptor slot)
  bool faulty = false;        // (F)
  bool spare = false;         // (S)
  bool write_mostly = false;  // (W)
  bool replacement = false;   // (R)
  bool journal = false;       // (J): a write journal device, not a data member
};

struct MdstatSync {
  std::string action;  // resync, recovery, check, repair, reshape; or "resync" with state below
  std::optional<double> percent;
  int64_t done_blocks = 0;
  int64_t total_blocks = 0;
  std::optional<double> finish_minutes;
  std::optional<int64_t> speed_kib;  // K/sec
  std::string state;                 // DELAYED / PENDING when not running
};

struct MdstatArray {
  std::string name;             // md1
  std::string state;            // active, inactive
  bool read_only = false;       // (read-only)
  bool auto_read_only = false;  // (auto-read-only)
  std::string level;            // raid1 ... ("" for an inactive array that shows none)
  std::vector<MdstatMember> members;
  int64_t blocks = 0;
  std::string super;     // metadata: 1.2, external:imsm ... ("" = 0.90 default)
  int raid_disks = 0;    // n of [n/m]
  int active_disks = 0;  // m of [n/m]
  std::string health;    // UU_ as printed
  std::optional<MdstatSync> sync;
  std::optional<std::string> bitmap;  // the bitmap line after "bitmap: "
  int line = 0;
};

struct MdstatFacts {
  std::vector<std::string> personalities;
  std::vector<MdstatArray> arrays;
  ParseWarnings warnings;
};

Result<MdstatFacts> parse_mdstat(std::string_view text, std::string_view source = "/proc/mdstat");
void to_json(nlohmann::json& j, const MdstatFacts& f);

}  // namespace stackdr
