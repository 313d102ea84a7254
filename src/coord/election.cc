#include "coord/election.h"

#include <fmt/format.h>

#include <algorithm>

namespace stackdr::coord {

Election::Election(EtcdClient client, ElectionSettings settings)
    : client_(std::move(client)), s_(std::move(settings)) {}

Election::~Election() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  resign();
}

void Election::start() {
  thread_ = std::thread([this] { loop(); });
}

void Election::loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_ && !resigned_) {
    l.unlock();
    tick();
    l.lock();
    // A leader renews every keepalive_s; a candidate looks again each second, so the next leader
    // acts about a second after etcd let the last one's lease go.
    auto wait = key_is_ours_ ? std::chrono::seconds(s_.keepalive_s) : std::chrono::seconds(1);
    wake_.wait_for(l, wait, [this] { return stopping_ || resigned_; });
  }
}

void Election::tick() {
  auto sent = SteadyClock::now();
  bool ours;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (resigned_) return;
    ours = key_is_ours_;
  }
  if (ours)
    renew(sent);
  else
    campaign(sent);
}

void Election::renew(SteadyClock::time_point sent) {
  int64_t lease, token;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = lease_;
    token = token_;
  }
  auto ttl = client_.keep_alive(lease);
  if (!ttl) {
    // Not renewed: the deadline stays where the last renewal put it, and passes.
    std::lock_guard<std::mutex> l(mu_);
    error_ = ttl.error().message;
    return;
  }
  // The key can go while the lease lives (an operator deleting it to force a hand-over): check
  // that it is still this leadership's before counting the renewal.
  auto key = client_.get(s_.key);
  std::lock_guard<std::mutex> l(mu_);
  if (!key) {
    error_ = key.error().message;
    return;
  }
  error_.clear();
  if (*ttl <= 0 || key->create_revision != token || key->lease != lease) {
    key_is_ours_ = false;
    token_ = 0;
    deadline_ = {};
    if (*ttl <= 0) lease_ = 0;
    holder_ = key->value;
    holder_token_ = key->create_revision;
    error_ = *ttl <= 0
                 ? "the lease ended before it was renewed (this process was paused or cut off from etcd)"
                 : "the leader key was replaced";
    return;
  }
  granted_ttl_s_ = *ttl;
  holder_ = key->value;
  holder_token_ = key->create_revision;
  deadline_ = sent + std::chrono::seconds(*ttl) - s_.margin;
}

void Election::campaign(SteadyClock::time_point sent) {
  int64_t lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = lease_;
  }
  // The lease campaigned with is kept alive while waiting (or granted anew when it ended), so
  // its deadline is known the moment the put succeeds.
  int64_t ttl = 0;
  if (lease != 0) {
    auto k = client_.keep_alive(lease);
    if (!k) {
      std::lock_guard<std::mutex> l(mu_);
      error_ = k.error().message;
      return;
    }
    ttl = *k;
  }
  if (ttl <= 0) {
    auto g = client_.grant(s_.ttl_s);
    if (!g) {
      std::lock_guard<std::mutex> l(mu_);
      error_ = g.error().message;
      lease_ = 0;
      return;
    }
    lease = g->id;
    ttl = g->ttl_s;
  }
  auto r = client_.put_if_absent(s_.key, s_.holder, lease);
  std::lock_guard<std::mutex> l(mu_);
  lease_ = lease;
  granted_ttl_s_ = ttl;
  if (!r) {
    error_ = r.error().message;
    return;
  }
  error_.clear();
  holder_ = r->now.value;
  holder_token_ = r->now.create_revision;
  // Ours when this put made it, or when an earlier put did and its answer was lost.
  if (r->put || (r->now.lease == lease && r->now.create_revision != 0)) {
    key_is_ours_ = true;
    token_ = r->now.create_revision;
    deadline_ = sent + std::chrono::seconds(ttl) - s_.margin;
  }
}

void Election::resign() {
  int64_t lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (resigned_) return;
    lease = lease_;
    forget();
  }
  wake_.notify_all();
  if (lease != 0) (void)client_.revoke(lease);  // best effort: unrevoked, it ends with its TTL
}

void Election::abandon() {
  {
    std::lock_guard<std::mutex> l(mu_);
    forget();
  }
  wake_.notify_all();
}

void Election::forget() {
  resigned_ = true;
  key_is_ours_ = false;
  token_ = 0;
  deadline_ = {};
  lease_ = 0;
}

Leadership Election::state() const {
  std::lock_guard<std::mutex> l(mu_);
  Leadership s;
  auto now = SteadyClock::now();
  s.leading = key_is_ours_ && now < deadline_;
  s.token = s.leading ? token_ : 0;
  s.holder = holder_;
  s.holder_token = holder_token_;
  s.error = error_;
  if (s.leading) s.left_s = std::chrono::duration<double>(deadline_ - now).count();
  return s;
}

Result<int64_t> Election::may_act() const {
  Leadership s = state();
  if (s.leading) return s.token;
  std::string who = s.holder.empty() ? "nobody holds it as far as etcd last said"
                                     : fmt::format("{} holds it (token {})", s.holder, s.holder_token);
  return Error{fmt::format("this process does not lead the stack ({}; {}){}", s_.key, who,
                           s.error.empty() ? "" : "; etcd: " + s.error)};
}

}  // namespace stackdr::coord
