#pragma once
/// A daemon loop's clock whose time moves only when the test says (advance), and by the loop's
/// own settling sleeps: the loop waits in it until the test moves time past what it waits for,
/// or until one of its file descriptors is ready (events stay real).

#include <poll.h>

#include <mutex>

#include "watch/loop_clock.h"

namespace stackdr::testing {

class FakeLoopClock final : public LoopClock {
 public:
  /// `wall0`: what wall() says at the start (steady() starts at 0).
  explicit FakeLoopClock(double wall0 = 1.8e9) : wall0_(wall0) {}
  double wall() override {
    std::lock_guard l(mu_);
    return wall0_ + t_;
  }
  double steady() override {
    std::lock_guard l(mu_);
    return t_;
  }
  int poll(pollfd* fds, nfds_t n, int ms) override {
    double until = steady() + ms / 1000.0;
    for (;;) {
      int r = ::poll(fds, n, 2);  // what is ready now (2 ms of real time: the test's turn)
      if (r != 0) return r;
      if (steady() >= until) return 0;
    }
  }
  void sleep(int ms) override {
    std::lock_guard l(mu_);
    t_ += ms / 1000.0;
  }
  /// Lets `seconds` pass for the loop.
  void advance(double seconds) {
    std::lock_guard l(mu_);
    t_ += seconds;
  }

 private:
  std::mutex mu_;
  const double wall0_;
  double t_ = 0;
};

}  // namespace stackdr::testing
