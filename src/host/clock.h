#pragma once
/// Clock: how recovery reads the time and waits. The live clock sleeps; the simulated stack's
/// clock (sim/sim_clock.h) advances simulated time instead, so a six-hour rebuild takes
/// milliseconds in a drill and the journal still shows six hours.

#include <chrono>
#include <thread>

namespace stackdr {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() = 0;               // seconds since the epoch
  virtual void sleep(int seconds) = 0;    // wait (or let simulated time pass)
  virtual int poll_interval() const = 0;  // seconds between looks while waiting
};

class LiveClock : public Clock {
 public:
  double now() override {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  void sleep(int seconds) override { std::this_thread::sleep_for(std::chrono::seconds(seconds)); }
  int poll_interval() const override { return 2; }
};

}  // namespace stackdr
