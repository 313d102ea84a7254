// The text helpers every parser stands on: trimming, "key : value" lines as mdadm and
// iscsiadm print them, and numbers as a tool under another locale prints them.

#include "util/text.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stackdr {
namespace {

TEST(Text, TrimTakesSpacesTabsAndLineEndsFromBothEndsOnly) {
  EXPECT_EQ(text::trim("  \t clean \r\n"), "clean");
  EXPECT_EQ(text::trim("in  side"), "in  side");
  EXPECT_EQ(text::trim(" \t\r\n "), "");
  EXPECT_EQ(text::trim(""), "");
  EXPECT_EQ(text::trim("x"), "x");
  EXPECT_EQ(text::trim("\vx\f"), "\vx\f");  // not whitespace any tool indents with
}

// The key and value split_key_value finds, or "refused".
std::pair<std::string, std::string> kv(std::string_view line) {
  std::string_view k, v;
  if (!text::split_key_value(line, k, v)) return {"refused", ""};
  return {std::string(k), std::string(v)};
}
using KV = std::pair<std::string, std::string>;

TEST(Text, SplitKeyValueCutsAtTheFirstSpacedColon) {
  // mdadm --examine: the indentation, and colons inside the value (a UUID, a time).
  EXPECT_EQ(kv("     Array UUID : 3f1c0d2e:5a4b3c2d:1e0f9a8b:7c6d5e4f"),
            KV("Array UUID", "3f1c0d2e:5a4b3c2d:1e0f9a8b:7c6d5e4f"));
  EXPECT_EQ(kv("    Update Time : Mon Nov 30 12:00:01 2026"), KV("Update Time", "Mon Nov 30 12:00:01 2026"));
  // A colon without spaces before the spaced one is part of the key or the value.
  EXPECT_EQ(kv("  Name : host:data"), KV("Name", "host:data"));
  EXPECT_EQ(kv("a:b : c"), KV("a:b", "c"));
  // A key with nothing after it ("Consistency Policy :" on some versions).
  EXPECT_EQ(kv("    Features :"), KV("Features", ""));
  EXPECT_EQ(kv("State : "), KV("State", ""));
}

TEST(Text, SplitKeyValueRefusesLinesWithoutASpacedColonOrAKey) {
  for (std::string_view line : {"/dev/md0:", "key:value", "key :value", "key: value",
                                "    Number   Major   Minor   RaidDevice State", " : value", ":", ""})
    EXPECT_EQ(kv(line).first, "refused") << line;
}

TEST(Text, NumbersAreWholeOrNothing) {
  EXPECT_EQ(text::to_int(" 42\n"), 42);
  EXPECT_EQ(text::to_int("-7"), -7);
  EXPECT_FALSE(text::to_int("42x"));
  EXPECT_FALSE(text::to_int(""));
  EXPECT_FALSE(text::to_int("99999999999999999999"));
  EXPECT_EQ(text::to_double("72.38"), 72.38);
  EXPECT_EQ(text::to_double("72,38"), 72.38);  // a bundle made under de_DE
  EXPECT_FALSE(text::to_double("1,234.5"));
  EXPECT_FALSE(text::to_double("1,2,3"));
}

TEST(Text, PiecesPastSixteenSpillToTheHeapInOrder) {
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 40u}) {
    std::string line;
    for (size_t i = 0; i < n; ++i) line += (i ? "/" : "") + std::to_string(i);
    auto p = text::split(line, '/');
    ASSERT_EQ(p.size(), n == 0 ? 1u : n) << n;  // "" is one empty piece
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(p[i], std::to_string(i)) << n;
    if (n) {
      EXPECT_EQ(p.front(), "0");
      EXPECT_EQ(p.back(), std::to_string(n - 1));
    }
    size_t seen = 0;
    for (auto piece : p) EXPECT_EQ(piece, p[seen++]);
    EXPECT_EQ(seen, p.size());
    std::replace(line.begin(), line.end(), '/', ' ');
    EXPECT_EQ(text::fields("  " + line + "\t").size(), n) << n;
  }
  EXPECT_EQ(text::split("a,,b,", ',').size(), 4u);
  EXPECT_TRUE(text::fields(" \t ").empty());
}

TEST(Text, LinesDropTheNewlineAndACarriageReturn) {
  auto l = text::lines("one\r\ntwo\n\nthree");
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0], "one");
  EXPECT_EQ(l[1], "two");
  EXPECT_EQ(l[2], "");
  EXPECT_EQ(l[3], "three");
  EXPECT_EQ(text::lines("last\n").size(), 1u);
  EXPECT_TRUE(text::lines("").empty());
}

}  // namespace
}  // namespace stackdr
