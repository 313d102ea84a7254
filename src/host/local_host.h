#pragma once
/// LocalHost runs commands on this machine with posix_spawnp and an argv vector: device
/// names and IQNs come from config and tool output, so nothing ever passes through a shell.

#include "host/host.h"

namespace stackdr {

class LocalHost : public Host {
 public:
  explicit LocalHost(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override;
  Result<std::string> read_file(const std::string& path) override;
  bool concurrent() const override { return true; }

 private:
  std::string name_;
};

}  // namespace stackdr
