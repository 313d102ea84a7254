// The metrics page (watch/metrics_page.h, watch/stack_metrics.h): a histogram in the
// exposition format, and what a rebuild shows — md's rate and how much of the bitmap is dirty.

#include "watch/metrics_page.h"

#include <gtest/gtest.h>

#include "recovery_support.h"
#include "watch/stack_metrics.h"

namespace stackdr {
namespace {

TEST(MetricsPage, AHistogramHasCumulativeBucketsASumAndACount) {
  Histogram h({1, 60});
  for (double v : {0.5, 2.0, 30.0, 7200.0}) h.observe(v);
  MetricsPage p;
  p.family("x_seconds", "histogram", "How long.");
  p.histogram("x_seconds", {{"result", "ok"}}, h);
  EXPECT_EQ(p.text(),
            "# HELP x_seconds How long.\n# TYPE x_seconds histogram\n"
            "x_seconds_bucket{result=\"ok\",le=\"1\"} 1\n"
            "x_seconds_bucket{result=\"ok\",le=\"60\"} 3\n"
            "x_seconds_bucket{result=\"ok\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{result=\"ok\"} 7232.5\n"
            "x_seconds_count{result=\"ok\"} 4\n");
}

TEST(StackMetrics, ARebuildShowsMdsRateAndTheDirtyBitmap) {
  testing::Recovery rc;
  rc.fault("session-logout");
  std::string during;
  RecoverOptions o = testing::Recovery::drill_policy();
  o.boundary = [&](const std::string& at) {
    if (!at.starts_with("before:md.wait:")) return;
    MetricsPage p;
    add_stack_metrics(p, take_view(rc.s.topology, rc.s.lookup()), 0.1);
    during = p.text();
  };
  ASSERT_EQ(rc.run(o).exit, kRecovered) << rc.out.str();
  ASSERT_FALSE(during.empty()) << "the plan waited for a resync";
  EXPECT_NE(during.find("stackdr_md_sync_speed_bytes_per_second{host=\"s01\",array=\"md1\",device=\"md1\","
                        "action=\"recovery\"}"),
            std::string::npos)
      << during;
  EXPECT_NE(during.find("stackdr_md_bitmap_pages{host=\"s01\",array=\"md1\",device=\"md1\",state=\"all\"} 1"),
            std::string::npos)
      << during;
}

}  // namespace
}  // namespace stackdr

namespace stackdr {
namespace {

TEST(MetricsPage, CommonLabelsComeFirstAndEachFamilyKeepsItsSamplesTogether) {
  // Two stacks add the same families in turn: each family prints once, with both stacks'
  // samples under it, every sample labelled with its stack and site.
  MetricsPage p;
  for (const char* stack : {"a", "b"}) {
    p.set_common_labels({{"stack", stack}, {"site", "dc1"}});
    p.family("stackdr_status", "gauge", "The stack's status.");
    p.sample("stackdr_status", {}, 0);
    p.family("stackdr_leader", "gauge", "Leads.");
    p.sample("stackdr_leader", {{"stack", "ignored"}}, 1);  // the common label wins
  }
  p.set_common_labels({});
  EXPECT_EQ(p.text(),
            "# HELP stackdr_status The stack's status.\n# TYPE stackdr_status gauge\n"
            "stackdr_status{stack=\"a\",site=\"dc1\"} 0\nstackdr_status{stack=\"b\",site=\"dc1\"} 0\n"
            "# HELP stackdr_leader Leads.\n# TYPE stackdr_leader gauge\n"
            "stackdr_leader{stack=\"a\",site=\"dc1\"} 1\nstackdr_leader{stack=\"b\",site=\"dc1\"} 1\n");
}

}  // namespace
}  // namespace stackdr
