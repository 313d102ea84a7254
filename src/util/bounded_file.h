#pragma once
/// read_bounded_file: the one way stackdr reads a file it did not write itself (a topology, a
/// bundle's captured output, a host's /proc or /sys file). A FIFO, a device, a socket or a
/// folder is refused by name instead of read (a FIFO would block for good, /dev/zero would
/// grow the process without end), and a file over `max_bytes` is refused, not read in part.

#include <cstddef>
#include <string>

#include "util/result.h"

namespace stackdr {

/// What is at `path`, if it is a regular file (a link to one is followed) of at most
/// `max_bytes`. The error names the path, what it is instead, and the limit.
Result<std::string> read_bounded_file(const std::string& path, size_t max_bytes);

/// A file at most this size is read as a topology (the example is 4 KiB; one of 20,000 LUNs
/// is about 3 MiB).
inline constexpr size_t kTopologyMaxBytes = 16u << 20;

}  // namespace stackdr
