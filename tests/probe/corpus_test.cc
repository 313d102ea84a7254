// Every file of the shared corpus that one of our parsers reads must parse: real output from
// real tools, upstream fixtures and the lab's captures. Files for which no parser exists yet are
// listed explicitly, so a new file is never skipped silently.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

#include "probe/parser_registry.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

// Which parser reads a corpus file, by its path relative to corpus/. "" = no parser (listed).
std::string kind_for(const std::string& rel) {
  static const std::vector<std::pair<std::regex, std::string>> rules = {
      {std::regex(R"((^|/)(SOURCES|INDEX)\.md$|MANIFEST\.tsv$|\.stderr$|\.rc$)"), ""},
      {std::regex(R"(^upstream/mdstat/)"), "mdstat"},
      {std::regex(R"(^upstream/mdadm-detail/)"), "mdadm-detail"},
      {std::regex(R"(^upstream/mdadm-examine/)"), "mdadm-examine"},
      {std::regex(R"(^upstream/zpool-status/)"), "zpool-status"},
      {std::regex(R"(^upstream/zpool-json/.*zpool-status-j)"), "zpool-status-json"},
      {std::regex(R"(^upstream/zfs/.*zfs-get)"), "zfs-get"},
      {std::regex(R"(^upstream/iscsiadm/.*-session-)"), "iscsiadm-session"},
      {std::regex(R"(^upstream/lsblk/)"), "lsblk"},
      {std::regex(R"(^upstream/smartctl/)"), "smartctl"},
      {std::regex(R"(^upstream/virsh/.*-list-)"), "virsh-list"},
      {std::regex(R"(^upstream/virsh/.*-(dominfo|error)-)"), "virsh-dominfo"},
      {std::regex(R"((^|/)mdstat\.[^/]*\.txt$)"), "mdstat"},
      {std::regex(R"((^|/)zpool-status\.[^/]*\.txt$)"), "zpool-status"},
      {std::regex(R"((^|/)mdadm-detail\.[^/]*\.txt$)"), "mdadm-detail"},
      {std::regex(R"((^|/)mdadm-examine\.[^/]*\.txt$)"), "mdadm-examine"},
      {std::regex(R"((^|/)mdadm-examine-badblocks\.[^/]*\.txt$)"), "mdadm-examine-badblocks"},
      {std::regex(R"((^|/)(md-array-state|md-bad_blocks-sysfs)\.[^/]*\.txt$)"), "md-sysfs"},
      {std::regex(R"((^|/)iscsiadm-session(-P\d)?\.[^/]*\.txt$)"), "iscsiadm-session"},
      {std::regex(R"((^|/)targetcli-ls\.[^/]*\.txt$)"), "targetcli-ls"},
      {std::regex(R"((^|/)lio-tree\.[^/]*\.txt$)"), "lio-tree"},
      {std::regex(R"((^|/)lio-values\.[^/]*\.txt$)"), "lio-values"},
      {std::regex(R"((^|/)lsblk\.[^/]*\.json$)"), "lsblk"},
      {std::regex(R"((^|/)ls-by-path\.[^/]*\.txt$)"), "disk-links"},
      {std::regex(R"((^|/)iscsi-sysfs\.[^/]*\.txt$)"), "iscsi-sysfs"},
      {std::regex(R"((^|/)(dmesg\.[^/]*|run\.dmesg\.full)\.txt$)"), "kmsg"},
      {std::regex(R"((^|/)ss-listen\.txt$)"), "ss-listen"},
      {std::regex(R"((^|/)virsh-list\.[^/]*\.txt$)"), "virsh-list"},
      {std::regex(R"((^|/)virsh-domblklist\.[^/]*\.txt$)"), "virsh-domblklist"},
      // `virsh domstate --reason` ("paused (I/O error)"): read for a paused domain.
      {std::regex(R"((^|/)virsh-domstate-reason\.[^/]*\.txt$)"), "virsh-domstate"},
  };
  for (const auto& [re, kind] : rules)
    if (std::regex_search(rel, re)) return kind;
  return "";
}

// Files that are not tool output at all or hold an error reply: they must be rejected clearly.
bool expected_error(const std::string& rel) {
  return rel.find("virsh/libvirt-virshtest-error-") != std::string::npos ||
         std::regex_search(rel, std::regex(R"(mdadm-examine\.member-(corrupted|zeroed)\.txt$)"));
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(testing::corpus_dir()))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), testing::corpus_dir()).string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Corpus, EveryMatchingFileParses) {
  int parsed = 0, rejected = 0;
  std::map<std::string, int> per_kind;
  for (const auto& rel : corpus_files()) {
    std::string kind = kind_for(rel);
    if (kind.empty()) continue;
    const ParserEntry* p = find_parser(kind);
    ASSERT_NE(p, nullptr) << kind;
    auto r = p->parse(testing::corpus(rel), rel);
    if (expected_error(rel)) {
      EXPECT_FALSE(r.ok()) << rel << " should be rejected";
      if (!r.ok()) {
        EXPECT_NE(r.error().message.find(rel), std::string::npos) << "error must name the source";
      }
      ++rejected;
      continue;
    }
    EXPECT_TRUE(r.ok()) << rel << " (" << kind << "): " << (r.ok() ? "" : r.error().message);
    ++parsed;
    ++per_kind[kind];
  }
  EXPECT_GT(parsed, 250);
  EXPECT_EQ(rejected, 8);  // 2 virsh error replies + 2 examine-without-superblock in 3 lab runs
  for (const auto& [k, n] : per_kind) RecordProperty(k, n);
}

// The corpus files no parser reads, named so that adding a file forces a decision here.
TEST(Corpus, UnparsedFilesAreKnown) {
  static const std::regex known(
      R"(iscsiadm-(discovery|login|logout|node)|/iscsiadm/.*(discovery|node|iface)|zpool-list|zfs-list|)"
      R"(mdadm-(add|readd|remove|stop|create|zero|assemble|monitor|conf|detail-scan|examine-scan|examine-bitmap)|)"
      R"(^lab/(run8-badblock-captures/|variant-[^/]*/)?(run\.|sdev-state|md-raw-|df\.|iptables|lsmod|saveconfig|ss-conns))");
  for (const auto& rel : corpus_files()) {
    if (!kind_for(rel).empty() ||
        std::regex_search(rel, std::regex(R"((SOURCES|INDEX)\.md$|MANIFEST\.tsv$|\.stderr$|\.rc$)")))
      continue;
    EXPECT_TRUE(std::regex_search(rel, known)) << "no parser and not listed as unparsed: " << rel;
  }
}

// What stackdr's own lab run captured (lab/run.sh saves it per scenario and state): every file
// parses, except mdadm --detail of an array that was not assembled (its error reply).
TEST(LabCaptures, EveryFileParses) {
  fs::path root = fs::path(stackdr::testing::tests_dir()) / "lab_captures";
  int parsed = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), root).string();
    std::string kind = kind_for(rel);
    if (kind.empty()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto r = find_parser(kind)->parse(text, rel);
    if (text.rfind("mdadm: cannot open", 0) == 0) {
      EXPECT_FALSE(r.ok()) << rel;
      continue;
    }
    EXPECT_TRUE(r.ok()) << rel << " (" << kind << "): " << (r.ok() ? "" : r.error().message);
    ++parsed;
  }
  EXPECT_GE(parsed, 40);
  RecordProperty("parsed", parsed);
}

}  // namespace
}  // namespace stackdr
