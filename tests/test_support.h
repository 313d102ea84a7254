#pragma once
/// Helpers shared by the tests: where the corpus is, reading a file whole, running the binary.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "host/local_host.h"

namespace stackdr::testing {

inline std::filesystem::path corpus_dir() {
  return STACKDR_CORPUS_DIR;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string corpus(const std::string& rel) {
  return read_file(corpus_dir() / rel);
}

/// The built stackdr with these arguments (argv, no shell), as a user or a script runs it.
inline CommandResult run_stackdr(Argv args, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  args.insert(args.begin(), STACKDR_BINARY);
  return LocalHost("local").run(args, timeout);
}

}  // namespace stackdr::testing
