#include "operate/maintenance_records.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/bounded_file.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace fs = std::filesystem;

namespace {

constexpr size_t kKeptSamples = 400;
constexpr size_t kRecordMaxBytes = 8u << 20;

Result<bool> replace_file(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f.flush()) return Error{fmt::format("{}: cannot write: {}", tmp.string(), std::strerror(errno))};
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error{fmt::format("{}: cannot replace: {}", path.string(), ec.message())};
  return true;
}

}  // namespace

Result<bool> keep_log_review(const std::string& dir, const LogReview& r) {
  return replace_file(fs::path(dir) / "log-review.json", json_text(log_review_json(r), 2) + "\n");
}

std::optional<nlohmann::json> last_log_review(const std::string& dir) {
  auto text = read_bounded_file((fs::path(dir) / "log-review.json").string(), kRecordMaxBytes);
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("groups")) return std::nullopt;
  return j;
}

std::vector<ArcSample> arc_samples(const std::string& dir) {
  std::vector<ArcSample> out;
  auto text = read_bounded_file((fs::path(dir) / "arc-samples.jsonl").string(), kRecordMaxBytes);
  if (!text) return out;
  for (auto line : text::lines(*text))
    if (auto s = arc_sample_from_json(nlohmann::json::parse(line, nullptr, false))) out.push_back(*s);
  return out;
}

Result<bool> keep_arc_sample(const std::string& dir, const ArcSample& s) {
  std::vector<ArcSample> all = arc_samples(dir);
  all.push_back(s);
  if (all.size() > kKeptSamples) all.erase(all.begin(), all.end() - kKeptSamples);
  std::string content;
  for (const auto& x : all) content += json_text(arc_sample_json(x)) + "\n";
  return replace_file(fs::path(dir) / "arc-samples.jsonl", content);
}

}  // namespace stackdr
