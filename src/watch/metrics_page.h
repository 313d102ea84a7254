#pragma once
/// MetricsPage: a page in the Prometheus text exposition format (version 0.0.4), as
/// node_exporter serves it: per family one HELP and one TYPE line, then its samples, label
/// values escaped (backslash, double quote, newline). Families print in the order first added.

#include <map>
#include <set>
#include <string>
#include <vector>

namespace stackdr {

class MetricsPage {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  /// Declares a family (type: gauge or counter). Declaring one twice keeps the first.
  void family(const std::string& name, const std::string& type, const std::string& help);
  /// A sample of a declared family.
  void sample(const std::string& name, const Labels& labels, double value);
  std::string text() const;

 private:
  struct Family {
    std::string name, type, help;
    std::vector<std::string> samples;  // rendered lines
  };
  std::vector<Family> families_;
  std::map<std::string, size_t> index_;
  std::set<std::string> series_;
};

}  // namespace stackdr
