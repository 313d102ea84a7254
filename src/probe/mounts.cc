#include "probe/mounts.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

bool Mount::read_only() const {
  return std::find(options.begin(), options.end(), "ro") != options.end();
}

const Mount* MountsFacts::at(std::string_view mp) const {
  const Mount* last = nullptr;  // the last mount on a path is the visible one
  for (const auto& m : mounts)
    if (m.mountpoint == mp) last = &m;
  return last;
}

namespace {

// /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...).
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (int k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7')
          ok = false;
        else
          v = v * 8 + (c - '0');
      }
      if (ok) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Result<MountsFacts> parse_mounts(std::string_view input, std::string_view source) {
  MountsFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = text::trim(lines[i]);
    if (t.empty()) continue;
    auto w = text::fields(t);
    if (w.size() < 4)
      return parse_error(source, static_cast<int>(i + 1),
                         fmt::format("expected 'DEVICE MOUNTPOINT FSTYPE OPTIONS ...', got '{}'", t));
    Mount m{unescape(w[0]), unescape(w[1]), std::string(w[2]), {}};
    for (auto o : text::split(w[3], ',')) m.options.emplace_back(o);
    f.mounts.push_back(std::move(m));
  }
  return f;
}

void to_json(nlohmann::json& j, const MountsFacts& f) {
  j = nlohmann::json::object();
  j["mounts"] = nlohmann::json::array();
  for (const auto& m : f.mounts)
    j["mounts"].push_back({{"device", m.device},
                           {"mountpoint", m.mountpoint},
                           {"fstype", m.fstype},
                           {"options", m.options},
                           {"read_only", m.read_only()}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
