#include "recover/progress.h"

#include <fmt/format.h>

#include <cmath>

#include "util/text.h"

namespace stackdr {

namespace {

// "recovery 42.0%" → {"recovery", 42.0}
std::optional<std::pair<std::string, double>> kind_percent(const std::string& s) {
  auto sp = s.rfind(' ');
  if (sp == std::string::npos || s.empty() || s.back() != '%') return std::nullopt;
  auto pct = text::to_double(s.substr(sp + 1, s.size() - sp - 2));
  if (!pct) return std::nullopt;
  return std::make_pair(s.substr(0, sp), *pct);
}

}  // namespace

std::vector<Progress> progress_of(const View& v) {
  std::vector<Progress> out;
  for (const Node& n : v.graph.nodes()) {
    if (n.layer == Layer::kMdArray) {
      auto s = n.attrs.find("sync");
      if (s == n.attrs.end()) continue;
      auto kp = kind_percent(s->second);
      if (!kp) continue;
      Progress p{n.label + " " + kp->first, kp->second, std::nullopt};
      if (auto f = n.attrs.find("finish"); f != n.attrs.end())
        if (auto m = text::to_double(f->second.substr(0, f->second.find("min")))) p.eta_s = *m * 60;
      out.push_back(p);
    } else if (n.layer == Layer::kPool) {
      auto s = n.attrs.find("scan");
      if (s == n.attrs.end()) continue;
      if (auto kp = kind_percent(s->second))
        out.push_back({n.label + " " + kp->first, kp->second, std::nullopt});
    }
  }
  return out;
}

std::string progress_bar(const Progress& p, int width) {
  int filled = static_cast<int>(std::lround(p.percent / 100.0 * width));
  filled = std::max(0, std::min(width, filled));
  std::string bar = std::string(static_cast<size_t>(filled), '=');
  if (filled < width) bar += '>' + std::string(static_cast<size_t>(width - filled - 1), ' ');
  std::string eta;
  if (p.eta_s) {
    int s = static_cast<int>(*p.eta_s);
    eta = s >= 3600 ? fmt::format("  ETA {}h{:02}m", s / 3600, s / 60 % 60)
                    : fmt::format("  ETA {}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("[{}] {:5.1f}% {}{}", bar, p.percent, p.what, eta);
}

}  // namespace stackdr
