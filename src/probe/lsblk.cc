#include "probe/lsblk.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

const BlockDevice* find_in(const std::vector<BlockDevice>& v, std::string_view name) {
  for (const auto& d : v) {
    if (d.name == name) return &d;
    if (auto* c = find_in(d.children, name)) return c;
  }
  return nullptr;
}

// lsblk's trees are a few levels deep (disk, partition, md, LVM); deeper input is hostile or
// broken, and following it would recurse without bound.
constexpr int kMaxDepth = 32;

// `lsblk -J` read with simdjson into BlockDevices. A host with thousands of iSCSI disks prints a
// document of megabytes: a tree of it (nlohmann) was a fifth of a 1,000-array sweep's
// observation, and nlohmann's SAX lexer, which copies every byte into its token buffer, still a
// fifth of the whole sweep. simdjson's DOM parser checks every byte of the document (a broken
// value anywhere, even under a key stackdr does not read, is "invalid JSON"), then the tree is
// walked here.
//
// The shape it accepts is lsblk's: {"blockdevices": [device...]}, each device an object whose
// "children" (null or absent for none) is a list of devices. A scalar field that is a number
// or boolean (lsblk -b prints SIZE as a number) is kept as its JSON text; a field that is an
// object or list, a device that is not an object, or children nested deeper than kMaxDepth
// is "not the shape lsblk --json writes", an error, never a guess. Keys it does not know are
// skipped whatever they hold.
class LsblkJsonReader {
 public:
  explicit LsblkJsonReader(LsblkFacts& out) : out_(out) {}

  // Reads the document; false when it is not JSON or not lsblk's shape (shape() says which).
  bool read(std::string_view text) {
    simdjson::padded_string padded(text);
    simdjson::dom::element doc;
    simdjson::dom::object root;
    if (parser_.parse(padded).get(doc) || doc.get_object().get(root)) return false;
    for (auto [key, v] : root) {
      simdjson::dom::array list;
      // Another top-level key, or "blockdevices" that is not a list (found missing at the end).
      if (key != "blockdevices" || v.get_array().get(list)) continue;
      saw_list_ = true;
      out_.blockdevices.clear();  // a repeated key: the last one counts, as a JSON reader's would
      if (!devices(list, out_.blockdevices, 0)) return false;
    }
    return true;
  }

  bool shape_error() const { return !shape_.empty(); }
  const std::string& shape() const { return shape_; }
  bool saw_list() const { return saw_list_; }

 private:
  using Type = simdjson::dom::element_type;

  bool fail(std::string what) {
    shape_ = std::move(what);
    return false;
  }
  static std::string quoted(std::string_view key) { return "\"" + std::string(key) + "\""; }
  static bool known(std::string_view k) {
    return k == "name" || k == "kname" || k == "type" || k == "size" || k == "mountpoint" || k == "serial" ||
           k == "wwn" || k == "fstype" || k == "children" || k == "mountpoints";
  }

  bool devices(simdjson::dom::array list, std::vector<BlockDevice>& into, int depth) {
    for (simdjson::dom::element v : list) {
      simdjson::dom::object o;
      if (v.get_object().get(o)) return fail("a device that is not an object");
      if (depth > kMaxDepth) return fail(fmt::format("children nested more than {} deep", kMaxDepth));
      into.emplace_back();
      if (!device(o, into.back(), depth)) return false;
    }
    return true;
  }

  // A scalar as lsblk's field holds it: a string's text, a number's or boolean's JSON text, or
  // nothing for null. False when the value is an object or a list.
  static bool scalar(simdjson::dom::element v, std::optional<std::string>& out) {
    out.reset();
    switch (v.type()) {
      case Type::NULL_VALUE:
        return true;
      case Type::STRING:
        out = std::string(v.get_string().value_unsafe());
        return true;
      case Type::INT64:
        out = std::to_string(v.get_int64().value_unsafe());
        return true;
      case Type::UINT64:
        out = std::to_string(v.get_uint64().value_unsafe());
        return true;
      case Type::DOUBLE:
        out = json_text(nlohmann::json(v.get_double().value_unsafe()));
        return true;
      case Type::BOOL:
        out = v.get_bool().value_unsafe() ? "true" : "false";
        return true;
      case Type::ARRAY:
      case Type::OBJECT:
        break;
    }
    return false;
  }

  bool device(simdjson::dom::object o, BlockDevice& d, int depth) {
    std::optional<std::optional<std::string>> first_mountpoint;  // of "mountpoints", once seen
    for (auto [key, v] : o) {
      if (!known(key)) continue;  // skipped whatever it holds
      if (key == "children") {
        simdjson::dom::array list;
        if (v.is_null()) continue;
        if (v.is_object()) return fail(quoted(key) + " is an object");
        if (v.get_array().get(list)) return fail("\"children\" is not a list");
        d.children.clear();
        if (!devices(list, d.children, depth + 1)) return false;
        continue;
      }
      if (simdjson::dom::array list; key == "mountpoints" && !v.get_array().get(list)) {
        first_mountpoint.reset();
        for (simdjson::dom::element e : list) {
          std::optional<std::string> m;
          if (!first_mountpoint && scalar(e, m)) first_mountpoint = std::move(m);  // objects, lists: skipped
        }
        continue;
      }
      std::optional<std::string> value;
      if (!scalar(v, value)) return fail(quoted(key) + (v.is_object() ? " is an object" : " is a list"));
      if (key == "name")
        d.name = value.value_or("");
      else if (key == "kname")
        d.kname = value.value_or("");
      else if (key == "type")
        d.type = value.value_or("");
      else if (key == "size")
        d.size = value.value_or("");
      else if (key == "mountpoint")
        d.mountpoint = std::move(value);
      else if (key == "serial")
        d.serial = std::move(value);
      else if (key == "wwn")
        d.wwn = std::move(value);
      else if (key == "fstype")
        d.fstype = std::move(value);
      // "mountpoints": null or a scalar says nothing.
    }
    // NAME falls back to KNAME, MOUNTPOINT to the first of MOUNTPOINTS (util-linux 2.37 and
    // later print the list).
    if (d.name.empty()) d.name = d.kname;
    if (!d.mountpoint && first_mountpoint) d.mountpoint = std::move(*first_mountpoint);
    return true;
  }

  LsblkFacts& out_;
  simdjson::dom::parser parser_;
  std::string shape_;
  bool saw_list_ = false;
};

void set_column(BlockDevice& d, std::string_view key, std::string value) {
  std::optional<std::string> v = value.empty() ? std::nullopt : std::optional<std::string>(value);
  if (key == "NAME")
    d.name = value;
  else if (key == "KNAME")
    d.kname = value;
  else if (key == "TYPE")
    d.type = value;
  else if (key == "SIZE")
    d.size = value;
  else if (key == "MOUNTPOINT")
    d.mountpoint = v;
  else if (key == "SERIAL")
    d.serial = v;
  else if (key == "WWN")
    d.wwn = v;
  else if (key == "FSTYPE")
    d.fstype = v;
}

// NAME="sda" TYPE="disk" FSTYPE="": flat, one device per line.
Result<LsblkFacts> parse_pairs(std::string_view input, std::string_view source) {
  LsblkFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = text::trim(lines[i]);
    if (l.empty()) continue;
    BlockDevice d;
    size_t p = 0;
    while (p < l.size()) {
      size_t eq = l.find("=\"", p);
      if (eq == std::string_view::npos)
        return parse_error(source, static_cast<int>(i + 1), "expected KEY=\"value\" pairs");
      size_t close = l.find('"', eq + 2);
      if (close == std::string_view::npos)
        return parse_error(source, static_cast<int>(i + 1), "unterminated quoted value (truncated?)");
      set_column(d, text::trim(l.substr(p, eq - p)), std::string(l.substr(eq + 2, close - eq - 2)));
      p = close + 1;
      while (p < l.size() && l[p] == ' ') ++p;
    }
    if (d.name.empty()) d.name = d.kname;  // -o KNAME,... without NAME
    f.blockdevices.push_back(std::move(d));
  }
  return f;
}

// The default table: a header, then rows whose NAME carries tree glyphs ("|-", "`-", "├─", "└─").
Result<LsblkFacts> parse_table(std::string_view input, std::string_view source) {
  LsblkFacts f;
  auto lines = text::lines(input);
  if (lines.empty()) return parse_error(source, 0, "empty output");
  auto header = text::fields(lines[0]);
  if (header.empty() || header[0] != "NAME")
    return parse_error(source, 1, "expected a header starting with NAME");
  std::vector<size_t> starts;  // column starts from the header (right-aligned columns end there)
  for (auto h : header) starts.push_back(static_cast<size_t>(h.data() - lines[0].data()));
  std::vector<std::pair<size_t, std::vector<BlockDevice>*>> stack{{0, &f.blockdevices}};
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (text::trim(l).empty()) continue;
    // Depth = where the name starts after tree glyphs.
    size_t name_at = 0;
    while (name_at < l.size() && std::string_view("|`- ").find(l[name_at]) != std::string_view::npos)
      ++name_at;
    while (name_at < l.size() && static_cast<unsigned char>(l[name_at]) >= 0x80) ++name_at;  // UTF-8 glyphs
    auto words = text::fields(l.substr(name_at));
    std::vector<std::string_view> vals(words.begin(), words.end());
    // util-linux before 2.27 prints a device-mapper row as "mpathb (dm-2)": one name column in
    // two words. Read the kernel name from it instead of shifting every later column.
    std::string dm_kname;
    if (vals.size() > 1 && vals[1].size() > 2 && vals[1].front() == '(' && vals[1].back() == ')') {
      dm_kname = std::string(vals[1].substr(1, vals[1].size() - 2));
      vals.erase(vals.begin() + 1);
    }
    if (vals.size() + 1 < header.size()) {
      // A missing trailing column (empty MOUNTPOINT) is normal; anything shorter is not.
      if (vals.size() < 2) return parse_error(source, static_cast<int>(i + 1), "row has too few columns");
    }
    BlockDevice d;
    for (size_t c = 0; c < header.size() && c < vals.size(); ++c)
      set_column(d, header[c], std::string(vals[c]));
    if (!dm_kname.empty()) d.kname = dm_kname;
    if (d.name.empty()) d.name = d.kname;
    while (stack.size() > 1 && stack.back().first >= name_at) stack.pop_back();
    stack.back().second->push_back(std::move(d));
    stack.push_back({name_at, &stack.back().second->back().children});
  }
  return f;
}

void device_json(nlohmann::json& j, const BlockDevice& d) {
  auto opt = [](const std::optional<std::string>& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json{{"name", d.name},
                     {"kname", d.kname},
                     {"type", d.type},
                     {"size", d.size},
                     {"mountpoint", opt(d.mountpoint)},
                     {"serial", opt(d.serial)},
                     {"wwn", opt(d.wwn)}};
  if (d.fstype) j["fstype"] = *d.fstype;
  j["children"] = nlohmann::json::array();
  for (const auto& c : d.children) {
    nlohmann::json jc;
    device_json(jc, c);
    j["children"].push_back(jc);
  }
}

}  // namespace

const BlockDevice* LsblkFacts::find(std::string_view name) const {
  return find_in(blockdevices, name);
}

Result<LsblkFacts> parse_lsblk(std::string_view input, std::string_view source) {
  std::string_view t = text::trim(input);
  if (t.empty()) return parse_error(source, 0, "empty output");
  if (t.front() == '{') {
    LsblkFacts f;
    LsblkJsonReader reader(f);
    bool ok = reader.read(t);
    if (reader.shape_error())
      return parse_error(source, 0, fmt::format("not the shape lsblk --json writes: {}", reader.shape()));
    if (!ok) return parse_error(source, 0, "invalid JSON (truncated?)");
    if (!reader.saw_list()) return parse_error(source, 0, "no 'blockdevices' array");
    return f;
  }
  if (text::contains(text::lines(t)[0], "=\"")) return parse_pairs(t, source);
  return parse_table(input, source);
}

void to_json(nlohmann::json& j, const LsblkFacts& f) {
  j = nlohmann::json::object();
  j["blockdevices"] = nlohmann::json::array();
  for (const auto& d : f.blockdevices) {
    nlohmann::json jd;
    device_json(jd, d);
    j["blockdevices"].push_back(jd);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
