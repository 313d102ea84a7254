#pragma once
/// SimClock: the simulated stack's clock. Waiting lets simulated time pass (VM writes, resyncs,
/// resilvers, the operator's scheduled fix), so the executor runs on it unchanged.

#include <memory>

#include "host/clock.h"
#include "sim/sim_state.h"
#include "sim/time_passes.h"

namespace stackdr {

class SimClock : public Clock {
 public:
  explicit SimClock(std::shared_ptr<sim::SimState> s) : s_(std::move(s)) {}
  double now() override { return static_cast<double>(s_->now); }
  void sleep(int seconds) override { sim::advance(*s_, seconds); }
  int poll_interval() const override { return 10; }

 private:
  std::shared_ptr<sim::SimState> s_;
};

}  // namespace stackdr
