#pragma once
/// runbook_url: where an alert's reader finds the runbook's own words for a finding — the
/// scenario and step heading in the copy of the runbook the package installs
/// (/usr/share/doc/stackdr/runbook.md), as a file:// URL with the heading's anchor (the
/// GitHub-style slug a Markdown viewer gives it).

#include <string>
#include <string_view>

namespace stackdr {

inline constexpr std::string_view kRunbookInstalled = "/usr/share/doc/stackdr/runbook.md";

/// The runbook the package installs, compiled in at build time ("" if it was not there).
std::string_view runbook_text();

/// A finding's runbook reference ("Scenario 1, Step 2: reconnect on KVM host") → the URL of
/// that step's heading, else its scenario's, else the runbook itself.
std::string runbook_url(int scenario, std::string_view reference, std::string_view runbook = runbook_text());

/// The anchor a Markdown viewer gives a heading ("Step 2: Reconnect on KVM Host" →
/// "step-2-reconnect-on-kvm-host").
std::string heading_slug(std::string_view heading);

}  // namespace stackdr
