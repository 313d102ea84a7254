#pragma once
/// Fencing tokens: the last guard against a recoverer that no longer leads. Under coordination
/// (coord/election.h) each leadership of a stack has a token that only grows. Every machine
/// keeps, per stack, the highest token it has seen (DIR/fence.STACK, DIR being
/// /run/lock/stackdr beside the recovery lock, or a practice stack's folder); a leader raises
/// it on each machine before acting there, and each command that changes a machine carries
/// the token and is refused by that machine, before it runs, when the machine has seen a
/// higher one. A daemon that was paused past its lease and does not know yet that another
/// leads therefore cannot act where the new leader has been. (A lease alone cannot give this:
/// the pause can fall between the check and the act.)

#include <cstdint>
#include <string>

#include "util/result.h"

namespace stackdr {

struct Fence {
  std::string stack;  // the stack's name: letters, digits, '.', '_', '-'
  int64_t token = 0;
};

/// The exit status and the first word of the message with which a machine refuses a fenced
/// command (SSH: the far side's shell prints it before the command would start).
inline constexpr int kFenceRefusedExit = 77;
inline constexpr const char* kFenceRefusedMarker = "stackdr-fence:";

/// Whether a stack's name can be a file name's part and a shell word as it is.
bool fence_stack_name_ok(const std::string& stack);
/// DIR/fence.STACK
std::string fence_file(const std::string& dir, const std::string& stack);

/// On this machine (or a practice stack's folder): records `f.token` for `f.stack` unless a
/// higher one is recorded; returns the token recorded before (0: none). Under flock, so two
/// leaders raising at once end with the higher.
Result<int64_t> raise_fence_file(const std::string& dir, const Fence& f);
/// "" when a command under `f` may run; else why not (a higher token is recorded, or the file
/// cannot be read: not seen is not allowed).
std::string check_fence_file(const std::string& dir, const Fence& f);

/// The far side's part over SSH: shell text that exits kFenceRefusedExit with the marker on
/// stderr when DIR/fence.STACK holds a higher token than `f`'s (put before the command's `exec`).
std::string fence_check_shell(const std::string& dir, const Fence& f);
/// A shell script that raises the file (run as `sh -c SCRIPT`, through sudo when the host says
/// so): prints "raised PREVIOUS", or "higher SEEN" and exits kFenceRefusedExit.
std::string fence_raise_shell(const std::string& dir, const Fence& f);

/// The message for a refusal: which machine, the stack, the token seen and the one carried.
std::string fence_refusal(const std::string& host, const Fence& f, const std::string& seen);

}  // namespace stackdr
