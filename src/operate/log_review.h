#pragma once
/// log-review: the runbook's weekly "review system logs" (journalctl -u target, -u iscsid) as a
/// task. It reads, on each machine of the stack, the journal of the services the stack rests on
/// (the storage server's target unit, each KVM host's iscsid) and the kernel's messages, from
/// the last review to now, at warning or worse; groups like messages (the same host, source,
/// level and text with its numbers taken out) and counts them. A journal that could not be read
/// is named, never counted as quiet; on a machine with no journal at all the kernel's messages
/// are still read, from its ring buffer (dmesg --raw).

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "host/host.h"
#include "topology/topology.h"

namespace stackdr {

/// Like messages: one host, one source ("kernel", "iscsid.service"), one level, one shape.
struct LogGroup {
  std::string host, source;
  int priority = 4;     // syslog level: 0 emerg … 3 err, 4 warning
  std::string shape;    // the message with its numbers as N: "connectionN:N: detected conn error (N)"
  std::string example;  // the latest message of the group, as written
  long count = 0;
  double first = 0, last = 0;  // epoch seconds
};

struct LogReview {
  double since = 0, until = 0;
  std::vector<LogGroup> groups;     // most severe first, then the most frequent
  std::vector<std::string> unread;  // "kvm01: journalctl -u iscsid: exit 1: …"
  std::vector<std::string> read;    // "kvm01 kernel", "storage target.service": what was read
  std::vector<std::string> notes;   // what was read, but not all of the window (a ring buffer that rotated)
  long errors() const;              // messages at err or worse
  long warnings() const;            // messages at warning
};

/// The journal reads of one review, host by host (argv as run).
struct LogRead {
  std::string host, source;
  Argv argv;
};
std::vector<LogRead> log_reads(const Topology& t, double since, double until);

LogReview review_logs(const Topology& t, const HostLookup& hosts, double since, double until);

/// The message with runs of digits (and 0x… hex) as N: like messages share a shape.
std::string message_shape(std::string_view message);

nlohmann::json log_review_json(const LogReview& r);
/// The review as an admin reads it: a line per group, most severe first.
std::string log_review_text(const LogReview& r);

}  // namespace stackdr
