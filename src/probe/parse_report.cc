#include "probe/parse_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace stackdr {

Error parse_error(std::string_view source, int line, std::string_view what) {
  if (line > 0) return Error{fmt::format("{}:{}: {}", source, line, what)};
  return Error{fmt::format("{}: {}", source, what)};
}

void to_json(nlohmann::json& j, const ParseWarning& w) {
  j = nlohmann::json{{"line", w.line}, {"text", w.text}, {"reason", w.reason}};
}

}  // namespace stackdr
