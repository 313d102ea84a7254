// stackdr lint: open-iscsi's node records read from real captures, the settings checked on the
// practice stack, and --fix applied through the step engine — journaled, idempotent, and
// leaving only the findings stackdr does not fix by itself.

#include "operate/lint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "probe/iscsiadm_node.h"
#include "probe/lio_saveconfig.h"
#include "sim_fixture.h"
#include "test_support.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(IscsiNodeRecords, ReadFromTheLabsCaptureBeforeAndAfterAnUpdate) {
  auto before = parse_iscsiadm_node(testing::corpus("lab/iscsiadm-node.record.default.txt"));
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->records.size(), 1u);
  const IscsiNodeRecord& r = before->records[0];
  EXPECT_EQ(r.target, "iqn.2003-01.org.linux-iscsi.lab:test01");
  EXPECT_EQ(r.portal, "127.0.0.1:3260");
  EXPECT_EQ(r.number("node.session.timeo.replacement_timeout"), 120);
  EXPECT_EQ(r.number("node.conn[0].timeo.noop_out_interval"), 5);
  EXPECT_EQ(r.get("node.startup"), "manual");
  EXPECT_EQ(r.get("iface.net_ifacename"), "");  // <empty>
  auto after = parse_iscsiadm_node(testing::corpus("lab/iscsiadm-node.record.updated.txt"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->records[0].number("node.session.timeo.replacement_timeout"), 15);
}

TEST(IscsiNodeRecords, TwoRecordsFromAnotherProjectsFixture) {
  auto f = parse_iscsiadm_node(testing::corpus("upstream/iscsiadm/goiscsi-node-op-show-two-records.txt"));
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_NE(f->records[0].target, f->records[1].target);
  EXPECT_EQ(f->records[0].get("node.startup"), "automatic");
  EXPECT_EQ(f->find(f->records[1].target), &f->records[1]);
}

TEST(IscsiNodeRecords, TruncatedOrNestedRecordsAreErrorsNoRecordsIsEmpty) {
  std::string one = testing::corpus("lab/iscsiadm-node.record.default.txt");
  EXPECT_FALSE(parse_iscsiadm_node(one.substr(0, one.size() / 2)));  // cut before END RECORD
  EXPECT_FALSE(parse_iscsiadm_node("# BEGIN RECORD 2.1.8\n" + one));
  EXPECT_FALSE(parse_iscsiadm_node("# BEGIN RECORD 2.1.8\nnode.tpgt = 1\n# END RECORD\n"));  // no node.name
  auto none = parse_iscsiadm_node("iscsiadm: No records found\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->records.empty());
}

TEST(LioSaveconfig, TheLabsSavedConfigMatchesItsTreeAndADifferenceIsNamed) {
  auto saved = parse_lio_saveconfig(testing::corpus("lab/saveconfig.json"));
  ASSERT_TRUE(saved) << saved.error().message;
  ASSERT_FALSE(saved->backstores.empty());
  ASSERT_FALSE(saved->targets.empty());
  EXPECT_TRUE(lio_config_differences(*saved, *saved).empty());
  LioFacts running = *saved;
  running.backstores.push_back({"block", "extra", "/dev/zvol/tank/extra", "", "", "", true});
  running.targets[0].tpgs[0].acls.clear();
  auto d = lio_config_differences(running, *saved);
  ASSERT_GE(d.size(), 2u);
  EXPECT_NE(d[0].find("block/extra is not in the saved config"), std::string::npos) << d[0];
  EXPECT_FALSE(parse_lio_saveconfig("{\"storage_objects\": 3}"));
  EXPECT_FALSE(parse_lio_saveconfig("{\"storage_objects\": [{\"name\": 1}]}"));
}

// A Debian storage server has no target.service: a topology whose storage.service says
// "target" would have Scenario 2's recovery start a unit that does not exist. Lint says so,
// from what the server answered (here as the lab's Debian guest answered is-enabled).
TEST(Lint, ATopologyNamingATargetUnitTheServerLacksIsAWarning) {
  testing::SimStack s;
  ObserveOptions o;
  o.settings = true;
  Observation obs = observe(s.topology, s.lookup(), o);
  ASSERT_EQ(obs.storage.target_unit_name, "target.service");  // the simulated server has what it names
  LintReport fine = lint(s.topology, make_view(s.topology, obs));
  EXPECT_TRUE(std::none_of(fine.findings.begin(), fine.findings.end(),
                           [](const LintFinding& f) { return f.id == "lio.service-name"; }));
  obs.storage.target_unit = "enabled";
  obs.storage.target_unit_name = "rtslib-fb-targetctl.service";
  LintReport r = lint(s.topology, make_view(s.topology, obs));
  auto f = std::find_if(r.findings.begin(), r.findings.end(),
                        [](const LintFinding& x) { return x.id == "lio.service-name"; });
  ASSERT_NE(f, r.findings.end());
  EXPECT_EQ(f->severity, LintSeverity::kWarning);
  EXPECT_NE(f->fix.find("storage.service: rtslib-fb-targetctl"), std::string::npos) << f->fix;
  // No systemd named (storage.service ""): the unit is not checked at all.
  Topology none = s.topology;
  none.storage.service = "";
  LintReport n = lint(none, make_view(none, obs));
  EXPECT_TRUE(std::none_of(n.findings.begin(), n.findings.end(), [](const LintFinding& x) {
    return x.id.rfind("lio.", 0) == 0 && x.id != "lio.saveconfig";
  }));
}

// The findings of `id` whose subject names `lun`'s target.
std::vector<LintFinding> findings_for(const LintReport& r, const std::string& id, const std::string& lun) {
  std::vector<LintFinding> out;
  for (const auto& f : r.findings)
    if (f.id == id && f.subject.find(":" + lun + " ") != std::string::npos) out.push_back(f);
  return out;
}

// Fast failure is for a LUN md mirrors. lun01 (the VM's boot disk, nothing above it) keeps
// open-iscsi's long timer; given a fast-fail timer it is a warning whose fix lengthens it. A
// member is judged mirrored only when /proc/mdstat was read and shows its array.
TEST(Lint, TimersFollowTheLunsRoleAndALoneLunIsNeverShortened) {
  testing::SimStack s;
  ObserveOptions o;
  o.settings = true;
  auto lint_now = [&] { return lint(s.topology, make_view(s.topology, observe(s.topology, s.lookup(), o))); };
  LintReport r = lint_now();
  EXPECT_TRUE(findings_for(r, "iscsi.replacement-timeout", "lun01").empty());
  EXPECT_TRUE(findings_for(r, "iscsi.noop-out", "lun01").empty());
  EXPECT_TRUE(findings_for(r, "iscsi.fast-fail-unmirrored", "lun01").empty());  // 120: long enough
  auto member = findings_for(r, "iscsi.replacement-timeout", "test01");
  ASSERT_EQ(member.size(), 1u);
  EXPECT_NE(member[0].role.find("mirrored: member of md1"), std::string::npos) << member[0].role;

  // Someone gave the boot disk the members' fast-fail timer.
  Host* kvm = s.lookup()("s01");
  auto set = kvm->run(
      {"iscsiadm", "-m", "node", "-T", "iqn.2003-01.org.linux-iscsi.storage:lun01", "-p",
       "192.168.125.116:3260", "-o", "update", "-n", "node.session.timeo.replacement_timeout", "-v", "5"},
      std::chrono::seconds(5));
  ASSERT_TRUE(set.ok()) << set.err;
  r = lint_now();
  auto lone = findings_for(r, "iscsi.fast-fail-unmirrored", "lun01");
  ASSERT_EQ(lone.size(), 1u);
  EXPECT_EQ(lone[0].severity, LintSeverity::kWarning);
  EXPECT_NE(lone[0].role.find("not mirrored: VM sjm-explore's boot disk"), std::string::npos) << lone[0].role;
  ASSERT_EQ(lone[0].steps.size(), 1u);
  EXPECT_EQ(lone[0].steps[0].argv.back(), "120");  // lengthened, never shortened
  for (const auto& st : lint_fix_plan(r).steps)
    if (argv_has(st.argv, "iqn.2003-01.org.linux-iscsi.storage:lun01") &&
        argv_has(st.argv, "node.session.timeo.replacement_timeout")) {
      EXPECT_EQ(st.argv.back(), "120") << describe_argv(st.argv);
    }

  // /proc/mdstat not read: no LUN can be shown mirrored, so no fix shortens a timer.
  Observation blind = observe(s.topology, s.lookup(), o);
  blind.kvm.at("s01").mdstat.reset();
  LintReport b = lint(s.topology, make_view(s.topology, blind));
  for (const auto& st : lint_fix_plan(b).steps)
    if (argv_has(st.argv, "node.session.timeo.replacement_timeout")) {
      EXPECT_NE(st.argv.back(), "5");
    }
  for (const auto& f : findings_for(b, "iscsi.fast-fail-unmirrored", "test01"))
    EXPECT_NE(f.role.find("was not read"), std::string::npos) << f.role;
}

std::set<std::string> ids(const nlohmann::json& j) {
  std::set<std::string> out;
  for (const auto& f : j["findings"]) out.insert(f["id"].get<std::string>());
  return out;
}

TEST(Lint, OnThePracticeStackFixesTheTimersThroughTheJournalAndIsIdempotent) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-lint-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string sd = dir.string();
  ASSERT_EQ(testing::run_stackdr({"lab", "init", "--state-dir", sd}).exit_code, 0);
  auto before = testing::run_stackdr({"lint", "--lab", "--state-dir", sd, "--json"});
  EXPECT_EQ(before.exit_code, 1) << before.err;  // warnings
  auto b = nlohmann::json::parse(before.out);
  for (const char* id : {"iscsi.replacement-timeout", "iscsi.noop-out", "iscsi.startup"})
    EXPECT_TRUE(ids(b).count(id)) << id;
  EXPECT_TRUE(b["unread"].empty()) << b["unread"].dump();

  auto dry = testing::run_stackdr({"lint", "--lab", "--state-dir", sd, "--fix", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("-o update -n node.session.timeo.replacement_timeout -v 5"), std::string::npos);
  auto unchanged = testing::run_stackdr({"lint", "--lab", "--state-dir", sd, "--json"});
  EXPECT_EQ(ids(nlohmann::json::parse(unchanged.out)), ids(b));  // the dry run changed nothing

  auto fix = testing::run_stackdr({"lint", "--lab", "--state-dir", sd, "--fix", "--yes", "--json"});
  EXPECT_EQ(fix.exit_code, 0) << fix.err;  // only info findings remain
  auto a = nlohmann::json::parse(fix.out);
  for (const auto& f : a["findings"]) {
    EXPECT_EQ(f["severity"], "info") << f.dump();
    EXPECT_FALSE(f["fixable"].get<bool>()) << f.dump();
  }
  auto again = testing::run_stackdr({"lint", "--lab", "--state-dir", sd, "--fix", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
  // The fix set fast-fail timers on md1's members only: the boot disk's record was not touched.
  auto show = testing::run_stackdr({"lab", "show", "--state-dir", sd});
  for (const char* lun : {"test01", "test02"})
    EXPECT_NE(show.out.find(std::string("storage:") + lun +
                            " -p 192.168.125.116:3260 -o update -n "
                            "node.session.timeo.replacement_timeout -v 5"),
              std::string::npos)
        << show.out;
  EXPECT_EQ(show.out.find("storage:lun01 -p 192.168.125.116:3260 -o update -n node.session.timeo"),
            std::string::npos)
      << show.out;
  auto journal = testing::run_stackdr({"incident", "list", "--tasks", "--lab", "--state-dir", sd});
  EXPECT_NE(journal.out.find("lint"), std::string::npos) << journal.out;  // the fix is on record
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
