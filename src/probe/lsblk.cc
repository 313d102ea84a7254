#include "probe/lsblk.h"

#include <fmt/format.h>

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

// `lsblk -J` read as a stream of JSON events into BlockDevices directly. A host with thousands
// of iSCSI disks prints a document of megabytes; building nlohmann's tree of it first and
// walking that was a fifth of a 1,000-array sweep's observation.
//
// The shape it accepts is lsblk's: {"blockdevices": [device...]}, each device an object whose
// "children" (null or absent for none) is a list of devices. A scalar field that is a number
// or boolean (lsblk -b prints SIZE as a number) is kept as its JSON text; a field that is an
// object or list, a device that is not an object, or children nested deeper than kMaxDepth
// is "not the shape lsblk --json writes", an error, never a guess. Keys it does not know are
// skipped whatever they hold.
class LsblkJsonReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit LsblkJsonReader(LsblkFacts& out) : out_(out) {}

  bool shape_error() const { return !shape_.empty(); }
  const std::string& shape() const { return shape_; }
  bool saw_list() const { return saw_list_; }

  bool null() override { return scalar(std::nullopt); }
  bool boolean(bool v) override { return scalar(std::string(v ? "true" : "false")); }
  bool number_integer(number_integer_t v) override { return scalar(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(std::to_string(v)); }
  bool number_float(number_float_t v, const string_t&) override {
    return scalar(json_text(nlohmann::json(v)));
  }
  bool string(string_t& v) override { return scalar(std::move(v)); }
  bool binary(binary_t&) override { return fail("a binary value"); }

  bool start_object(std::size_t) override {
    if (skipping()) return ++skip_, true;
    if (frames_.empty()) return push(Frame::kRoot, nullptr, nullptr, 0);
    Frame& f = frames_.back();
    if (f.kind == Frame::kList) {
      if (f.depth > kMaxDepth) return fail(fmt::format("children nested more than {} deep", kMaxDepth));
      f.list->emplace_back();
      return push(Frame::kDevice, nullptr, &f.list->back(), f.depth);
    }
    // Skipped: the root's other keys ("blockdevices": {} is found missing at the end), a
    // device's keys it does not know, an object in "mountpoints" (lsblk lists strings).
    if (f.kind != Frame::kDevice || !known(key_)) return ++skip_, true;
    return fail(field_what() + " is an object");
  }

  bool end_object() override {
    if (skipping()) return --skip_, true;
    if (frames_.back().kind == Frame::kDevice) finish(frames_.back());
    frames_.pop_back();
    return true;
  }

  bool start_array(std::size_t) override {
    if (skipping()) return ++skip_, true;
    if (frames_.empty()) return fail("the document is a list");
    Frame& f = frames_.back();
    if (f.kind == Frame::kRoot) {
      if (key_ != "blockdevices") return ++skip_, true;
      saw_list_ = true;
      out_.blockdevices.clear();  // a repeated key: the last one counts, as a JSON reader's would
      return push(Frame::kList, &out_.blockdevices, nullptr, 0);
    }
    if (f.kind == Frame::kList) return fail("a device that is not an object");
    if (f.kind == Frame::kMountpoints) return ++skip_, true;
    // A device's field.
    if (key_ == "children") {
      f.device->children.clear();
      return push(Frame::kList, &f.device->children, nullptr, f.depth + 1);
    }
    if (key_ == "mountpoints") {
      f.mountpoints_seen = false;
      f.first_mountpoint.reset();
      return push(Frame::kMountpoints, nullptr, f.device, f.depth);
    }
    if (!known(key_)) return ++skip_, true;
    return fail(field_what() + " is a list");
  }

  bool end_array() override {
    if (skipping()) return --skip_, true;
    frames_.pop_back();
    return true;
  }

  bool key(string_t& k) override {
    if (!skipping()) key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Frame {
    enum Kind { kRoot, kList, kDevice, kMountpoints } kind = kRoot;
    std::vector<BlockDevice>* list = nullptr;  // kList: where its devices go
    BlockDevice* device = nullptr;             // kDevice, kMountpoints: the device being read
    int depth = 0;                             // 0: a top-level device
    // kDevice: the first entry of its "mountpoints", when that entry is a string.
    bool mountpoints_seen = false;
    std::optional<std::string> first_mountpoint;
  };

  bool push(Frame::Kind kind, std::vector<BlockDevice>* list, BlockDevice* device, int depth) {
    Frame f;
    f.kind = kind;
    f.list = list;
    f.device = device;
    f.depth = depth;
    frames_.push_back(std::move(f));
    return true;
  }
  bool skipping() const { return skip_ > 0; }
  bool fail(std::string what) {
    shape_ = std::move(what);
    return false;
  }
  static bool known(const std::string& k) {
    return k == "name" || k == "kname" || k == "type" || k == "size" || k == "mountpoint" || k == "serial" ||
           k == "wwn" || k == "fstype" || k == "children" || k == "mountpoints";
  }
  std::string field_what() const { return "\"" + key_ + "\""; }

  bool scalar(std::optional<std::string> v) {
    if (skipping()) return true;
    if (frames_.empty()) return fail("the document is not an object");
    Frame& f = frames_.back();
    switch (f.kind) {
      case Frame::kRoot:
        return true;  // another top-level key ("blockdevices": null is found missing at the end)
      case Frame::kList:
        return fail("a device that is not an object");
      case Frame::kMountpoints: {
        Frame& dev = frames_[frames_.size() - 2];
        if (!dev.mountpoints_seen) dev.first_mountpoint = std::move(v);
        dev.mountpoints_seen = true;
        return true;
      }
      case Frame::kDevice:
        break;
    }
    BlockDevice& d = *f.device;
    if (key_ == "name")
      d.name = v.value_or("");
    else if (key_ == "kname")
      d.kname = v.value_or("");
    else if (key_ == "type")
      d.type = v.value_or("");
    else if (key_ == "size")
      d.size = v.value_or("");
    else if (key_ == "mountpoint")
      d.mountpoint = std::move(v);
    else if (key_ == "serial")
      d.serial = std::move(v);
    else if (key_ == "wwn")
      d.wwn = std::move(v);
    else if (key_ == "fstype")
      d.fstype = std::move(v);
    else if (key_ == "children" && v)
      return fail("\"children\" is not a list");
    return true;
  }

  // A device's object has ended: NAME falls back to KNAME, MOUNTPOINT to the first of
  // MOUNTPOINTS (util-linux 2.37 and later print the list).
  void finish(Frame& f) {
    BlockDevice& d = *f.device;
    if (d.name.empty()) d.name = d.kname;
    if (!d.mountpoint && f.first_mountpoint) d.mountpoint = std::move(f.first_mountpoint);
  }

  LsblkFacts& out_;
  std::vector<Frame> frames_;
  std::string key_;  // the last key read in the innermost object
  int skip_ = 0;     // depth inside a value being skipped
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
    bool ok = nlohmann::json::sax_parse(t, &reader);
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
