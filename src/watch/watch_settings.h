#pragma once
/// What the daemon runs with: the command line over the topology's `watch:` section over the
/// defaults, checked before anything starts (a receiver that could never deliver, a listener off
/// loopback without a token, are errors at start, not surprises at the first alert).

#include <map>
#include <string>
#include <vector>

#include "topology/topology.h"
#include "util/result.h"
#include "watch/http_endpoint.h"

namespace stackdr {

/// The command line's values; an unset one (empty, 0, -1) leaves the topology's or the default.
struct WatchOverrides {
  std::string listen, webhook, mail_to;
  std::vector<std::string> exec;
  int interval = 0, remind = 0, resolve_after = -1;
  std::string auto_recover;
};

/// The daemon's settings as resolved.
struct WatchSettings {
  std::string listen = "127.0.0.1:9470", webhook, mail_to;
  std::vector<std::string> exec;
  int interval = 60, remind = 3600, resolve_after = 120;
  // Off until the admin says otherwise (--auto-recover, or watch.auto_recover in the
  // topology): a daemon first started on a stack must not change it unasked.
  std::string auto_recover = "off";
  std::map<std::string, std::string> auto_recover_causes;  // by cause name

  const std::string& policy_for(const std::string& cause) const {
    auto it = auto_recover_causes.find(cause);
    return it == auto_recover_causes.end() ? auto_recover : it->second;
  }
};

/// `c` over `t` over the defaults; an error names the setting and what it must be.
Result<WatchSettings> resolve_watch_settings(const WatchOverrides& c, const WatchConfig& t);

/// Each receiver can deliver from here: sendmail for mail, the hook's program for exec.
Result<bool> check_receivers(const WatchSettings& s);

/// The listener's token: none on loopback; elsewhere the one in `token_file` (a file nobody but
/// its owner and group may read, 16 characters at least), or none only when `insecure` says so.
Result<std::string> listener_token(const std::string& listen, const std::string& token_file, bool insecure);
/// HTTPS from --tls-cert and --tls-key (PEM files; the key not world-readable): both or
/// neither (an empty Tls: plain HTTP).
Result<HttpEndpoint::Tls> listener_tls(const std::string& cert_file, const std::string& key_file);

}  // namespace stackdr
