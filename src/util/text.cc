#include "util/text.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iterator>

namespace stackdr::text {

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(s.substr(start));
      break;
    }
    std::string_view line = s.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = nl + 1;
  }
  return out;
}

Pieces fields(std::string_view s) {
  Pieces out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

Pieces split(std::string_view s, char sep) {
  Pieces out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::optional<int64_t> to_int(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  // A decimal comma ("72,38" from a tool run under a de_DE or fr_FR locale): stackdr runs
  // every command under LC_ALL=C, but a bundle from another machine may not have.
  std::string buf;
  if (s.find(',') != std::string_view::npos && s.find('.') == std::string_view::npos &&
      std::count(s.begin(), s.end(), ',') == 1) {
    buf = std::string(s);
    buf[buf.find(',')] = '.';
    s = buf;
  }
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool split_key_value(std::string_view line, std::string_view& key, std::string_view& value) {
  // " : " found by its colon: find() of a three-byte needle calls memchr at every space, and
  // mdadm indents each line with a dozen of them.
  size_t p = line.find(':');
  while (p != std::string_view::npos &&
         !(p > 0 && line[p - 1] == ' ' && p + 1 < line.size() && line[p + 1] == ' '))
    p = line.find(':', p + 1);
  if (p != std::string_view::npos) --p;  // where " : " starts
  if (p == std::string_view::npos) {
    std::string_view t = trim(line);
    if (ends_with(t, " :")) {
      key = trim(t.substr(0, t.size() - 2));
      value = {};
      return true;
    }
    return false;
  }
  key = trim(line.substr(0, p));
  value = trim(line.substr(p + 3));
  return !key.empty();
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string cat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (auto p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (auto p : parts) out += p;
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

uint64_t fnv1a(std::string_view s, uint64_t salt) {
  uint64_t h = 1469598103934665603ULL ^ salt;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string format_utc(int64_t epoch_seconds, const char* format) {
  std::time_t tt = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[128];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string utc_time(double epoch_seconds) {
  return format_utc(static_cast<int64_t>(epoch_seconds), "%Y-%m-%d %H:%M:%S UTC");
}

// Read by hand, not with strptime(3): a sweep reads one per md member, and strptime (locale
// tables, case-folding compares) was an eighth of a 1,000-array model build.
std::optional<int64_t> parse_ctime_utc(std::string_view s) {
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Split by hand into fixed slots: every md member's Update Time is read each sweep, and
  // fields() and split() allocate a vector each.
  auto cut = [](std::string_view text, auto is_sep, std::string_view* out, size_t max) {
    size_t n = 0, i = 0;
    while (i < text.size()) {
      while (i < text.size() && is_sep(text[i])) ++i;
      if (i == text.size()) break;
      size_t b = i;
      while (i < text.size() && !is_sep(text[i])) ++i;
      if (n == max) return max + 1;  // more than expected
      out[n++] = text.substr(b, i - b);
    }
    return n;
  };
  std::string_view f[5], hms[3];
  if (cut(
          s, [](char c) { return c == ' ' || c == '\t'; }, f, 5) != 5 ||
      std::find(std::begin(kDays), std::end(kDays), f[0]) == std::end(kDays))
    return std::nullopt;
  auto month = std::find(std::begin(kMonths), std::end(kMonths), f[1]);
  // "04:10:00" exactly: an empty part ("04::00") is not skipped as a separator run would be.
  size_t colons = static_cast<size_t>(std::count(f[3].begin(), f[3].end(), ':'));
  size_t parts = cut(
      f[3], [](char c) { return c == ':'; }, hms, 3);
  auto day = to_int(f[2]), year = to_int(f[4]);
  if (month == std::end(kMonths) || colons != 2 || parts != 3 || !day || !year || *year < 1970 ||
      *year > 9999)
    return std::nullopt;
  auto h = to_int(hms[0]), m = to_int(hms[1]), sec = to_int(hms[2]);
  auto in = [](std::optional<int64_t> v, int64_t top) { return v && *v >= 0 && *v <= top; };
  if (!in(h, 23) || !in(m, 59) || !in(sec, 60) || !in(day, 31)) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                   std::chrono::month(static_cast<unsigned>(month - std::begin(kMonths) + 1)),
                                   std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86400 + *h * 3600 + *m * 60 + *sec;
}

std::optional<int64_t> parse_binary_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int shift = 0;
  switch (s.back()) {
    case 'K':
    case 'k':
      shift = 10;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    case 'T':
    case 't':
      shift = 40;
      break;
    default:
      break;
  }
  if (shift) s.remove_suffix(1);
  auto n = to_int(s);
  if (!n || *n <= 0 || *n > (int64_t{1} << (62 - shift))) return std::nullopt;
  return *n << shift;
}

}  // namespace stackdr::text
