// The light maintenance tasks' kept findings on /metrics (watch/maintenance_metrics.h).

#include "watch/maintenance_metrics.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "operate/maintenance_records.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

TEST(MaintenanceMetrics, TheLastReviewAndTheArcSamplesAreExported) {
  fs::path dir = fs::temp_directory_path() / ("stackdr-mm-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    MetricsPage empty;
    add_maintenance_metrics(empty, dir.string());
    EXPECT_EQ(empty.text().find("stackdr_arc"), std::string::npos) << "nothing kept: no samples";
  }
  LogReview r;
  r.since = 100;
  r.until = 200;
  r.groups.push_back(
      {"kvm01", "kernel", 3, "connectionN:N: ping timeout", "connection1:0: ping timeout", 4, 110, 190});
  r.groups.push_back({"kvm01", "kernel", 3, "md: super_written gets error=-N",
                      "md: super_written gets error=-5", 2, 120, 121});
  r.groups.push_back({"storage", "target.service", 4, "x", "x", 1, 150, 150});
  r.unread.push_back("vm1: journalctl: exit 1");
  ASSERT_TRUE(keep_log_review(dir.string(), r));
  ASSERT_TRUE(keep_arc_sample(dir.string(), {1000, 100 << 20, 192 << 20, 192 << 20, 1000, 100}));
  ASSERT_TRUE(keep_arc_sample(dir.string(), {2000, 120 << 20, 192 << 20, 192 << 20, 1900, 200}));
  MetricsPage p;
  add_maintenance_metrics(p, dir.string());
  std::string page = p.text();
  EXPECT_NE(page.find("stackdr_log_review_messages{host=\"kvm01\",source=\"kernel\",level=\"err\"} 6\n"),
            std::string::npos)
      << page;
  EXPECT_NE(
      page.find(
          "stackdr_log_review_messages{host=\"storage\",source=\"target.service\",level=\"warning\"} 1\n"),
      std::string::npos)
      << page;
  EXPECT_NE(page.find("stackdr_log_review_unread 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("stackdr_arc_size_bytes 125829120\n"), std::string::npos) << page;
  EXPECT_NE(page.find("stackdr_arc_hit_ratio 0.9\n"), std::string::npos) << page;  // 900 of 1000 reads
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
