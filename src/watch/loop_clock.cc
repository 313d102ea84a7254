#include "watch/loop_clock.h"

#include <chrono>
#include <thread>

namespace stackdr {

namespace {

class LiveLoopClock final : public LoopClock {
 public:
  double wall() override {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  double steady() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  int poll(pollfd* fds, nfds_t n, int ms) override { return ::poll(fds, n, ms); }
  void sleep(int ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
};

}  // namespace

std::shared_ptr<LoopClock> live_loop_clock() {
  static const auto clock = std::make_shared<LiveLoopClock>();
  return clock;
}

}  // namespace stackdr
