#pragma once
/// Kernel log lines (`dmesg`, `dmesg -T`, or /dev/kmsg records) → classified events: md member
/// failures and recoveries, iSCSI connection errors and recovery timeouts, SCSI/block I/O errors,
/// filesystem aborts and read-only remounts. Lines of no known kind are kept as "other".

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct KernelEvent {
  int line = 0;
  std::string time;     // as printed: "73.715597" or "Wed Nov 25 06:54:56 2026"
  std::string kind;     // md-disk-failure, md-recovery-start, md-recovery-done, md-super-write-error,
                        // md-kick-non-fresh, iscsi-conn-error, iscsi-ping-timeout,
                        // iscsi-recovery-timeout, io-error, scsi-offline, fs-journal-abort,
                        // fs-remount-ro, fs-error, other
  std::string device;   // sdb, md1, ...
  std::string array;    // md1 for md events
  std::string session;  // session1 / connection1:0 for iSCSI events
  std::string text;     // the message without its timestamp
};

struct KernelLogFacts {
  std::vector<KernelEvent> events;
  ParseWarnings warnings;
};

Result<KernelLogFacts> parse_kernel_log(std::string_view text, std::string_view source = "dmesg");
void to_json(nlohmann::json& j, const KernelLogFacts& f);

}  // namespace stackdr
