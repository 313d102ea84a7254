// A topology folder (stacks.d): one stack a file, each named; what is not a stack file is passed
// over, and every mistake (a broken file, a file without a name, two files of one name, an empty
// folder, a name that would leave the state folder) is refused naming the file.

#include "topology/stack_folder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

class StackFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stackdr-stacks-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    example_ = testing::read_file(stackdr::testing::default_config());
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The example topology as a stack of this name (and site), in FILE.
  void stack(const std::string& file, const std::string& name, const std::string& site = "") {
    std::ofstream out(dir_ / file);
    if (!name.empty()) out << "name: " << name << "\n";
    if (!site.empty()) out << "site: " << site << "\n";
    out << example_;
  }
  fs::path dir_;
  std::string example_;
};

TEST_F(StackFolder, ListsEachStackByNameWithItsSiteAndFile) {
  stack("b.yaml", "zulu", "dc2");
  stack("a.yaml", "alpha", "dc1");
  stack("c.yaml", "mike");
  std::ofstream(dir_ / "README") << "not a stack";
  std::ofstream(dir_ / "a.yaml~") << "an editor's backup";
  std::ofstream(dir_ / ".d.yaml.dpkg-new") << "a package's new copy";
  std::ofstream(dir_ / ".hidden.yaml") << "hosts: [";
  auto l = list_stack_folder(dir_.string());
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0].name, "alpha");
  EXPECT_EQ((*l)[0].site, "dc1");
  EXPECT_EQ((*l)[0].file, (dir_ / "a.yaml").string());
  EXPECT_EQ((*l)[1].name, "mike");
  EXPECT_EQ((*l)[1].site, "");
  EXPECT_EQ((*l)[2].name, "zulu");
  EXPECT_EQ(stack_names(*l), "alpha, mike and zulu");
}

TEST_F(StackFolder, ABrokenFileIsNamedNotLeftOut) {
  stack("a.yaml", "alpha");
  std::ofstream(dir_ / "b.yaml") << "name: beta\nhosts: [\n";
  auto l = list_stack_folder(dir_.string());
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("b.yaml"), std::string::npos) << l.error().message;
}

TEST_F(StackFolder, AYamlThatIsNotAFileIsRefusedByName) {
  stack("a.yaml", "alpha");
  fs::create_directories(dir_ / "b.yaml");
  auto l = list_stack_folder(dir_.string());
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find((dir_ / "b.yaml").string() + ": "), std::string::npos)
      << l.error().message;
  EXPECT_NE(l.error().message.find("not a file"), std::string::npos) << l.error().message;
}

TEST_F(StackFolder, AStackWithoutANameIsRefused) {
  stack("a.yaml", "");
  auto l = list_stack_folder(dir_.string());
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("a.yaml: a stack in a topology folder needs a name"), std::string::npos)
      << l.error().message;
}

TEST_F(StackFolder, TwoFilesOfOneNameAreRefusedNamingBoth) {
  stack("a.yaml", "same");
  stack("b.yaml", "same");
  auto l = list_stack_folder(dir_.string());
  ASSERT_FALSE(l);
  EXPECT_NE(
      l.error().message.find("a.yaml and " + (dir_ / "b.yaml").string() + " both name the stack 'same'"),
      std::string::npos)
      << l.error().message;
}

TEST_F(StackFolder, AnEmptyOrMissingFolderSaysSo) {
  auto empty = list_stack_folder(dir_.string());
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no stack here"), std::string::npos) << empty.error().message;
  auto missing = list_stack_folder((dir_ / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read the topology folder"), std::string::npos);
}

TEST_F(StackFolder, ANameThatWouldLeaveTheStateFolderIsRefused) {
  // A stack keeps its journal in STATE/stacks/NAME: "..", a slash or an option are not names.
  for (const char* name : {"..", ".", "a/b", "-x"}) {
    stack("a.yaml", std::string("'") + name + "'");
    auto l = list_stack_folder(dir_.string());
    EXPECT_FALSE(l) << name;
  }
}

}  // namespace
}  // namespace stackdr
