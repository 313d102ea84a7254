#include "topology/name_rules.h"

#include <fmt/format.h>

#include <cctype>

#include "util/text.h"

namespace stackdr::name_rules {

namespace {

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

// What every name shares: not empty, UTF-8, no control characters, not an option.
std::optional<std::string> basic(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (!valid_utf8(s)) return "is not valid UTF-8";
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  if (s.front() == '-') return "starts with '-' (it would be read as an option)";
  return std::nullopt;
}

bool all_of(std::string_view s, std::string_view extra) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) return false;
  return true;
}

bool hex(std::string_view s) {
  return !s.empty() && all_of(s, "") &&
         s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

}  // namespace

std::optional<std::string> label(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (!all_of(s, "_.:-")) return "may hold only letters, digits, '_', '.', ':' and '-'";
  if (s.size() > 64) return "is longer than 64 characters";
  return std::nullopt;
}

std::optional<std::string> iscsi_name(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (s.size() > 223) return "is longer than 223 bytes (RFC 3720)";
  if (text::starts_with(s, "eui.")) {
    if (s.size() != 20 || !hex(s.substr(4))) return "an eui. name is 'eui.' and 16 hex digits (RFC 3720)";
    return std::nullopt;
  }
  if (text::starts_with(s, "naa.")) {
    auto h = s.substr(4);
    if ((h.size() != 16 && h.size() != 32) || !hex(h))
      return "an naa. name is 'naa.' and 16 or 32 hex digits";
    return std::nullopt;
  }
  if (!text::starts_with(s, "iqn.")) return "is not an iSCSI name (iqn.…, eui.… or naa.…)";
  // iqn.YYYY-MM.reversed.domain[:anything]: lower-case letters, digits, '.', '-', ':'.
  auto date = s.substr(4, 7);
  if (date.size() != 7 || date[4] != '-' || !text::to_int(date.substr(0, 4)) ||
      !text::to_int(date.substr(5, 2)) || s.size() < 13 || s[11] != '.')
    return "an iqn. name is iqn.YYYY-MM.reversed.domain[:identifier] (RFC 3720)";
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '.' || c == '-' || c == ':'))
      return "may hold only lower-case letters, digits, '.', '-' and ':' (RFC 3720; iSCSI names are lower "
             "case)";
  return std::nullopt;
}

std::optional<std::string> zfs_dataset(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (s.size() > 255) return "is longer than 255 bytes (ZFS's limit)";
  auto parts = text::split(s, '/');
  if (!std::isalpha(static_cast<unsigned char>(s.front()))) return "a pool name begins with a letter";
  for (auto p : parts) {
    if (p.empty()) return "has an empty component ('//' or a '/' at an end)";
    if (!all_of(p, "_.:-")) return "may hold only letters, digits, '_', '.', ':', '-' and '/' (ZFS)";
    if (p == "." || p == "..") return "has a '.' or '..' component";
  }
  return std::nullopt;
}

std::optional<std::string> dev_path(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (!text::starts_with(s, "/dev/") || s.size() == 5) return "must be a device path under /dev/";
  if (!all_of(s, "_.:/+@=,-")) return "may hold only letters, digits and _ . : / + @ = , -";
  if (text::contains(s, "/../") || text::ends_with(s, "/..") || text::contains(s, "//"))
    return "must not contain '..' or '//'";
  return std::nullopt;
}

std::optional<std::string> mountpoint(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (s.front() != '/') return "must be an absolute path";
  for (char c : s)
    if (c == ' ' || c == '\t')
      return "contains whitespace (/proc/mounts escapes it as \\040; not supported: mount it under a plain "
             "name)";
  if (text::contains(s, "/../") || text::ends_with(s, "/..")) return "must not contain '..'";
  return std::nullopt;
}

std::optional<std::string> domain_name(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (text::contains(s, "/")) return "contains '/' (libvirt refuses it)";
  if (!all_of(s, "_.:+-")) return "may hold only letters, digits, '_', '.', ':', '+' and '-'";
  return std::nullopt;
}

std::optional<std::string> disk_id(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (!all_of(s, "_.:+@=,-"))
    return "may hold only letters, digits and _ . : + @ = , - (a /dev/disk/by-id name)";
  return std::nullopt;
}

std::optional<std::string> unit_name(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (!all_of(s, "_.:@-"))
    return "may hold only letters, digits, '_', '.', ':', '@' and '-' (a systemd unit)";
  return std::nullopt;
}

std::optional<std::string> address(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (!all_of(s, "_.:-[]%")) return "is not a host name or an IP address";
  return std::nullopt;
}

std::optional<std::string> portal(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return "must be IP:PORT, e.g. 192.168.125.116:3260";
  auto host = s.substr(0, colon);
  auto port = text::to_int(s.substr(colon + 1));
  if (host.empty()) return "has no address before ':PORT'";
  if (auto e = address(host)) return fmt::format("address {}", *e);
  if (!port || *port < 1 || *port > 65535) return "has a port that is not 1–65535";
  return std::nullopt;
}

std::optional<std::string> user_name(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (s.size() > 32) return "is longer than 32 characters";
  if (!all_of(s, "_.-")) return "may hold only letters, digits, '_', '.' and '-' (a login name)";
  return std::nullopt;
}

std::optional<std::string> local_path(std::string_view s) {
  if (auto e = basic(s)) return e;
  if (s.front() != '/') return "must be an absolute path";
  return std::nullopt;
}

// What stackdr sets itself (the multiplexed connection, no prompts) cannot be overridden, and
// nothing may make ssh accept an unknown or changed host key without a word.
std::optional<std::string> ssh_option(std::string_view s) {
  if (auto e = basic(s)) return e;
  size_t eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == s.size())
    return "must be Key=Value, as ssh -o takes it (e.g. ConnectTimeout=5)";
  std::string key = text::lower(s.substr(0, eq));
  std::string value = text::lower(s.substr(eq + 1));
  if (!all_of(s.substr(0, eq), "")) return "has a key that is not a single word";
  for (const char* own : {"controlmaster", "controlpath", "controlpersist", "batchmode"})
    if (key == own) return "is set by stackdr itself (one multiplexed connection, never a prompt)";
  if (key == "stricthostkeychecking" && value != "yes")
    return "would accept an unknown or changed host key silently: add the key to known_hosts instead";
  if (key == "userknownhostsfile" && value == "/dev/null")
    return "would accept any host key silently: name a known_hosts file instead";
  return std::nullopt;
}

}  // namespace stackdr::name_rules
