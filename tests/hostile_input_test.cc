// Every parser, fed bytes no tool would print: Latin-1 in the middle of real output, a
// one-byte file, a megabyte line, JSON of the wrong types and nested without end. A parser may
// refuse (with a message) or accept; it never throws, crashes or recurses without bound, and
// whatever it accepts becomes valid JSON. The same bytes go through libFuzzer in CI
// (./dev.sh fuzz); these are the cases it found, kept so they stay fixed.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/local_host.h"
#include "probe/parser_registry.h"
#include "test_support.h"
#include "util/json_text.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

// Parses and turns the facts into text; fails the test on a throw or an invalid document.
void survives(const ParserEntry& p, const std::string& input, const std::string& what) {
  SCOPED_TRACE(p.kind + ": " + what);
  Result<nlohmann::json> r = Error{""};
  ASSERT_NO_THROW(r = p.parse(input, "hostile"));
  if (!r.ok()) {
    EXPECT_FALSE(r.error().message.empty());
    return;
  }
  std::string text;
  ASSERT_NO_THROW(text = json_text(*r, 2));
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded());
}

std::vector<std::string> seeds(const std::string& kind) {
  std::vector<std::string> out;
  fs::path dir = fs::path(stackdr::testing::tests_dir()) / ".." / "fuzz" / "corpus" / kind;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(testing::read_file(e.path()));
  return out;
}

TEST(HostileInput, EveryParserHasSeeds) {
  for (const auto& p : parser_registry()) EXPECT_FALSE(seeds(p.kind).empty()) << "fuzz/corpus/" << p.kind;
}

TEST(HostileInput, NonUtf8BytesNeverAbort) {
  for (const auto& p : parser_registry()) {
    survives(p, "\xe9", "one Latin-1 byte");
    survives(p, "\xff\xfe\x00\x01", "binary");
    for (const auto& s : seeds(p.kind)) {
      survives(p,
               s.substr(0, s.size() / 2) +
                   "erreur : \xe9"
                   "chec" +
                   s.substr(s.size() / 2),
               "Latin-1 inside");
      survives(p, "\xe9" + s, "Latin-1 first");
      std::string every_line;
      for (char c : s) every_line += c == '\n' ? std::string("\xc3\n") : std::string(1, c);  // cut UTF-8
      survives(p, every_line, "a cut UTF-8 sequence on every line");
    }
  }
}

TEST(HostileInput, MegabyteLinesNeverAbort) {
  std::string mb(1 << 20, 'x');
  for (const auto& p : parser_registry()) {
    survives(p, mb, "one megabyte line");
    survives(p, "[    1.000000] md/raid1:md0: Disk failure on " + mb + "\n", "a megabyte kernel message");
    survives(p,
             "[    1.000000] sd 2:0:0:0: [sdb] " + std::string(1 << 20, '[') +
                 " rejecting I/O to offline device\n",
             "a megabyte of brackets");
    for (const auto& s : seeds(p.kind)) survives(p, s + mb + "\n", "a megabyte line after real output");
  }
}

TEST(HostileInput, ShortRowsNeverIndexPastTheEnd) {
  for (const auto& p : parser_registry())
    for (const auto& s : seeds(p.kind))
      for (size_t cut : {size_t{1}, size_t{3}, s.size() / 3, s.size() - 1})
        if (cut < s.size()) survives(p, s.substr(0, cut), "cut after " + std::to_string(cut) + " bytes");
  // The two found by the fuzzer: a targetcli LUN node named "lu" and a zfs get row narrower
  // than its header.
  const ParserEntry* t = find_parser("targetcli-ls");
  survives(*t,
           "o- / [...]\n  o- iscsi [Targets: 1]\n  | o- iqn.x [TPGs: 1]\n  |   o- tpg1 [enabled]\n"
           "  |     o- luns [LUNs: 1]\n  |     | o- lu [block/x]\n",
           "a LUN named lu");
  const ParserEntry* z = find_parser("zfs-get");
  survives(*z, "NAME          PROPERTY  VALUE  SOURCE\ntank/a  x\n", "a row narrower than the header");
}

TEST(HostileInput, JsonOfTheWrongTypesIsRefusedNotThrown) {
  struct Case {
    const char* kind;
    const char* json;
  };
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += R"({"name": "v", "vdevs": {"a": )";
  deep += "{}";
  for (int i = 0; i < 5000; ++i) deep += "}}";
  std::string deep_lsblk;
  for (int i = 0; i < 5000; ++i) deep_lsblk += R"({"name": "sda", "children": [)";
  deep_lsblk += "{}";
  for (int i = 0; i < 5000; ++i) deep_lsblk += "]}";
  std::vector<std::pair<std::string, std::string>> cases = {
      {"zpool-status-json", R"({"output_version": [], "pools": {"tank": ""}})"},
      {"zpool-status-json", R"({"pools": {"tank": {"name": 7, "state": [], "vdevs": {"tank": 3}}}})"},
      {"zpool-status-json",
       R"({"pools": {"tank": {"vdevs": {"tank": {"vdevs": {"m": []}}}, "error_count": {}}}})"},
      {"zpool-status-json", R"({"pools": {"tank": {"vdevs": {"tank": )" + deep + "}}}}"},
      {"zfs-get", R"({"datasets": {"tank/a": {"properties": {"volmode": 3}}}})"},
      {"zfs-get", R"({"datasets": {"tank/a": "x", "tank/b": {"properties": []}}})"},
      {"zfs-get",
       R"({"datasets": {"tank/a": {"properties": {"volmode": {"value": 1, "source": {"type": 2}}}}}})"},
      {"lsblk", R"({"blockdevices": [1, "a", {"children": "x"}]})"},
      {"lsblk", R"({"blockdevices": [{"name": ["sda"], "mountpoints": [null, 3]}]})"},
      {"lsblk", R"({"blockdevices": [)" + deep_lsblk + "]}"},
      {"smartctl", R"({"smartctl": [], "device": 3, "smart_status": {"passed": "yes"}})"},
      {"smartctl", R"({"smartctl": {"exit_status": "x"}, "temperature": {"current": []}})"},
  };
  for (const auto& [kind, json] : cases) survives(*find_parser(kind), json, json.substr(0, 80));
}

TEST(HostileInput, ParseVerbPrintsValidJsonForLatin1Bytes) {
  fs::path f = fs::temp_directory_path() / "stackdr-latin1-mdstat.txt";
  {
    std::ofstream o(f, std::ios::binary);
    o << "Personalities : [raid1]\nmd0 : active raid1 sdb[1] sdc[0]\n      1046528 blocks super 1.2 [2/2] "
         "[UU]\n"
         "      erreur : \xe9"
         "chec\n\nunused devices: <none>\n";
  }
  auto r =
      LocalHost("local").run({stackdr::testing::stackdr_binary(), "parse", "mdstat", f.string(), "--json"},
                             std::chrono::seconds(30));
  fs::remove(f);
  EXPECT_NE(r.exit_code, 134) << r.err;  // SIGABRT as a shell reports it
  if (r.exit_code == 0)
    EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << r.out;
  else
    EXPECT_EQ(r.exit_code, 65) << r.err;
}

}  // namespace
}  // namespace stackdr
