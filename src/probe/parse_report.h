#pragma once
/// What every parser reports besides its facts: the lines it did not understand. A parser never
/// drops input silently: an unknown line becomes a ParseWarning (line number, text, why), and
/// input it cannot make sense of at all becomes an Error naming the source and line.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace stackdr {

struct ParseWarning {
  int line = 0;  // 1-based; 0 when the warning is about the whole input
  std::string text;
  std::string reason;
};

using ParseWarnings = std::vector<ParseWarning>;

/// "SOURCE:LINE: WHAT" — the shape of every parse error.
Error parse_error(std::string_view source, int line, std::string_view what);

void to_json(nlohmann::json& j, const ParseWarning& w);

}  // namespace stackdr
