#include "watch/alerts.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "host/local_host.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

using Clock = std::chrono::steady_clock;

std::string rfc3339(double t) {
  return text::format_utc(static_cast<time_t>(t), "%Y-%m-%dT%H:%M:%SZ");
}

// Runs argv with `input` on its standard input (its output is not kept); its exit status, or
// -1 with `why` when it could not run or outlived `timeout` (then its group is killed).
int run_with_input(const Argv& argv, const std::string& input, std::chrono::seconds timeout,
                   std::string& why) {
  int in[2];
  // A socket, not a pipe: a hook that exits without reading fails the send with EPIPE
  // (MSG_NOSIGNAL) instead of killing the daemon with SIGPIPE.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    why = std::string("socketpair: ") + std::strerror(errno);
    return -1;
  }
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<long> pid = spawn_process(argv, LocalHost::kDefaultPath, {}, in[1], devnull, devnull);
  ::close(in[1]);
  if (devnull >= 0) ::close(devnull);
  if (!pid) {
    ::close(in[0]);
    why = pid.error().message;
    return -1;
  }
  for (size_t at = 0; at < input.size();) {
    ssize_t n = ::send(in[0], input.data() + at, input.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // it stopped reading: its exit status says how that went
    at += static_cast<size_t>(n);
  }
  ::close(in[0]);
  auto deadline = Clock::now() + timeout;
  int st = 0;
  for (;;) {
    pid_t w = ::waitpid(static_cast<pid_t>(*pid), &st, WNOHANG);
    if (w == *pid) break;
    if (w < 0 && errno != EINTR) {
      why = std::string("waitpid: ") + std::strerror(errno);
      return -1;
    }
    if (Clock::now() > deadline) {
      ::kill(-static_cast<pid_t>(*pid), SIGKILL);
      ::waitpid(static_cast<pid_t>(*pid), &st, 0);
      why = fmt::format("still running after {} s: killed", timeout.count());
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  why = fmt::format("killed by signal {}", WTERMSIG(st));
  return -1;
}

}  // namespace

nlohmann::json alert_json(const Alert& a) {
  nlohmann::json j{{"labels", a.labels}, {"annotations", a.annotations}, {"startsAt", rfc3339(a.starts_at)}};
  if (a.ends_at > 0) j["endsAt"] = rfc3339(a.ends_at);
  if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
  j["status"] = a.firing ? "firing" : "resolved";
  return j;
}

std::string alert_mail(const Alert& a, const std::string& to) {
  auto label = [&](const std::string& k) {
    auto it = a.labels.find(k);
    return it == a.labels.end() ? std::string() : it->second;
  };
  auto note = [&](const std::string& k) {
    auto it = a.annotations.find(k);
    return it == a.annotations.end() ? std::string() : it->second;
  };
  // Header values on one line each: a name with a newline must not start a header of its own.
  auto one_line = [](std::string s) {
    for (char& c : s)
      if (c == '\n' || c == '\r') c = ' ';
    return s;
  };
  std::string body =
      fmt::format("{}\n\nscenario {} / {}\nnode: {}\nhost: {}\nsince: {}\n", note("summary"),
                  label("scenario"), label("cause"), label("root"), label("host"), rfc3339(a.starts_at));
  if (!a.firing) body += "resolved: " + rfc3339(a.ends_at) + "\n";
  if (!note("runbook").empty()) body += "runbook: " + note("runbook") + "\n";
  if (!note("incident").empty()) body += "incident: " + note("incident") + " (`stackdr incident show N`)\n";
  return fmt::format("To: {}\nSubject: [stackdr] {}: {}\nContent-Type: text/plain; charset=utf-8\n\n{}",
                     one_line(to), a.firing ? "FIRING" : "RESOLVED", one_line(note("summary")), body);
}

bool split_url(const std::string& url, std::string& base, std::string& path) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::string s = url.substr(0, scheme);
  if (s != "http" && s != "https") return false;
  size_t slash = url.find('/', scheme + 3);
  base = url.substr(0, slash);
  path = slash == std::string::npos ? "/" : url.substr(slash);
  return base.size() > scheme + 3;
}

AlertSender::AlertSender(Receivers r, std::function<void(const std::string&)> log)
    : r_(std::move(r)), log_(std::move(log)) {
  worker_ = std::thread([this] { work(); });
}

AlertSender::~AlertSender() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void AlertSender::send(const Alert& a) {
  std::lock_guard<std::mutex> l(mu_);
  auto now = Clock::now();
  // A newer state of the same alert (same labels) replaces one still waiting for its receiver:
  // what arrives is what is true now, and the queue stays one entry per alert and receiver.
  // The replaced one's retry count goes on, so the backoff is not reset by every reminder.
  std::map<std::string, std::pair<int, Clock::time_point>> attempts;  // receiver → attempts, not_before
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->alert.labels == a.labels) {
      attempts[it->receiver] = {it->attempts, it->not_before};
      counts_.superseded[it->receiver]++;
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  // A first state goes now; one that replaces a failing delivery waits out that one's backoff
  // (it would fail the same way, and reminders must not hammer a receiver that is down).
  auto add = [&](const char* receiver) {
    auto it = attempts.find(receiver);
    queue_.push_back({receiver, a, it == attempts.end() ? 0 : it->second.first,
                      it == attempts.end() ? now : it->second.second});
  };
  if (!r_.webhook.empty()) add("webhook");
  if (!r_.mail_to.empty()) add("mail");
  if (!r_.exec.empty()) add("exec");
  counts_.queued = queue_.size();
  wake_.notify_all();
}

AlertSender::Counts AlertSender::counts() const {
  std::lock_guard<std::mutex> l(mu_);
  return counts_;
}

bool AlertSender::deliver(const Delivery& d, std::string& why) {
  if (d.receiver == "webhook") {
    std::string base, path;
    if (!split_url(r_.webhook, base, path)) {
      why = r_.webhook + ": not an http:// or https:// URL";
      return false;
    }
    httplib::Client c(base);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    c.set_write_timeout(10);
    auto res = c.Post(path, json_text(nlohmann::json::array({alert_json(d.alert)})), "application/json");
    if (!res) {
      why = fmt::format("{}: {}", r_.webhook, httplib::to_string(res.error()));
      return false;
    }
    if (res->status / 100 != 2) {
      why = fmt::format("{}: HTTP {}", r_.webhook, res->status);
      return false;
    }
    return true;
  }
  std::string input;
  Argv argv;
  if (d.receiver == "mail") {
    argv = {"sendmail", "-t", "-oi"};
    input = alert_mail(d.alert, r_.mail_to);
  } else {
    argv = r_.exec;
    input = json_text(alert_json(d.alert)) + "\n";
  }
  int rc = run_with_input(argv, input, std::chrono::seconds(30), why);
  if (rc == 0) return true;
  if (rc > 0)
    why = fmt::format("`{}` exited {}", describe_argv(argv), rc);
  else
    why = fmt::format("`{}`: {}", describe_argv(argv), why);
  return false;
}

void AlertSender::work() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    // The first delivery that may go now: its backoff is over and its receiver under its rate.
    auto ready = queue_.end();
    auto next = now + std::chrono::seconds(60);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      auto& recent = recent_[it->receiver];
      while (!recent.empty() && now - recent.front() > std::chrono::minutes(1)) recent.pop_front();
      auto when = it->not_before;
      if (static_cast<int>(recent.size()) >= r_.per_minute)
        when = std::max(when, recent.front() + std::chrono::minutes(1));
      if (when <= now) {
        ready = it;
        break;
      }
      next = std::min(next, when);
    }
    if (ready == queue_.end()) {
      wake_.wait_until(l, next);
      continue;
    }
    Delivery d = *ready;
    queue_.erase(ready);
    recent_[d.receiver].push_back(now);
    l.unlock();
    std::string why;
    bool ok = deliver(d, why);
    l.lock();
    if (ok) {
      counts_.sent[d.receiver]++;
    } else {
      counts_.failed[d.receiver]++;
      d.attempts++;
      auto wait = r_.max_retry;
      if (d.attempts < 30)
        wait = std::min<std::chrono::milliseconds>(r_.first_retry * (1LL << (d.attempts - 1)), r_.max_retry);
      d.not_before = Clock::now() + wait;
      if (log_)
        log_(fmt::format("alert to {} failed (attempt {}): {}; retrying in {} s", d.receiver, d.attempts, why,
                         wait.count() / 1000.0));
      // Unless a newer state of the same alert arrived meanwhile (it goes instead).
      bool newer = std::any_of(queue_.begin(), queue_.end(), [&](const Delivery& q) {
        return q.receiver == d.receiver && q.alert.labels == d.alert.labels;
      });
      if (newer)
        counts_.superseded[d.receiver]++;
      else
        queue_.push_back(d);
    }
    counts_.queued = queue_.size();
  }
}

}  // namespace stackdr
