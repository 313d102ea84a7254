#include "sim/practice_stack.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sim/faults.h"
#include "sim/sim_clock.h"
#include "sim/sim_host.h"
#include "sim/time_passes.h"
#include "util/bounded_file.h"
#include "util/json_text.h"

namespace stackdr::sim {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTapeFile = "tape.jsonl";

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string entry_line(const TapeEntry& e) {
  nlohmann::json j{{"kind", tape_kind_name(e.kind)}, {"at", e.at}};
  switch (e.kind) {
    case TapeEntry::Kind::kMade:
      j["source"] = e.source;
      j["pace_ms"] = e.pace_ms;
      break;
    case TapeEntry::Kind::kFault:
      j["fault"] = e.fault;
      break;
    case TapeEntry::Kind::kRepair:
      j["repair"] = e.fault;
      break;
    case TapeEntry::Kind::kCommand:
      j["host"] = e.host;
      j["argv"] = e.argv;
      if (e.token) j["token"] = e.token;
      break;
    case TapeEntry::Kind::kTime:
      j["seconds"] = e.seconds;
      break;
  }
  return json_text(j) + "\n";
}

// One tape line back into an entry; the message says what is wrong with it.
Result<TapeEntry> parse_entry(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"not a JSON object"};
  auto str = [&](const char* k) -> std::optional<std::string> {
    if (!j.contains(k) || !j[k].is_string()) return std::nullopt;
    return j[k].get<std::string>();
  };
  auto kind = str("kind");
  if (!kind) return Error{"no \"kind\""};
  TapeEntry e;
  if (j.contains("at") && j["at"].is_number()) e.at = j["at"].get<double>();
  if (*kind == "made") {
    e.kind = TapeEntry::Kind::kMade;
    e.source = str("source").value_or("");
    if (!j.contains("pace_ms") || !j["pace_ms"].is_number_integer()) return Error{"no \"pace_ms\""};
    e.pace_ms = j["pace_ms"].get<int>();
  } else if (*kind == "fault") {
    e.kind = TapeEntry::Kind::kFault;
    auto f = str("fault");
    if (!f) return Error{"a fault without its name"};
    e.fault = *f;
  } else if (*kind == "repair") {
    e.kind = TapeEntry::Kind::kRepair;
    auto f = str("repair");
    if (!f) return Error{"a repair without its name"};
    e.fault = *f;
  } else if (*kind == "command") {
    e.kind = TapeEntry::Kind::kCommand;
    auto h = str("host");
    if (!h || !j.contains("argv") || !j["argv"].is_array() || j["argv"].empty())
      return Error{"a command without its host or argv"};
    e.host = *h;
    for (const auto& a : j["argv"]) {
      if (!a.is_string()) return Error{"an argv word that is not a string"};
      e.argv.push_back(a.get<std::string>());
    }
    if (j.contains("token")) {
      if (!j["token"].is_number_integer() || j["token"].get<int64_t>() <= 0)
        return Error{"a fencing token that is not a positive whole number"};
      e.token = j["token"].get<int64_t>();
    }
  } else if (*kind == "time") {
    e.kind = TapeEntry::Kind::kTime;
    if (!j.contains("seconds") || !j["seconds"].is_number_integer() || j["seconds"].get<int64_t>() < 0)
      return Error{"time without a whole number of seconds"};
    e.seconds = j["seconds"].get<int64_t>();
  } else {
    return Error{fmt::format("unknown kind '{}'", *kind)};
  }
  return e;
}

void write_all(int fd, const std::string& data, const fs::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw std::runtime_error(fmt::format("{}: cannot record a change of the practice stack: {}",
                                           path.string(), std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

int open_tape(const fs::path& path, int extra_flags) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | extra_flags, 0644);
}

/// A host of the practice stack: the simulated host, with every command that changed the
/// stack written to the tape, and a step (run_tracked) paced in real time.
class PracticeHost : public Host {
 public:
  PracticeHost(PracticeStack& stack, const std::string& name) : stack_(stack), sim_(name, stack.state()) {}
  const std::string& name() const override { return sim_.name(); }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override {
    return perform(argv, timeout, false);
  }
  CommandResult run_tracked(const Argv& argv, std::chrono::milliseconds timeout,
                            const std::function<void(const ProcessId&)>&) override {
    return perform(argv, timeout, true);
  }
  // Checked as a machine checks it (Host's), and the token the command ran under is written on
  // the tape: a fleet test reads which leadership ran each step.
  CommandResult run_fenced(const Fence& f, const Argv& argv, std::chrono::milliseconds timeout,
                           const std::function<void(const ProcessId&)>& started) override {
    token_ = f.token;
    CommandResult r = Host::run_fenced(f, argv, timeout, started);
    token_ = 0;
    return r;
  }
  Result<std::string> read_file(const std::string& path) override { return sim_.read_file(path); }
  // A simulated command ends inside run(): none can outlive the stackdr that ran it.
  std::optional<bool> running(const ProcessId&) override { return false; }

 protected:
  // Its machines are the practice stack's folder: every stackdr sharing it sees one fence.
  std::optional<std::string> fence_dir() const override { return stack_.dir().string(); }

 private:
  CommandResult perform(const Argv& argv, std::chrono::milliseconds timeout, bool step) {
    auto half = std::chrono::milliseconds(step ? stack_.pace_ms() / 2 : 0);
    if (half.count() > 0) std::this_thread::sleep_for(half);
    size_t before = stack_.state()->actions.size();
    CommandResult r = sim_.run(argv, timeout);
    if (stack_.state()->actions.size() > before) {
      TapeEntry e;
      e.kind = TapeEntry::Kind::kCommand;
      e.host = sim_.name();
      e.argv = argv;
      e.token = token_;
      stack_.record(std::move(e));
    }
    if (half.count() > 0) std::this_thread::sleep_for(half);
    return r;
  }

  PracticeStack& stack_;
  SimHost sim_;
  int64_t token_ = 0;  // the fencing token of the command running now (0: not fenced)
};

/// The practice stack's clock: simulated time that passes is written to the tape.
class PracticeClock : public SimClock {
 public:
  explicit PracticeClock(PracticeStack& stack) : SimClock(stack.state()), stack_(stack) {}
  void sleep(int seconds) override {
    SimClock::sleep(seconds);
    TapeEntry e;
    e.kind = TapeEntry::Kind::kTime;
    e.seconds = seconds;
    stack_.record(std::move(e));
  }

 private:
  PracticeStack& stack_;
};

}  // namespace

const char* tape_kind_name(TapeEntry::Kind k) {
  switch (k) {
    case TapeEntry::Kind::kMade:
      return "made";
    case TapeEntry::Kind::kFault:
      return "fault";
    case TapeEntry::Kind::kCommand:
      return "command";
    case TapeEntry::Kind::kTime:
      return "time";
    case TapeEntry::Kind::kRepair:
      return "repair";
  }
  return "?";
}

fs::path PracticeStack::folder(const fs::path& lab_state_dir) {
  return lab_state_dir / "practice";
}

bool PracticeStack::exists(const fs::path& folder) {
  std::error_code ec;
  return fs::exists(folder / kTapeFile, ec);
}

PracticeStack::~PracticeStack() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<PracticeStack>> PracticeStack::create(const fs::path& folder,
                                                             const std::string& topology_file, int pace_ms) {
  auto text = read_bounded_file(topology_file, kTopologyMaxBytes);
  if (!text) return text.error();
  return create_from_text(folder, *text, fs::absolute(topology_file).string(), pace_ms);
}

Result<std::unique_ptr<PracticeStack>> PracticeStack::create_from_text(const fs::path& folder,
                                                                       const std::string& topology_text,
                                                                       const std::string& source,
                                                                       int pace_ms) {
  if (exists(folder))
    return Error{fmt::format(
        "{}: a practice stack is already there; `stackdr lab reset` makes it healthy again, `stackdr lab "
        "show` says what was done to it",
        folder.string())};
  if (pace_ms < 0 || pace_ms > 60000) return Error{"--pace: from 0 to 60000 milliseconds"};
  auto topo = parse_topology(topology_text, source);
  if (!topo) return topo.error();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Error{fmt::format("{}: cannot create: {}", folder.string(), ec.message())};
  // The topology is copied first and the tape written last: a folder without a tape is no
  // practice stack, whatever happened in between.
  {
    std::ofstream out(folder / "topology.yaml", std::ios::binary | std::ios::trunc);
    out << topology_text;
    out.close();
    if (!out) return Error{fmt::format("{}: cannot write {}", source, (folder / "topology.yaml").string())};
  }
  TapeEntry made;
  made.kind = TapeEntry::Kind::kMade;
  made.at = wall_now();
  made.source = source;
  made.pace_ms = pace_ms;
  fs::path tmp = folder / "tape.jsonl.new";
  int fd = open_tape(tmp, O_CREAT | O_TRUNC);
  if (fd < 0) return Error{fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno))};
  try {
    write_all(fd, entry_line(made), tmp);
  } catch (const std::exception& e) {
    ::close(fd);
    return Error{e.what()};
  }
  ::fsync(fd);
  ::close(fd);
  fs::rename(tmp, folder / kTapeFile, ec);
  if (ec) return Error{fmt::format("{}: cannot create the tape: {}", folder.string(), ec.message())};
  return open(folder);
}

Result<std::unique_ptr<PracticeStack>> PracticeStack::open(const fs::path& folder) {
  auto p = std::unique_ptr<PracticeStack>(new PracticeStack());
  p->folder_ = folder;
  auto topo = load_topology(p->topology_path().string());
  if (!topo) return Error{fmt::format("practice stack {}: {}", folder.string(), topo.error().message)};
  p->topology_ = std::move(*topo);
  if (auto r = p->replay(); !r) return r.error();
  p->fd_ = open_tape(folder / kTapeFile, 0);
  if (p->fd_ < 0)
    return Error{
        fmt::format("{}: cannot open for writing: {}", (folder / kTapeFile).string(), std::strerror(errno))};
  return p;
}

Result<bool> PracticeStack::replay() {
  fs::path path = folder_ / kTapeFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read", path.string())};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // A line cut short (the machine lost power while it was written) never happened: it is
  // dropped, and said.
  if (!text.empty() && text.back() != '\n') {
    size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    notes_.push_back(fmt::format("{}: the last line was cut short and is dropped ({} bytes)", path.string(),
                                 text.size() - keep));
    text.resize(keep);
    std::error_code ec;
    fs::resize_file(path, keep, ec);
    if (ec) return Error{fmt::format("{}: cannot drop a cut line: {}", path.string(), ec.message())};
  }
  state_ = std::make_shared<SimState>(build_sim_state(topology_));
  tape_.clear();
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  auto bad = [&](const std::string& why) {
    return Error{
        fmt::format("{}:{}: {}; the practice stack cannot be rebuilt from it (`stackdr lab reset` "
                    "starts it anew)",
                    path.string(), n, why)};
  };
  while (std::getline(lines, line)) {
    ++n;
    auto e = parse_entry(line);
    if (!e) return bad(e.error().message);
    if ((n == 1) != (e->kind == TapeEntry::Kind::kMade))
      return bad("the first line, and only it, says how it was made");
    switch (e->kind) {
      case TapeEntry::Kind::kMade:
        pace_ms_ = e->pace_ms;
        break;
      case TapeEntry::Kind::kFault:
        if (auto r = inject_fault(*state_, e->fault); !r) return bad(r.error().message);
        break;
      case TapeEntry::Kind::kRepair:
        if (auto r = apply_repair(*state_, e->fault); !r) return bad(r.error().message);
        break;
      case TapeEntry::Kind::kCommand: {
        if (!topology_.host(e->host)) return bad(fmt::format("host '{}' is not in the topology", e->host));
        size_t before = state_->actions.size();
        SimHost(e->host, state_).run(e->argv, std::chrono::milliseconds(0));
        if (state_->actions.size() == before)
          return bad(
              fmt::format("`{}` on {} does not change the simulated stack", describe_argv(e->argv), e->host));
        break;
      }
      case TapeEntry::Kind::kTime:
        advance(*state_, e->seconds);
        break;
    }
    tape_.push_back(std::move(*e));
  }
  if (tape_.empty()) return bad("empty");
  return true;
}

void PracticeStack::record(TapeEntry e) {
  e.at = wall_now();
  fs::path path = folder_ / kTapeFile;
  write_all(fd_, entry_line(e), path);
  // Time passing is not an action: losing its last lines to a crash only makes the stack a
  // little younger. Everything else is on disk before the caller goes on.
  if (e.kind != TapeEntry::Kind::kTime && ::fdatasync(fd_) != 0)
    throw std::runtime_error(fmt::format("{}: cannot sync a change of the practice stack: {}", path.string(),
                                         std::strerror(errno)));
  tape_.push_back(std::move(e));
}

Result<bool> PracticeStack::inject(std::string_view fault) {
  if (auto r = inject_fault(*state_, fault); !r) return r.error();
  TapeEntry e;
  e.kind = TapeEntry::Kind::kFault;
  e.fault = std::string(fault);
  record(std::move(e));
  return true;
}

Result<bool> PracticeStack::repair(std::string_view name) {
  if (auto r = apply_repair(*state_, name); !r) return r.error();
  TapeEntry e;
  e.kind = TapeEntry::Kind::kRepair;
  e.fault = std::string(name);
  record(std::move(e));
  return true;
}

Result<bool> PracticeStack::reset() {
  fs::path path = folder_ / kTapeFile;
  std::string first = entry_line(tape_.front());
  fs::path tmp = folder_ / "tape.jsonl.new";
  int fd = open_tape(tmp, O_CREAT | O_TRUNC);
  if (fd < 0) return Error{fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno))};
  try {
    write_all(fd, first, tmp);
  } catch (const std::exception& ex) {
    ::close(fd);
    return Error{ex.what()};
  }
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error{fmt::format("{}: cannot replace the tape: {}", path.string(), ec.message())};
  if (fd_ >= 0) ::close(fd_);
  fd_ = open_tape(path, 0);
  if (fd_ < 0)
    return Error{fmt::format("{}: cannot open for writing: {}", path.string(), std::strerror(errno))};
  return replay();
}

std::unique_ptr<Host> PracticeStack::host(const std::string& name) {
  return std::make_unique<PracticeHost>(*this, name);
}

std::unique_ptr<Clock> PracticeStack::clock() {
  return std::make_unique<PracticeClock>(*this);
}

}  // namespace stackdr::sim
