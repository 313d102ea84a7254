#pragma once
/// The daemon loop's time: what time it is, and waiting for events. The live clock reads the
/// system's clocks and waits in poll(2); a test gives the loop one whose time moves only when
/// the test says (tests/support/fake_loop_clock.h), so the interval, the confirming sweep and
/// every time-based rule (resolve-after, reminders, escalation) are tested without waiting
/// for them. Events stay real: a file descriptor that is ready wakes the loop either way.

#include <poll.h>

#include <memory>

namespace stackdr {

class LoopClock {
 public:
  virtual ~LoopClock() = default;
  /// Seconds since the epoch: alerts' times, escalation, resolve-after, the last sweep's age.
  virtual double wall() = 0;
  /// Monotonic seconds: when the next interval sweep is due.
  virtual double steady() = 0;
  /// Waits up to `ms` for one of `fds`, as poll(2) does, and returns what it returns.
  virtual int poll(pollfd* fds, nfds_t n, int ms) = 0;
  /// Lets `ms` pass (a burst of events settling).
  virtual void sleep(int ms) = 0;
};

/// The system's clocks and poll(2).
std::shared_ptr<LoopClock> live_loop_clock();

}  // namespace stackdr
