#pragma once
/// json_text: the one way stackdr turns JSON into text. Tool output, names and step output
/// are bytes, not necessarily UTF-8 (a Latin-1 stderr, a hostile file name); nlohmann's
/// default dump throws on them and a throw there aborted `status --json` and `recover`. Here
/// each invalid byte becomes U+FFFD: the document stays valid JSON, and the raw bytes stay
/// where the evidence is stored (the journal keeps step output as bytes).

#include <nlohmann/json.hpp>
#include <string>

namespace stackdr {

/// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace stackdr
