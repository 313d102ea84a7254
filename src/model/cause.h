#pragma once
/// Cause: why a node is not OK, as one vocabulary for the graph builder (which sets it), the
/// diagnosis (which maps it to the runbook), the planner (which picks a plan by it) and the
/// reports (which print its name). Names are the stable strings of the JSON output.

#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <string_view>

namespace stackdr {

// X(enumerator, name)
#define STACKDR_CAUSES(X)                            \
  X(kNone, "")                                       \
  X(kSourceUnreadable, "source-unreadable")          \
  X(kPoolMissing, "pool-missing")                    \
  X(kPoolDegraded, "pool-degraded")                  \
  X(kPoolFaulted, "pool-faulted")                    \
  X(kVdevFaulted, "vdev-faulted")                    \
  X(kVdevDegraded, "vdev-degraded")                  \
  X(kVdevErrors, "vdev-errors")                      \
  X(kDiskSmartWarning, "disk-smart-warning")         \
  X(kZvolMissing, "zvol-missing")                    \
  X(kZvolRenamed, "zvol-renamed")                    \
  X(kTargetNotListening, "target-not-listening")     \
  X(kBackstoreMissing, "backstore-missing")          \
  X(kBackstoreWrongDevice, "backstore-wrong-device") \
  X(kTargetMissing, "target-missing")                \
  X(kTpgDisabled, "tpg-disabled")                    \
  X(kLunMissing, "lun-missing")                      \
  X(kAclMissing, "acl-missing")                      \
  X(kPortalMissing, "portal-missing")                \
  X(kPortalUnreachable, "portal-unreachable")        \
  X(kSessionDown, "session-down")                    \
  X(kDiskMissing, "disk-missing")                    \
  X(kDiskOffline, "disk-offline")                    \
  X(kMemberMissing, "member-missing")                \
  X(kMemberFaulty, "member-faulty")                  \
  X(kSuperblockInvalid, "superblock-invalid")        \
  X(kSuperblockForeign, "superblock-foreign")        \
  X(kEventsMismatch, "events-mismatch")              \
  X(kRebuilding, "rebuilding")                       \
  X(kWriteErrors, "write-errors")                    \
  X(kBadBlocks, "bad-blocks")                        \
  X(kArrayStopped, "array-stopped")                  \
  X(kArrayInactive, "array-inactive")                \
  X(kArrayBroken, "array-broken")                    \
  X(kArrayFailed, "array-failed")                    \
  X(kArrayDegraded, "array-degraded")                \
  X(kVmDiskDetached, "vm-disk-detached")             \
  X(kVmDiskWrongSource, "vm-disk-wrong-source")      \
  X(kVmMissing, "vm-missing")                        \
  X(kVmNotRunning, "vm-not-running")                 \
  X(kVmFrozen, "vm-frozen")                          \
  X(kVmDiskLost, "vm-disk-lost")                     \
  X(kFsNotMounted, "fs-not-mounted")                 \
  X(kFsReadonly, "fs-readonly")

enum class Cause {
#define STACKDR_CAUSE_ENUM(e, n) e,
  STACKDR_CAUSES(STACKDR_CAUSE_ENUM)
#undef STACKDR_CAUSE_ENUM
};

/// "lun-missing"; "" for kNone.
const char* cause_name(Cause c);
/// Prints the name (test failures, logs).
std::ostream& operator<<(std::ostream& os, Cause c);
/// The cause a name stands for (nullopt for an unknown name).
std::optional<Cause> cause_from_name(std::string_view name);

}  // namespace stackdr

/// Causes print as their names in messages.
template <>
struct fmt::formatter<stackdr::Cause> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(stackdr::Cause c, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(stackdr::cause_name(c), ctx);
  }
};
