#pragma once
/// SimHost: one host of the simulated stack. It answers the same argv and file reads as the
/// real machine would, from the shared SimState, so everything above the Host interface cannot
/// tell the simulation from a real stack (LevelDB's memenv idea). Every command is logged.

#include <memory>

#include "host/host.h"
#include "sim/sim_state.h"

namespace stackdr::sim {

class SimHost : public Host {
 public:
  SimHost(std::string name, std::shared_ptr<SimState> state)
      : name_(std::move(name)), state_(std::move(state)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override;
  Result<std::string> read_file(const std::string& path) override;
  /// A simulated command has ended when run() returns: nothing of it can outlive a crash.
  std::optional<bool> running(const ProcessId&) override { return false; }
  /// Every argv this host was asked to run, in order.
  const std::vector<Argv>& command_log() const { return log_; }

 private:
  std::string name_;
  std::shared_ptr<SimState> state_;
  std::vector<Argv> log_;
};

}  // namespace stackdr::sim
