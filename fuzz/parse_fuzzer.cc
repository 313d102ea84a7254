// libFuzzer target for stackdr's parsers: the bytes go through the parser registry exactly as
// `stackdr parse KIND FILE --json` sends them (parse, facts to JSON, JSON to text). Any abort,
// sanitizer report or uncaught exception is a crash.
//
// One binary serves every parser; the parser is chosen by STACKDR_FUZZ_KIND, so a new parser in
// the registry is fuzzed without a list to keep here. STACKDR_FUZZ_KIND=--kinds prints them.
// Run all of them: ./dev.sh fuzz [SECONDS_PER_PARSER]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "probe/parser_registry.h"
#include "util/json_text.h"

namespace {
const stackdr::ParserEntry* g_parser = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* kind = std::getenv("STACKDR_FUZZ_KIND");
  if (kind && std::string_view(kind) == "--kinds") {
    for (const auto& e : stackdr::parser_registry()) std::printf("%s\n", e.kind.c_str());
    std::exit(0);
  }
  g_parser = kind ? stackdr::find_parser(kind) : nullptr;
  if (!g_parser) {
    std::fprintf(stderr, "set STACKDR_FUZZ_KIND to a parser kind (STACKDR_FUZZ_KIND=--kinds lists them)\n");
    std::exit(64);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto r = g_parser->parse(input, "fuzz");
  if (r.ok()) {
    std::string text = stackdr::json_text(*r, 2);
    if (text.empty()) std::abort();  // a document is never empty
  } else if (r.error().message.empty()) {
    std::abort();  // an error always says what
  }
  return 0;
}
