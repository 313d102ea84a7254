#include "watch/watch_settings.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/local_host.h"
#include "model/cause.h"
#include "util/bounded_file.h"
#include "util/text.h"
#include "watch/http_endpoint.h"

namespace stackdr {

namespace {

// Where `name` would be found by the alert sender (its own PATH), or "" when nowhere.
std::string find_program(const std::string& name) {
  namespace fs = std::filesystem;
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  for (auto dir : text::split(LocalHost::kDefaultPath, ':')) {
    std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p)) return p;
  }
  return "";
}

}  // namespace

Result<WatchSettings> resolve_watch_settings(const WatchOverrides& c, const WatchConfig& t) {
  WatchSettings s;
  auto pick = [](auto& into, const auto& cli, const auto& topo, const auto& unset) {
    if (cli != unset)
      into = cli;
    else if (topo != unset)
      into = topo;
  };
  pick(s.listen, c.listen, t.listen, std::string());
  pick(s.webhook, c.webhook, t.webhook, std::string());
  pick(s.mail_to, c.mail_to, t.mail, std::string());
  pick(s.exec, c.exec, t.exec, std::vector<std::string>());
  pick(s.interval, c.interval, t.interval, 0);
  pick(s.remind, c.remind, t.remind, 0);
  pick(s.resolve_after, c.resolve_after, t.resolve_after, -1);
  pick(s.auto_recover, c.auto_recover, t.auto_recover, std::string());
  s.auto_recover_causes = t.auto_recover_causes;
  if (s.interval < 1) return Error{"--interval must be at least 1 second"};
  if (s.remind < 1) return Error{"--remind must be at least 1 second"};
  if (s.resolve_after < 0) return Error{"--resolve-after cannot be negative"};
  for (const auto& [cause, policy] : s.auto_recover_causes)
    if (!cause_from_name(cause) || cause.empty())
      return Error{
          fmt::format("watch.auto_recover_causes: unknown cause '{}' (the causes are those `stackdr lab "
                      "faults` and `diagnose` name, e.g. session-down)",
                      cause)};
  return s;
}

Result<bool> check_receivers(const WatchSettings& o) {
  if (!o.mail_to.empty() && find_program("sendmail").empty())
    return Error{fmt::format(
        "--mail {}: no sendmail in {}; alerts would never be mailed. Install a mail transfer agent (Debian: "
        "apt-get install msmtp-mta, or postfix), or leave --mail out",
        o.mail_to, LocalHost::kDefaultPath)};
  if (!o.exec.empty() && find_program(o.exec[0]).empty())
    return Error{
        fmt::format("--exec {}: {}; give the hook's full path (it runs with PATH={})", o.exec[0],
                    o.exec[0].find('/') == std::string::npos ? "not found in PATH" : "no such executable",
                    LocalHost::kDefaultPath)};
  return true;
}

Result<std::string> listener_token(const std::string& listen, const std::string& token_file, bool insecure) {
  std::string addr;
  int port = 0;
  if (!split_listen(listen, addr, port))
    return Error{fmt::format("--listen {}: expected ADDRESS:PORT, such as 127.0.0.1:9470", listen)};
  if (token_file.empty()) {
    if (is_loopback_address(addr) || insecure) return std::string();
    return Error{fmt::format(
        "--listen {}: not a loopback address, so anyone who reaches it could read the stack's state (and, on "
        "the simulated stack, inject faults). Give --token-file FILE (clients send Authorization: Bearer "
        "TOKEN; Prometheus: authorization.credentials_file), or --listen-insecure if you mean it",
        listen)};
  }
  struct stat st {};
  if (::stat(token_file.c_str(), &st) != 0)
    return Error{fmt::format("--token-file {}: {}", token_file, std::strerror(errno))};
  if (st.st_mode & S_IROTH)
    return Error{fmt::format("--token-file {}: readable by everyone (mode {:o}); chmod o-r {} first",
                             token_file, st.st_mode & 07777, token_file)};
  auto text = read_bounded_file(token_file, 4096);
  if (!text) return Error{"--token-file " + text.error().message};
  std::string token(text::trim(*text));
  if (token.size() < 16)
    return Error{
        fmt::format("--token-file {}: the token is {} characters; use at least 16 (e.g. openssl rand "
                    "-hex 32)",
                    token_file, token.size())};
  return token;
}

Result<HttpEndpoint::Tls> listener_tls(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() && key_file.empty()) return HttpEndpoint::Tls{};
  if (cert_file.empty() || key_file.empty())
    return Error{"--tls-cert and --tls-key go together: give both (or neither, for plain HTTP)"};
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0)
    return Error{fmt::format("--tls-key {}: {}", key_file, std::strerror(errno))};
  if (st.st_mode & S_IROTH)
    return Error{fmt::format("--tls-key {}: readable by everyone (mode {:o}); chmod o-r {} first", key_file,
                             st.st_mode & 07777, key_file)};
  auto cert = read_bounded_file(cert_file, 1 << 20);
  if (!cert) return Error{"--tls-cert " + cert.error().message};
  auto key = read_bounded_file(key_file, 1 << 20);
  if (!key) return Error{"--tls-key " + key.error().message};
  if (cert->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error{
        fmt::format("--tls-cert {}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)", cert_file)};
  if (key->find("PRIVATE KEY-----") == std::string::npos)
    return Error{
        fmt::format("--tls-key {}: no PEM private key in it (-----BEGIN … PRIVATE KEY-----)", key_file)};
  return HttpEndpoint::Tls{*cert, *key};
}

}  // namespace stackdr
