#include "watch/metrics_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stackdr {

namespace {

std::string escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

}  // namespace

void MetricsPage::family(const std::string& name, const std::string& type, const std::string& help) {
  if (index_.count(name)) return;
  index_[name] = families_.size();
  families_.push_back({name, type, help, {}});
}

void MetricsPage::set_common_labels(Labels labels) {
  common_ = std::move(labels);
}

MetricsPage::Labels MetricsPage::with_common(const Labels& labels) const {
  Labels all = common_;
  for (const auto& l : labels)
    if (std::none_of(common_.begin(), common_.end(), [&](const auto& c) { return c.first == l.first; }))
      all.push_back(l);
  return all;
}

void MetricsPage::sample(const std::string& name, const Labels& own, double value) {
  auto it = index_.find(name);
  if (it == index_.end()) throw std::logic_error("metric family not declared: " + name);
  Labels labels = with_common(own);
  std::string line = name;
  if (!labels.empty()) {
    line += "{";
    for (size_t i = 0; i < labels.size(); ++i)
      line += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escape(labels[i].second, true));
    line += "}";
  }
  // A series appears once: a second sample of the same name and labels is left out.
  if (!series_.insert(line).second) return;
  families_[it->second].samples.push_back(line + " " + number(value));
}

void Histogram::observe(double v) {
  for (size_t i = 0; i < bounds.size(); ++i)
    if (v <= bounds[i]) counts[i]++;
  sum += v;
  count++;
}

void MetricsPage::histogram(const std::string& name, const Labels& own, const Histogram& h) {
  auto it = index_.find(name);
  if (it == index_.end()) throw std::logic_error("metric family not declared: " + name);
  Labels labels = with_common(own);
  auto line = [&](const std::string& suffix, const Labels& l, double v) {
    std::string s = name + suffix;
    if (!l.empty()) {
      s += "{";
      for (size_t i = 0; i < l.size(); ++i)
        s += fmt::format("{}{}=\"{}\"", i ? "," : "", l[i].first, escape(l[i].second, true));
      s += "}";
    }
    if (series_.insert(s).second) families_[it->second].samples.push_back(s + " " + number(v));
  };
  for (size_t i = 0; i <= h.bounds.size(); ++i) {
    Labels l = labels;
    l.emplace_back("le", i < h.bounds.size() ? number(h.bounds[i]) : "+Inf");
    line("_bucket", l, static_cast<double>(i < h.bounds.size() ? h.counts[i] : h.count));
  }
  line("_sum", labels, h.sum);
  line("_count", labels, static_cast<double>(h.count));
}

std::string MetricsPage::text() const {
  std::string out;
  for (const auto& f : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escape(f.help, false), f.name, f.type);
    for (const auto& s : f.samples) out += s + "\n";
  }
  return out;
}

}  // namespace stackdr
