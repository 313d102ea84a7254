#pragma once
/// What the light maintenance tasks keep in the state folder, beside the journal's one-line
/// outcome, for the next run and for /metrics: the last log review (log-review.json) and the
/// ARC samples (arc-samples.jsonl, the newest 400). Written to a temporary file and renamed, so
/// a reader sees the old record or the new one.

#include <optional>
#include <string>
#include <vector>

#include "operate/arc_sample.h"
#include "operate/log_review.h"
#include "util/result.h"

namespace stackdr {

Result<bool> keep_log_review(const std::string& state_dir, const LogReview& r);
/// The last review as log_review_json wrote it; nullopt when there is none (or it is damaged).
std::optional<nlohmann::json> last_log_review(const std::string& state_dir);

Result<bool> keep_arc_sample(const std::string& state_dir, const ArcSample& s);
/// The kept samples, oldest first; a damaged line is skipped.
std::vector<ArcSample> arc_samples(const std::string& state_dir);

}  // namespace stackdr
