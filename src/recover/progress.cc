#include "recover/progress.h"

#include <fmt/format.h>

#include <cmath>

#include "util/text.h"

namespace stackdr {

std::vector<Progress> progress_of(const View& v) {
  std::vector<Progress> out;
  for (const Node& n : v.graph.nodes()) {
    if ((n.layer != Layer::kMdArray && n.layer != Layer::kPool) || !n.facts.progress) continue;
    const Progressing& p = *n.facts.progress;
    std::optional<double> eta;
    if (p.finish_minutes) eta = *p.finish_minutes * 60;
    out.push_back({n.label + " " + p.action, p.percent, eta});
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
