#pragma once
/// Where the tests find what they read and run: the source tree's tests/ folder, the shared
/// corpus, the example topology and the binary under test.
///
/// These are absolute paths of the clone being built. They live in one translation unit
/// (paths.cc, the only file compiled with them) rather than in every test's compile line, so a
/// clone in another folder changes one object file: ccache (dev.sh) keys each compile on its
/// command line, and a path in a -D there made every test file a miss in CI's fresh clone.

#include <filesystem>
#include <string>

namespace stackdr::testing {

/// The source tree's tests/ folder (captures under lab_captures/, ../config, ../README.md).
const std::string& tests_dir();
/// ../shared/corpus: real tool outputs from upstream projects and the lab.
std::filesystem::path corpus_dir();
/// config/stackdr.yaml, the example topology.
const std::string& default_config();
/// The stackdr binary this build made.
const std::string& stackdr_binary();

}  // namespace stackdr::testing
