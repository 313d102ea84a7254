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
