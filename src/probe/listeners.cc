#include "probe/listeners.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

bool ListenersFacts::listening_on(int port) const {
  for (const auto& l : listeners)
    if (l.port == port && l.state == "LISTEN") return true;
  return false;
}

Result<ListenersFacts> parse_ss_listeners(std::string_view input, std::string_view source) {
  ListenersFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    auto w = text::fields(lines[i]);
    if (w.empty()) continue;
    if (w[0] == "State" || w[0] == "Netid") continue;  // header of ss without -H
    // State Recv-Q Send-Q Local:Port Peer:Port [Process]  (with -n, addresses are numeric)
    size_t local = w[0] == "tcp" ? 4 : 3;
    if (w.size() <= local)
      return parse_error(source, ln,
                         fmt::format("expected 'STATE RECV-Q SEND-Q LOCAL PEER', got '{}'", lines[i]));
    std::string_view addr = w[local];
    size_t colon = addr.rfind(':');
    auto port = colon == std::string_view::npos ? std::nullopt : text::to_int(addr.substr(colon + 1));
    if (!port) return parse_error(source, ln, fmt::format("local address '{}' has no numeric port", addr));
    f.listeners.push_back(
        {std::string(w[local - 3]), std::string(addr.substr(0, colon)), static_cast<int>(*port)});
  }
  return f;
}

void to_json(nlohmann::json& j, const ListenersFacts& f) {
  j = nlohmann::json::object();
  j["listeners"] = nlohmann::json::array();
  for (const auto& l : f.listeners)
    j["listeners"].push_back({{"state", l.state}, {"address", l.address}, {"port", l.port}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
