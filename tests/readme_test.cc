// The README's examples are the binary's real output: every fenced block of README.md that
// starts with "$ stackdr ARGS" is run (ARGS split on spaces, no shell) and its output compared
// with the rest of the block, byte for byte.

#include <gtest/gtest.h>

#include "host/local_host.h"
#include "test_support.h"
#include "util/text.h"

namespace stackdr {
namespace {

struct Example {
  Argv args;
  std::string expected;
  int line = 0;
};

std::vector<Example> readme_examples() {
  std::string readme = testing::read_file(stackdr::testing::tests_dir() + "/../README.md");
  std::vector<Example> out;
  auto lines = text::lines(readme);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] != "```" || !text::starts_with(lines[i + 1], "$ stackdr ")) continue;
    Example e;
    e.line = static_cast<int>(i + 2);
    for (auto w : text::fields(lines[i + 1].substr(2))) e.args.emplace_back(w);
    e.args[0] = stackdr::testing::stackdr_binary();
    size_t j = i + 2;
    for (; j < lines.size() && lines[j] != "```"; ++j) e.expected += std::string(lines[j]) + "\n";
    out.push_back(std::move(e));
    i = j;
  }
  return out;
}

TEST(Readme, ExamplesAreTheBinarysRealOutput) {
  auto examples = readme_examples();
  ASSERT_GE(examples.size(), 2u) << "the README's examples were not found";
  for (const auto& e : examples) {
    CommandResult r = LocalHost("local").run(e.args, std::chrono::seconds(60));
    ASSERT_TRUE(r.started) << r.err;
    EXPECT_EQ(r.out, e.expected) << "README.md:" << e.line << ": `" << describe_argv(e.args)
                                 << "` prints something else; update the README (or the binary)";
  }
}

}  // namespace
}  // namespace stackdr
