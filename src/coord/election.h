#pragma once
/// Election: one stack's leader, elected through etcd, so that of several `stackdr watch`
/// daemons watching one stack exactly one acts on it (incidents, recovery, maintenance,
/// alerts) and the others only watch. The recipe is etcd's own: a lease with a TTL, kept alive
/// every few seconds; the key STACK's leader key put, attached to the lease, only if absent.
/// Whoever put it leads until its lease ends (it stops renewing: a crash, a pause, a partition,
/// or it resigns); etcd then deletes the key and the next candidate's put succeeds.
///
/// The token of a leadership is the key's creation revision: it only grows, so every host
/// can tell a newer leader from an older one (host/fence.h) and refuse the older one's steps.
///
/// Acting stops before etcd can have let the lease go: the leadership's deadline is the time a
/// renewal that etcd answered was *sent* plus the TTL etcd granted, less a margin, so it is
/// never later than etcd's own expiry (which counts from when etcd received it). A process
/// that was paused past its deadline finds on waking that it may not act, before it asks etcd.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "coord/etcd_client.h"
#include "util/result.h"

namespace stackdr::coord {

struct ElectionSettings {
  std::string key;     // the stack's leader key: PREFIX/stacks/STACK/leader
  std::string holder;  // who this process is, as others will read it: "stackdr watch pid N on HOST"
  int64_t ttl_s = 10;
  int64_t keepalive_s = 3;
  /// Taken off the deadline: a step decided just before it still starts before etcd's expiry.
  std::chrono::milliseconds margin{500};
};

/// The election as seen from this process at one instant.
struct Leadership {
  bool leading = false;      // this process may act now
  int64_t token = 0;         // its token while leading
  std::string holder;        // who leads, as the key says ("" when nobody does or etcd was not read)
  int64_t holder_token = 0;  // the leader's token
  std::string error;         // the last etcd call's failure, "" when it answered
  double left_s = 0;         // while leading: seconds until the deadline
};

class Election {
 public:
  using SteadyClock = std::chrono::steady_clock;

  Election(EtcdClient client, ElectionSettings settings);
  /// Stops the thread; resigns when leading (the lease revoked: the next leader need not wait
  /// out the TTL).
  ~Election();
  Election(const Election&) = delete;
  Election& operator=(const Election&) = delete;

  /// Campaigns and renews on a thread of its own: a sweep or a recovery that takes minutes
  /// never starves the renewals.
  void start();
  /// One round, for tests that drive the election themselves: campaign when not leading
  /// (and renew the lease it campaigns with), renew when leading.
  void tick();
  /// Gives the leadership up at once (revokes the lease) and stops campaigning.
  void resign();
  /// Stops campaigning and forgets the lease without telling etcd, as a crash leaves it: a
  /// leader's key stays until its TTL runs out (what tests of a lost leader need).
  void abandon();

  Leadership state() const;
  /// The token, when this process may act now; else why not, naming the leader when known.
  Result<int64_t> may_act() const;
  const ElectionSettings& settings() const { return s_; }

 private:
  void loop();
  void campaign(SteadyClock::time_point sent);
  void renew(SteadyClock::time_point sent);
  void forget();  // mu_ held: no lease, no leadership, no more campaigning

  EtcdClient client_;
  ElectionSettings s_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool resigned_ = false;
  std::thread thread_;
  // Guarded by mu_.
  int64_t lease_ = 0;
  int64_t granted_ttl_s_ = 0;
  bool key_is_ours_ = false;
  int64_t token_ = 0;
  SteadyClock::time_point deadline_{};
  std::string holder_;
  int64_t holder_token_ = 0;
  std::string error_;
};

}  // namespace stackdr::coord
