// The planner on real captured output, no simulator and no executor: the shared lab corpus's
// Scenario 4 state (06:57:04 in its INDEX.md: md1 stopped after `assemble --force` was
// refused, /dev/sdb's superblock overwritten, /dev/sda good with bad blocks in its log). The
// observation is built from those files alone; the plan must assemble from the good member,
// clear its bad-block log, never touch it, and stop short when what decides it was not read.

#include <gtest/gtest.h>

#include "probe/disk_links.h"
#include "probe/iscsiadm_session.h"
#include "probe/mdadm_examine.h"
#include "probe/mdstat.h"
#include "recover/planner.h"
#include "recover/view.h"
#include "sim_fixture.h"
#include "test_support.h"

namespace stackdr {
namespace {

// The lab corpus's own topology: two LUNs on one portal, md1 on the KVM host "lab".
Topology corpus_topology() {
  auto t = parse_topology(R"(
hosts:
  lab: {role: kvm, address: 127.0.0.1, transport: local}
  target: {role: storage, address: 127.0.0.1, transport: local}
storage: {host: target, portal: "127.0.0.1:3260", service: ""}
initiator: {host: lab, iqn: "iqn.2024-01.lab.example:initiator01"}
luns:
  - {name: test01, target: "iqn.2003-01.org.linux-iscsi.lab:test01", lun: 0, device: /dev/vdb, backstore: lun01}
  - {name: test02, target: "iqn.2003-01.org.linux-iscsi.lab:test02", lun: 0, device: /dev/vdc, backstore: lun02}
arrays:
  - {name: md1, host: lab, device: /dev/md1, members: [test01, test02]}
)",
                          "corpus-topology");
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

template <typename T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

// What a sweep read on the KVM host in that state, from the captured files.
Observation s4_observation(bool with_good_examine = true) {
  auto c = [](const char* f) { return testing::corpus(std::string("lab/") + f); };
  Observation o;
  KvmFacts& k = o.kvm["lab"];
  k.host = "lab";
  k.mdstat = must(parse_mdstat(c("mdstat.after-assemble-force.txt")));
  k.by_path = must(parse_disk_links(c("ls-by-path.clean.txt")));
  k.sessions = must(parse_iscsiadm_session(c("iscsiadm-session-P3.clean.txt")));
  k.pings["127.0.0.1"] = {true, "1 packets transmitted, 1 received, 0% packet loss"};
  if (with_good_examine)
    k.examine["sda"].facts = must(parse_mdadm_examine(c("mdadm-examine.member-good-s4.txt")));
  k.examine["sdb"].no_superblock = examine_says_no_superblock(c("mdadm-examine.member-corrupted.txt.stderr"));
  k.examine["sdb"].stderr_text = c("mdadm-examine.member-corrupted.txt.stderr");
  for (const char* src :
       {"/proc/mdstat", "ls -l /dev/disk/by-path", "iscsiadm -m session -P 3", "mdadm --examine /dev/sdb"})
    o.sources.push_back({"lab", src, true, "", 0});
  if (with_good_examine)
    o.sources.push_back({"lab", "mdadm --examine /dev/sda", true, "", 0});
  else
    o.sources.push_back({"lab", "mdadm --examine /dev/sda", false, "timed out after 5000 ms", 0});
  return o;
}

std::vector<Step> all_steps(const Topology& t, const View& v, std::string* escalate = nullptr) {
  std::vector<Step> out;
  for (const auto& f : v.findings) {
    Plan p = plan_recovery(t, v, f, {});
    if (escalate && !p.escalate.empty()) *escalate = p.escalate;
    out.insert(out.end(), p.steps.begin(), p.steps.end());
  }
  return out;
}

TEST(PlannerOnCapturedOutput, Scenario4AssemblesFromTheGoodMemberAndClearsItsBadBlockLog) {
  Topology t = corpus_topology();
  View v = make_view(t, s4_observation());
  const MdArrayState& md = v.array(*t.array("md1"));
  EXPECT_EQ(md.assembled, Seen::kNo);
  EXPECT_EQ(md.member("test01")->superblock, Seen::kYes);
  EXPECT_EQ(md.member("test02")->superblock, Seen::kNo);
  Freshest f = freshest_member(md);
  EXPECT_EQ(f.lun, "test01");
  EXPECT_EQ(f.events, 93);
  ASSERT_FALSE(v.findings.empty());
  std::vector<Step> steps = all_steps(t, v);
  auto assemble =
      std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.id == "md.assemble:md1"; });
  ASSERT_NE(assemble, steps.end());
  EXPECT_EQ(assemble->argv,
            (Argv{"mdadm", "--assemble", "/dev/md1", "--run", "--update=force-no-bbl", "{disk:test01}"}));
  for (const auto& s : steps) {
    EXPECT_NE(s.safety, Safety::kDestructive) << s.id;
    EXPECT_NE(s.member_lun, "test01") << s.id << " would overwrite the only good member";
  }
}

TEST(PlannerOnCapturedOutput, Scenario4WithTheGoodMembersExamineUnreadPlansNothingRisky) {
  Topology t = corpus_topology();
  View v = make_view(t, s4_observation(false));
  EXPECT_TRUE(freshest_member(v.array(*t.array("md1"))).undecided);
  std::string escalate;
  std::vector<Step> steps = all_steps(t, v, &escalate);
  for (const auto& s : steps)
    EXPECT_TRUE(s.safety == Safety::kRead || s.safety == Safety::kSafe)
        << s.id << " is " << safety_name(s.safety);
  EXPECT_EQ(
      std::count_if(steps.begin(), steps.end(), [](const Step& s) { return s.id == "md.assemble:md1"; }), 0);
}

}  // namespace
}  // namespace stackdr
