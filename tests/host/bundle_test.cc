// stackdr collect, then --from: a bundle reads back as the sweep that wrote it — the same
// nodes, findings, unexplained nodes, unreadable sources and status — for every fault of the
// simulated stack, packed or unpacked; a folder or file that is not a bundle is refused.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host/local_host.h"
#include "sim/faults.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

CommandResult stackdr(Argv args) {
  return testing::run_stackdr(std::move(args));
}

// What a sweep concluded, without how it was made (mode, timings).
nlohmann::json conclusions(const std::string& status_json) {
  auto j = nlohmann::json::parse(status_json, nullptr, false);
  if (!j.is_object()) return nullptr;
  return {{"code", j["code"]},
          {"nodes", j["nodes"]},
          {"findings", j["findings"]},
          {"unexplained", j["unexplained"]},
          {"unreadable", j["unreadable"]}};
}

TEST(Bundle, StatusFromACollectedBundleIsTheSweepThatWroteIt) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-bundle-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::string> faults = {""};
  for (const auto& f : sim::fault_catalog()) faults.push_back(f.name);
  int compared = 0;
  for (const auto& f : faults) {
    Argv lab = {"--lab"};
    if (!f.empty()) lab = {"--lab", "--fault", f};
    std::string out = (dir / ((f.empty() ? "healthy" : f) + ".tar.gz")).string();
    Argv collect = {"collect", "--out", out};
    collect.insert(collect.end(), lab.begin(), lab.end());
    auto c = stackdr(collect);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    Argv live = {"status", "--json"};
    live.insert(live.end(), lab.begin(), lab.end());
    auto want = conclusions(stackdr(live).out);
    auto got = conclusions(stackdr({"status", "--json", "--from", out}).out);
    ASSERT_FALSE(want.is_null());
    EXPECT_EQ(got, want) << (f.empty() ? "healthy" : f);
    // Unpacked, the folder reads the same.
    fs::path unpacked = dir / ("unpacked-" + (f.empty() ? "healthy" : f));
    fs::create_directories(unpacked);
    ASSERT_TRUE(LocalHost("local").run({"tar", "-xzf", out, "-C", unpacked.string()}, 60s).ok());
    fs::path top = fs::directory_iterator(unpacked)->path();
    EXPECT_TRUE(fs::exists(top / "manifest.json"));
    EXPECT_EQ(conclusions(stackdr({"status", "--json", "--from", top.string()}).out), want);
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(faults.size()));

  // The manifest says what each read was.
  auto c = stackdr({"collect", "--lab", "--out", (dir / "m.tar.gz").string()});
  ASSERT_EQ(c.exit_code, 0);
  fs::create_directories(dir / "m");
  ASSERT_TRUE(LocalHost("local")
                  .run({"tar", "-xzf", (dir / "m.tar.gz").string(), "-C", (dir / "m").string()}, 60s)
                  .ok());
  std::ifstream in(fs::directory_iterator(dir / "m")->path() / "manifest.json");
  auto m = nlohmann::json::parse(in);
  EXPECT_EQ(m["stackdr"], "0.1.0");
  ASSERT_GT(m["reads"].size(), 20u);
  for (const auto& r : m["reads"]) {
    EXPECT_TRUE(r.contains("host") && r.contains("ms") && r.contains("at") && r.contains("file")) << r.dump();
    if (r["kind"] == "command") {
      EXPECT_TRUE(r.contains("argv") && r.contains("exit")) << r.dump();
    }
  }
  fs::remove_all(dir);
}

TEST(Bundle, WhatIsNotABundleIsRefused) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-notbundle-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "photos");
  auto folder = stackdr({"status", "--from", dir.string()});
  EXPECT_EQ(folder.exit_code, 64);
  EXPECT_NE(folder.err.find("is not a bundle"), std::string::npos) << folder.err;
  EXPECT_NE(folder.err.find("stackdr collect"), std::string::npos) << folder.err;
  std::ofstream(dir / "junk.tar.gz") << "not an archive";
  auto junk = stackdr({"status", "--from", (dir / "junk.tar.gz").string()});
  EXPECT_EQ(junk.exit_code, 64);
  EXPECT_NE(junk.err.find("not a bundle"), std::string::npos) << junk.err;
  auto missing = stackdr({"status", "--from", (dir / "nope.tar.gz").string()});
  EXPECT_EQ(missing.exit_code, 64);
  EXPECT_NE(missing.err.find("no such bundle"), std::string::npos) << missing.err;
  fs::remove_all(dir);
}

// The bundles the two-machine lab collected over SSH at every scenario state (LAB_SAVE=1
// lab/run.sh keeps them in tests/lab_captures/DATE/bundles/): `status --from` each gives the
// nodes, findings and unreadable sources of the live sweep that wrote it (its status.json).
TEST(Bundle, EveryLabBundleReadsBackAsTheLiveSweepThatWroteIt) {
  fs::path root = fs::path(stackdr::testing::tests_dir()) / "lab_captures";
  auto view = [](const nlohmann::json& j) {
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& u : j["unreadable"])
      unreadable.push_back({{"host", u["host"]}, {"source", u["source"]}});
    return nlohmann::json{
        {"code", j["code"]}, {"nodes", j["nodes"]}, {"findings", j["findings"]}, {"unreadable", unreadable}};
  };
  int compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".gz") continue;
    SCOPED_TRACE(e.path().string());
    CommandResult live = LocalHost("local").run(
        {"sh", "-c", "tar -xzOf \"$1\" --wildcards '*/status.json'", "sh", e.path().string()}, 60s);
    ASSERT_TRUE(live.ok()) << live.err;
    auto want = nlohmann::json::parse(live.out, nullptr, false);
    ASSERT_TRUE(want.is_object());
    auto got =
        nlohmann::json::parse(stackdr({"status", "--json", "--from", e.path().string()}).out, nullptr, false);
    ASSERT_TRUE(got.is_object());
    EXPECT_EQ(view(got), view(want));
    EXPECT_EQ(want["mode"], "live");
    ++compared;
  }
  EXPECT_GE(compared, 18) << "nine scenarios, two states each";
  RecordProperty("bundles", compared);
}

}  // namespace
}  // namespace stackdr
