#pragma once
/// Helpers shared by the tests: where the corpus is, and reading a file whole.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace stackdr::testing
