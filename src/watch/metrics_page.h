#pragma once
/// MetricsPage: a page in the Prometheus text exposition format (version 0.0.4), as
/// node_exporter serves it: per family one HELP and one TYPE line, then its samples, label
/// values escaped (backslash, double quote, newline). Families print in the order first added,
/// each with all of its samples, whichever order they were added in.

#include <map>
#include <set>
#include <string>
#include <vector>

namespace stackdr {

/// Observations counted into fixed buckets, as a Prometheus histogram is exposed: each bucket
/// counts the observations at or below its bound, `+Inf` all of them.
struct Histogram {
  std::vector<double> bounds;  // ascending upper bounds, without +Inf
  std::vector<long> counts;    // per bound, cumulative
  double sum = 0;
  long count = 0;
  explicit Histogram(std::vector<double> b = {}) : bounds(std::move(b)), counts(bounds.size(), 0) {}
  void observe(double v);
};

class MetricsPage {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  /// Declares a family (type: gauge or counter). Declaring one twice keeps the first.
  void family(const std::string& name, const std::string& type, const std::string& help);
  /// A sample of a declared family.
  void sample(const std::string& name, const Labels& labels, double value);
  /// A declared histogram family's series: NAME_bucket{…,le="…"} per bound and +Inf, NAME_sum,
  /// NAME_count.
  void histogram(const std::string& name, const Labels& labels, const Histogram& h);
  std::string text() const;
  /// Labels every sample added from now on carries first (a daemon watching several stacks
  /// sets stack and site before each stack adds its samples). A sample's own label of the same
  /// name gives way to the common one.
  void set_common_labels(Labels labels);

 private:
  Labels with_common(const Labels& labels) const;
  Labels common_;
  struct Family {
    std::string name, type, help;
    std::vector<std::string> samples;  // rendered lines
  };
  std::vector<Family> families_;
  std::map<std::string, size_t> index_;
  std::set<std::string> series_;
};

}  // namespace stackdr
