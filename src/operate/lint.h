#pragma once
/// lint: the stack's settings checked against what this runbook's stack needs to survive a
/// failure quickly — open-iscsi's timers and startup against md's expectations, md's bitmap and
/// mdadm.conf, LIO's saved configuration and unit, ZFS properties. Each finding says what was
/// read (evidence), why it matters (with the lab's measured figure where there is one), and the
/// fix; the safe fixes come as steps `stackdr lint --fix` runs through the step engine.
/// A setting whose source could not be read is listed as unread, never as a finding.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "recover/step.h"
#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr {

enum class LintSeverity { kInfo, kWarning };
const char* lint_severity_name(LintSeverity s);  // info warning

struct LintFinding {
  std::string id;  // "iscsi.replacement-timeout"
  LintSeverity severity = LintSeverity::kWarning;
  std::string host;
  std::string subject;      // what the setting belongs to: "node iqn...:test01 at 10.0.0.1:3260"
  std::string evidence;     // what was read, and from where
  std::string why;          // what it costs, with the measured figure where there is one
  std::string fix;          // what to do, in words or as a command
  std::vector<Step> steps;  // what `lint --fix` runs; empty: no fix stackdr applies by itself
  /// For settings whose right value depends on what the LUN is: the role assumed and why
  /// ("mirrored: member 2 of md1 …", "not mirrored: …"); "" for the others.
  std::string role = {};
};

struct LintReport {
  std::vector<LintFinding> findings;
  std::vector<std::string> unread;  // settings not checked because their source was not read
  bool any_warning() const;
};

/// Checks the settings a View read with ObserveOptions::settings.
LintReport lint(const Topology& t, const View& v);
/// The fixes of a report, as one plan (what `lint --fix` runs).
Plan lint_fix_plan(const LintReport& r);

nlohmann::json lint_json(const LintReport& r);

/// The settings these checks recommend (one place, so the checks, their fixes and the README
/// agree).
namespace lint_recommended {
inline constexpr int kReplacementTimeout = 5;  // s
inline constexpr int kNoopInterval = 2, kNoopTimeout = 2;
inline constexpr int kReplacementTimeoutMax = 15;  // above this, a lost leg stalls writes for long
/// A LUN nothing mirrors (a VM's boot disk, a lone data disk) must ride out a network blip: its
/// I/O waits this long (open-iscsi's default) for the session to come back, or queues (< 0).
inline constexpr int kLoneReplacementTimeoutMin = 120;
}  // namespace lint_recommended

}  // namespace stackdr
