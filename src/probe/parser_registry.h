#pragma once
/// The parsers by the KIND names users type (`stackdr parse KIND FILE`), each giving its facts
/// as JSON. One table, so the CLI, the corpus tests and the docs list the same kinds.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace stackdr {

struct ParserEntry {
  std::string kind;         // mdstat, mdadm-detail, ...
  std::string description;  // the command or file it reads
  std::function<Result<nlohmann::json>(std::string_view text, std::string_view source)> parse;
};

const std::vector<ParserEntry>& parser_registry();
const ParserEntry* find_parser(std::string_view kind);

}  // namespace stackdr
