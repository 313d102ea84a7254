// libFuzzer target for stackdr's parsers: the bytes go through the parser registry exactly as
// `stackdr parse KIND FILE --json` sends them (parse, facts to JSON, JSON to text). Any abort,
// sanitizer report or uncaught exception is a crash.
//
// One binary serves every parser; the parser is chosen by STACKDR_FUZZ_KIND, so a new parser in
// the registry is fuzzed without a list to keep here. STACKDR_FUZZ_KIND=--kinds prints them.
// Beside the registry's: "follower-lines", the daemon's follower protocol (watch/kernel_events),
// each line of the input read as a RemoteFollower line and the whole as a /dev/kmsg record.
// Run all of them: ./dev.sh fuzz [SECONDS_PER_PARSER]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "probe/parser_registry.h"
#include "util/json_text.h"
#include "watch/kernel_events.h"

namespace {
const stackdr::ParserEntry* g_parser = nullptr;
bool g_follower = false;
constexpr const char* kFollowerKind = "follower-lines";

// A follower line wakes for one known source or ends one, never both; a kmsg record's level
// is a syslog level.
void follower_lines(std::string_view input) {
  size_t start = 0;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    std::string_view line =
        input.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    stackdr::FollowerLine f = stackdr::parse_follower_line(line);
    bool known_wake = f.wakes.empty() || f.wakes == "mdstat" || f.wakes == "kmsg" || f.wakes == "zpool" ||
                      f.wakes == "virsh";
    bool known_end = f.ended.empty() || f.ended == "zpool" || f.ended == "virsh";
    if (!known_wake || !known_end || (!f.wakes.empty() && !f.ended.empty())) std::abort();
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  int level = -1;
  std::string_view message;
  if (stackdr::parse_kmsg_record(input, level, message) &&
      (level < 0 || level > 7 || message.data() < input.data() ||
       message.data() + message.size() > input.data() + input.size()))
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* kind = std::getenv("STACKDR_FUZZ_KIND");
  if (kind && std::string_view(kind) == "--kinds") {
    for (const auto& e : stackdr::parser_registry()) std::printf("%s\n", e.kind.c_str());
    std::printf("%s\n", kFollowerKind);
    std::exit(0);
  }
  g_follower = kind && std::string_view(kind) == kFollowerKind;
  g_parser = kind ? stackdr::find_parser(kind) : nullptr;
  if (!g_parser && !g_follower) {
    std::fprintf(stderr, "set STACKDR_FUZZ_KIND to a parser kind (STACKDR_FUZZ_KIND=--kinds lists them)\n");
    std::exit(64);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (g_follower) {
    follower_lines(input);
    return 0;
  }
  auto r = g_parser->parse(input, "fuzz");
  if (r.ok()) {
    std::string text = stackdr::json_text(*r, 2);
    if (text.empty()) std::abort();  // a document is never empty
  } else if (r.error().message.empty()) {
    std::abort();  // an error always says what
  }
  return 0;
}
