#include "support/paths.h"

// The STACKDR_* paths are compile definitions of this file alone (CMakeLists.txt).
namespace stackdr::testing {

const std::string& tests_dir() {
  static const std::string dir = STACKDR_TESTS_DIR;
  return dir;
}

std::filesystem::path corpus_dir() {
  return STACKDR_CORPUS_DIR;
}

const std::string& default_config() {
  static const std::string file = STACKDR_DEFAULT_CONFIG;
  return file;
}

const std::string& stackdr_binary() {
  static const std::string file = STACKDR_BINARY;
  return file;
}

}  // namespace stackdr::testing
