#pragma once
/// Small text helpers shared by the parsers and renderers: line splitting, trimming,
/// whitespace fields and checked integer conversion. Nothing here knows any tool's format.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stackdr::text {

/// Lines without their '\n' (a trailing newline does not make an empty last line).
std::vector<std::string_view> lines(std::string_view s);
// Inline, with its own loop: find_first_not_of(" \t\r\n") calls memchr once per byte, and
// parsers trim every field of every line (a tenth of a 1,000-array sweep went there).
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
inline std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}
/// The pieces fields() and split() cut a line into: up to 16 held in place, more on the heap.
/// Parsers cut nearly every line of every output, and a heap vector per line was a seventh of
/// a 1,000-array sweep. Used as a read-only vector (size, [], front, back, range-for).
class Pieces {
 public:
  void push_back(std::string_view s) {
    if (size_ < kInPlace) {
      in_place_[size_] = s;
    } else {
      if (size_ == kInPlace) spilled_.assign(in_place_.begin(), in_place_.end());
      spilled_.push_back(s);
    }
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::string_view* begin() const { return size_ > kInPlace ? spilled_.data() : in_place_.data(); }
  const std::string_view* end() const { return begin() + size_; }
  const std::string_view& operator[](size_t i) const { return begin()[i]; }
  const std::string_view& front() const { return begin()[0]; }
  const std::string_view& back() const { return begin()[size_ - 1]; }

 private:
  static constexpr size_t kInPlace = 16;
  std::array<std::string_view, kInPlace> in_place_;
  std::vector<std::string_view> spilled_;
  size_t size_ = 0;
};

/// Words separated by runs of spaces and tabs.
Pieces fields(std::string_view s);
/// Pieces between each `sep` (an empty piece where two are adjacent, or at either end).
Pieces split(std::string_view s, char sep);
// Inline: parsers call these on every line of megabytes of output (a call each cost a
// 1,000-array sweep some 10 M instructions).
inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix);
}
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix);
}
inline bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}
/// What follows the first `n` bytes; empty when there are not that many (never throws, unlike
/// substr: a parser's input may be cut anywhere).
inline std::string_view after(std::string_view s, size_t n) {
  return n >= s.size() ? std::string_view() : s.substr(n);
}
/// Whole-string integer, or nullopt if anything but digits (and a leading '-') is present.
std::optional<int64_t> to_int(std::string_view s);
/// Whole-string decimal number; a single decimal comma is read as a point ("72,38").
std::optional<double> to_double(std::string_view s);
/// "10G", "512M", "1073741824" → bytes, as zfs and the LUN verbs read a size (binary K, M, G,
/// T suffixes, either case); nullopt when it is not a positive size that fits.
std::optional<int64_t> parse_binary_size(std::string_view s);
/// "Sun Nov 29 10:00:00 2026" (ctime(3), as mdadm prints Update Time) → seconds since the
/// epoch, reading the fields as UTC; nullopt when it is not that shape or not a real date.
std::optional<int64_t> parse_ctime_utc(std::string_view s);
/// "Key : Value" as printed by mdadm; splits on the first " : " (or ':' at end).
bool split_key_value(std::string_view line, std::string_view& key, std::string_view& value);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
/// The parts end to end, in one allocation. Node identities and labels are built thousands of
/// times a sweep; fmt's run-time format parsing was a fifth of a 1,000-array graph build.
std::string cat(std::initializer_list<std::string_view> parts);
std::string lower(std::string_view s);
/// Seconds since the epoch in UTC, through strftime's `format`.
std::string format_utc(int64_t epoch_seconds, const char* format);
/// Seconds since the epoch as "2026-11-30 04:10:00 UTC".
std::string utc_time(double epoch_seconds);
/// FNV-1a: a stable 64-bit hash of a string (file names, simulated serials), not a secure one.
uint64_t fnv1a(std::string_view s, uint64_t salt = 0);

}  // namespace stackdr::text
