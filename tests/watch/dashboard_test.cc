// The dashboard's HTML (watch/dashboard.h): what the stack says is escaped wherever it comes
// from, a node that was not seen says which read failed, and a LUN's chain holds every node
// it rests on and every node resting on it.

#include "watch/dashboard.h"

#include <gtest/gtest.h>

namespace stackdr {
namespace {

nlohmann::json node(const std::string& id, const std::string& layer, const std::string& health,
                    std::vector<std::string> deps, const std::string& label,
                    const std::string& host = "kvm") {
  return {{"id", id},
          {"layer", layer},
          {"health", health},
          {"depends_on", deps},
          {"label", label},
          {"host", host},
          {"evidence", nlohmann::json::array()}};
}

DashboardData stack_with_a_hostile_name() {
  DashboardData d;
  d.now = 1000;
  d.sweep_at = 990;
  d.version = 7;
  nlohmann::json nodes = nlohmann::json::array();
  nodes.push_back(node("zvol:z", "zvol", "OK", {}, "zvol tank/<script>alert(1)</script>", "storage"));
  nodes.push_back(node("lun:l", "lun", "OK", {"zvol:z"}, "LUN \"l\" & 'm'", "storage"));
  nodes.push_back(node("disk:d", "iscsi-disk", "UNKNOWN", {"lun:l"}, "iSCSI disk"));
  nodes.push_back(node("md:a", "md-array", "DEGRADED", {"disk:d"}, "array md1"));
  nodes.push_back(node("other:x", "lun", "OK", {}, "another LUN", "storage"));
  d.status = {{"status", "UNKNOWN"},
              {"mode", "live"},
              {"nodes", nodes},
              {"findings", nlohmann::json::array()},
              {"unreadable",
               {{{"host", "kvm"}, {"source", "ls -l /dev/disk/by-path"}, {"error", "timed out <10 s>"}}}}};
  return d;
}

TEST(Dashboard, TextFromTheStackIsEscaped) {
  std::string page = dashboard_page(stack_with_a_hostile_name());
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("zvol tank/&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("LUN &quot;l&quot; &amp; &#39;m&#39;"), std::string::npos);
  EXPECT_NE(page.find("timed out &lt;10 s&gt;"), std::string::npos);
}

TEST(Dashboard, ANodeNotSeenSaysWhichReadFailed) {
  std::string main = dashboard_main(stack_with_a_hostile_name());
  EXPECT_NE(main.find("data-version=\"7\""), std::string::npos);
  size_t row = main.find("data-id=\"disk:d\" data-health=\"UNKNOWN\"");
  ASSERT_NE(row, std::string::npos) << main;
  size_t end = main.find("</tr>", row);
  std::string r = main.substr(row, end - row);
  EXPECT_NE(r.find("not read: <code>ls -l /dev/disk/by-path</code>"), std::string::npos) << r;
  EXPECT_NE(r.find(">UNKNOWN<"), std::string::npos) << "the word, not only a colour: " << r;
}

TEST(Dashboard, ALunsChainHoldsWhatItRestsOnAndWhatRestsOnIt) {
  std::string main = dashboard_main(stack_with_a_hostile_name());
  size_t chain = main.find("LUN &quot;l&quot;");
  size_t next = main.find("another LUN");
  ASSERT_NE(chain, std::string::npos);
  ASSERT_NE(next, std::string::npos);
  std::string first = chain < next ? main.substr(chain, next - chain) : main.substr(chain);
  size_t zvol = first.find("data-id=\"zvol:z\""), disk = first.find("data-id=\"disk:d\""),
         md = first.find("data-id=\"md:a\"");
  ASSERT_NE(zvol, std::string::npos) << "what it rests on";
  ASSERT_NE(md, std::string::npos) << "what rests on it";
  EXPECT_LT(zvol, disk) << "storage first";
  EXPECT_LT(disk, md);
  EXPECT_NE(main.find("<details class=\"chain\" open><summary><span class=\"badge h-DEGRADED\">"),
            std::string::npos)
      << "a chain with a node not OK is open, with its worst word";
}

TEST(Dashboard, TheSettingsCheckIsShownWithEachFixAndWhatWasNotRead) {
  DashboardData d = stack_with_a_hostile_name();
  std::string before = dashboard_main(d);
  EXPECT_NE(before.find("Not checked yet"), std::string::npos);
  d.lint = {{"findings",
             {{{"id", "iscsi.replacement-timeout"},
               {"severity", "warning"},
               {"host", "kvm01"},
               {"subject", "node <iqn>"},
               {"evidence", "node.session.timeo.replacement_timeout = 120"},
               {"why", "a lost leg stalls writes for 120 s"},
               {"fix", "set it to 5"}}}},
            {"unread", {"kvm01: iscsiadm -m node -o show: timed out"}}};
  d.lint_at = 950;
  d.hints.stack = {"--config", "/etc/stackdr/a.yaml"};
  std::string after = dashboard_main(d);
  EXPECT_NE(after.find("checked 50 s ago"), std::string::npos) << after;
  EXPECT_NE(after.find("<strong>iscsi.replacement-timeout</strong> on kvm01 · node &lt;iqn&gt;"),
            std::string::npos);
  EXPECT_NE(after.find("fix: set it to 5"), std::string::npos);
  EXPECT_NE(after.find("not checked: kvm01: iscsiadm -m node -o show: timed out"), std::string::npos);
  EXPECT_NE(after.find("stackdr lint --fix --config /etc/stackdr/a.yaml"), std::string::npos) << after;
}

TEST(Dashboard, AnIncidentsPageShowsItsStepsEscapedAndTheCommandsThatContinueIt) {
  IncidentRecord inc;
  inc.id = 4;
  inc.opened_at = 100;
  inc.mode = "live";
  inc.summary = "md1 <degraded>";
  JournalEvent started;
  started.kind = EventKind::kStepStarted;
  started.at = 110;
  started.step = "md.re-add:md1/test02";
  started.argv = "mdadm --manage /dev/md1 --re-add /dev/sdc";
  JournalEvent done = started;
  done.kind = EventKind::kStepVerified;
  done.at = 112.5;
  done.output = "mdadm: re-added /dev/sdc <ok>";
  StackHints hints;
  hints.stack = {"--config", "/etc/stackdr/site a.yaml"};
  hints.journal = {"--state-dir", "/var/lib/stackdr"};
  std::string page = incident_page(inc, {started, done}, hints, 200);
  EXPECT_NE(page.find("md1 &lt;degraded&gt;"), std::string::npos);
  EXPECT_NE(page.find("<code>mdadm --manage /dev/md1 --re-add /dev/sdc</code>"), std::string::npos);
  EXPECT_NE(page.find("(2.5 s)"), std::string::npos) << "the step's duration";
  EXPECT_NE(page.find("&lt;ok&gt;"), std::string::npos);
  EXPECT_NE(page.find("stackdr recover --resume --config &#39;/etc/stackdr/site a.yaml&#39;"),
            std::string::npos)
      << "the command that continues it selects the same stack: " << page;
  EXPECT_NE(page.find("/incidents/4/report.md"), std::string::npos);
}

}  // namespace
}  // namespace stackdr
