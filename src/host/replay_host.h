#pragma once
/// ReplayHost answers from a captured bundle, like an sosreport: diagnose a machine you cannot
/// log into. Layout of one host's folder (written by `stackdr collect`, or by hand):
///   cmd/<encoded argv>          stdout of the command
///   cmd/<encoded argv>.stderr   its stderr (optional)
///   cmd/<encoded argv>.rc       its exit status (optional, default 0)
///   cmd/<encoded argv>.result   "not-started" or "timed-out" (optional)
///   fs/<absolute path>          a file's content (e.g. fs/proc/mdstat)
///   fs/<absolute path>.error    why reading it failed (optional)
/// The argv is encoded by percent-escaping every byte outside [A-Za-z0-9._-] and joining the
/// arguments with '+', so each argv has exactly one file name; an encoding longer than 200
/// bytes is cut to its first 180 and "~" + a 64-bit hash of the whole.

#include <filesystem>

#include "host/host.h"

namespace stackdr {

class ReplayHost : public Host {
 public:
  ReplayHost(std::string name, std::filesystem::path dir) : name_(std::move(name)), dir_(std::move(dir)) {}
  const std::string& name() const override { return name_; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override;
  Result<std::string> read_file(const std::string& path) override;

  static std::string encode_argv(const Argv& argv);

 private:
  std::string name_;
  std::filesystem::path dir_;
};

}  // namespace stackdr
