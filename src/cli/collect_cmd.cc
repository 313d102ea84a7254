#include "cli/collect_cmd.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/exit_codes.h"
#include "host/bundle.h"
#include "host/local_host.h"
#include "host/private_dir.h"
#include "recover/stack_hints.h"
#include "recover/status_json.h"
#include "recover/view.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace fs = std::filesystem;

namespace {

std::string stamp() {
  return text::format_utc(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()),
                          "%Y%m%d-%H%M%S");
}

}  // namespace

int cmd_collect(const ContextOptions& o, const std::string& out_arg, bool json) {
  auto ctx = StackContext::open(o);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  std::string name = "stackdr-bundle-" + stamp();
  std::string out = out_arg.empty() ? name + ".tar.gz" : out_arg;
  std::error_code ec;
  if (fs::exists(out, ec))
    return fail(kExitUsage, fmt::format("{}: already exists; give another --out", out));
  auto parent = PrivateDir::make("stackdr-collect");  // removed when collect ends
  if (!parent) return fail(kExitIo, parent.error().message);

  BundleWriter bundle(fs::path((*parent)->path()) / name);
  const Topology& t = (*ctx)->topology();
  {
    std::ofstream out(bundle.dir() / "topology.yaml", std::ios::binary | std::ios::trunc);
    out << (*ctx)->topology_text();
    out.close();
    if (!out) return fail(kExitIo, fmt::format("{}: cannot write it into the bundle", t.source));
  }
  (*ctx)->record_into(bundle);
  auto t0 = std::chrono::steady_clock::now();
  View v = make_view(t, (*ctx)->observe());
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : t.hosts)
    hosts.push_back({{"name", h.name}, {"transport", transport_name(h.transport)}, {"address", h.address}});
  // The live sweep's view, for whoever reads the bundle back: `status --from` must give it again.
  std::ofstream status_file(bundle.dir() / "status.json");
  status_file << json_text(status_json(v, (*ctx)->mode()), 2) << "\n";
  if (!status_file.flush())
    return fail(kExitIo, fmt::format("{}: cannot write status.json", bundle.dir().string()));
  auto done = bundle.finish({{"stackdr", "0.1.0"},
                             {"topology", t.source},
                             {"mode", (*ctx)->mode()},
                             {"hosts", hosts},
                             {"sweep_ms", std::round(ms)},
                             {"status", v.status}});
  if (!done) return fail(kExitIo, done.error().message);
  CommandResult r = LocalHost("local").run(
      {"tar", "-czf", fs::absolute(out).string(), "-C", (*parent)->path(), name}, std::chrono::seconds(300));
  if (!r.ok()) return fail(kExitIo, fmt::format("{}: tar failed: {}", out, std::string(text::trim(r.err))));
  std::string read_back = "stackdr status --from " + hint_word(fs::absolute(out).string());
  if (json)
    std::cout << json_text(nlohmann::json{{"bundle", fs::absolute(out).string()},
                                          {"reads", bundle.reads()},
                                          {"hosts", t.hosts.size()},
                                          {"ms", std::round(ms)},
                                          {"status", v.status},
                                          {"read_back", read_back}},
                           2)
              << "\n";
  else
    std::cout << fmt::format("{}: {} reads from {} hosts in {:.0f} ms (status {}); read it back with `{}`\n",
                             out, bundle.reads(), t.hosts.size(), ms, v.status, read_back);
  return 0;
}

}  // namespace stackdr
