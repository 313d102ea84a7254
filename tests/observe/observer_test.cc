// The observer runs independent probes side by side on hosts that allow it. These tests pin
// down that doing so changes nothing but the wall time: the same facts, the same record of
// sources in the same order, and no map entry for a probe that could not say.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "model/md_state.h"
#include "model/node_id.h"
#include "observe/prober.h"
#include "recover/status_json.h"
#include "recover/view.h"
#include "sim_fixture.h"

namespace stackdr {
namespace {

// Wraps a simulated host, says it takes concurrent calls, serializes them onto the simulator
// (which is not thread-safe) and counts how many calls were in flight at once. Each call
// waits (at most 2 s) for a second call to arrive, so a batch that really runs side by side
// shows two in flight; the wait is a rendezvous, not a measurement.
class ConcurrentProbe : public Host {
 public:
  explicit ConcurrentProbe(Host* inner) : inner_(inner) {}
  const std::string& name() const override { return inner_->name(); }
  bool concurrent() const override { return true; }
  CommandResult run(const Argv& argv, std::chrono::milliseconds timeout) override {
    enter();
    CommandResult r;
    {
      std::lock_guard<std::mutex> sim(sim_mu_);
      r = inner_->run(argv, timeout);
    }
    leave();
    return r;
  }
  Result<std::string> read_file(const std::string& path) override {
    enter();
    Result<std::string> r = Error{""};
    {
      std::lock_guard<std::mutex> sim(sim_mu_);
      r = inner_->read_file(path);
    }
    leave();
    return r;
  }
  int most_in_flight() const { return most_; }

 private:
  void enter() {
    std::unique_lock<std::mutex> l(mu_);
    ++in_flight_;
    most_ = std::max(most_, in_flight_);
    cv_.notify_all();
    cv_.wait_for(l, std::chrono::seconds(2), [&] { return in_flight_ >= 2 || most_ >= 2; });
  }
  void leave() {
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
  }
  Host* inner_;
  std::mutex mu_, sim_mu_;
  std::condition_variable cv_;
  int in_flight_ = 0, most_ = 0;
};

struct Wrapped {
  std::map<std::string, std::unique_ptr<ConcurrentProbe>> hosts;
  HostLookup lookup(const HostLookup& inner) {
    return [this, inner](const std::string& name) -> Host* {
      auto it = hosts.find(name);
      if (it == hosts.end()) {
        Host* h = inner(name);
        if (!h) return nullptr;
        it = hosts.emplace(name, std::make_unique<ConcurrentProbe>(h)).first;
      }
      return it->second.get();
    };
  }
};

std::vector<std::tuple<std::string, std::string, bool, std::string>> records(const Observation& o) {
  std::vector<std::tuple<std::string, std::string, bool, std::string>> out;
  for (const auto& s : o.sources) out.emplace_back(s.host, s.source, s.ok, s.error);
  return out;
}

TEST(Observer, ProbesSideBySideReadTheSameAsOneByOne) {
  for (const char* fault : {"", "session-logout", "md-superblock-corrupt", "storage-network-down"}) {
    SCOPED_TRACE(fault);
    testing::SimStack s;
    if (*fault) s.inject(fault);
    ObserveOptions one_by_one;
    one_by_one.parallel = 1;
    Observation a = observe(s.topology, s.lookup(), one_by_one);
    Wrapped w;
    Observation b = observe(s.topology, w.lookup(s.lookup()));
    EXPECT_EQ(records(a), records(b));
    int most = 0;
    for (const auto& [name, h] : w.hosts) most = std::max(most, h->most_in_flight());
    EXPECT_GE(most, 2) << "no two probes ran at once";
    // Same facts: the graph built from either says the same of every node.
    StackGraph ga = build_graph(s.topology, a), gb = build_graph(s.topology, b);
    ASSERT_EQ(ga.nodes().size(), gb.nodes().size());
    for (size_t i = 0; i < ga.nodes().size(); ++i) {
      EXPECT_EQ(ga.nodes()[i].id, gb.nodes()[i].id);
      EXPECT_EQ(ga.nodes()[i].health, gb.nodes()[i].health) << ga.nodes()[i].id;
      EXPECT_EQ(ga.nodes()[i].cause, gb.nodes()[i].cause) << ga.nodes()[i].id;
      EXPECT_EQ(ga.nodes()[i].attrs, gb.nodes()[i].attrs) << ga.nodes()[i].id;
    }
    const KvmFacts& ka = a.kvm.begin()->second;
    const KvmFacts& kb = b.kvm.begin()->second;
    EXPECT_EQ(ka.examine.size(), kb.examine.size());
    EXPECT_EQ(ka.detail.size(), kb.detail.size());
    EXPECT_EQ(ka.pings.size(), kb.pings.size());
    EXPECT_EQ(ka.domblklist.size(), kb.domblklist.size());
  }
}

TEST(Observer, AProbeThatCannotSayLeavesNoEntry) {
  // The VM host cannot be reached: no domblklist, no examine, no detail entries are made up.
  testing::SimStack s;
  auto inner = s.lookup();
  HostLookup none_for_kvm = [&](const std::string& name) -> Host* {
    for (const auto& h : s.topology.kvm_hosts())
      if (h == name) return nullptr;
    return inner(name);
  };
  Observation o = observe(s.topology, none_for_kvm);
  for (const auto& [name, f] : o.kvm) {
    EXPECT_TRUE(f.domblklist.empty());
    EXPECT_TRUE(f.examine.empty());
    EXPECT_TRUE(f.detail.empty());
    EXPECT_TRUE(f.pings.empty());
    EXPECT_FALSE(f.mdstat.has_value());
  }
  bool recorded = false;
  for (const auto& src : o.sources)
    if (!src.ok && src.error.find("no way to reach") != std::string::npos) recorded = true;
  EXPECT_TRUE(recorded);
}

TEST(Observer, DisksBehindAPortalThatDoesNotAnswerAreNotExamined) {
  // mdadm --examine of such a disk blocks until the session's replacement_timeout.
  testing::SimStack s;
  s.inject("storage-network-down");
  Observation o = s.observe();
  for (const auto& [name, f] : o.kvm) EXPECT_TRUE(f.examine.empty());
  int skipped = 0;
  for (const auto& src : o.sources)
    if (src.source.rfind("mdadm --examine", 0) == 0) {
      EXPECT_FALSE(src.ok);
      EXPECT_NE(src.error.find("does not answer ping"), std::string::npos) << src.error;
      ++skipped;
    }
  EXPECT_GT(skipped, 0);
}

TEST(Observer, ABlockedDiskIsNotReadNorIsItsArraysDetail) {
  // A disk whose session is recovering (State: blocked) holds every read until the
  // replacement timeout; mdadm --detail of its array waits with it (seen in the lab).
  testing::SimStack s;
  sim::Session& se = s.state->sessions.back();
  se.disk_state = "blocked";
  Observation o = s.observe();
  bool examine_skipped = false, detail_skipped = false;
  for (const auto& src : o.sources) {
    if (src.source == "mdadm --examine /dev/" + se.disk) {
      EXPECT_FALSE(src.ok);
      EXPECT_NE(src.error.find("blocked"), std::string::npos) << src.error;
      examine_skipped = true;
    }
    if (src.source.rfind("mdadm --detail", 0) == 0 && !src.ok &&
        src.error.find("member " + se.disk) != std::string::npos)
      detail_skipped = true;
  }
  EXPECT_TRUE(examine_skipped);
  EXPECT_TRUE(detail_skipped);
  for (const auto& [name, f] : o.kvm) {
    EXPECT_EQ(f.examine.count(se.disk), 0u);
    EXPECT_EQ(f.examine.size(), 1u);  // the other member is still read
  }
}

// The daemon's sweeps examine a whole array's members one sweep in N (ObserveOptions::
// whole_array_examine_every): each array on its turn, every member of an array with anything
// amiss every sweep, and a member not examined is said to be so, not taken for a failed read.
TEST(Observer, AWholeArraysMembersAreExaminedOnItsTurnOnly) {
  testing::SimStack s;
  const int every = 4;
  std::map<std::string, int> examined;  // by array: sweeps that examined its members
  for (uint64_t sweep = 0; sweep <= static_cast<uint64_t>(every); ++sweep) {
    ObserveOptions o;
    o.whole_array_examine_every = every;
    o.sweep = sweep;
    Observation obs = observe(s.topology, s.lookup(), o);
    auto states = md_states(s.topology, obs);
    for (const auto& a : s.topology.arrays) {
      const MdArrayState& st = states.at(a.name);
      int read = 0, deferred = 0;
      for (const auto& m : st.members) {
        if (m.superblock == Seen::kYes) ++read;
        if (m.unread.find("not read this sweep: md lists every member of " + a.device + " in sync") !=
            std::string::npos)
          ++deferred;
      }
      ASSERT_EQ(read + deferred, static_cast<int>(st.members.size())) << a.name << " sweep " << sweep;
      EXPECT_TRUE(read == 0 || deferred == 0) << a.name << ": its members are read together";
      if (sweep == 0) {
        EXPECT_EQ(deferred, 0) << "the first sweep reads every one";
      }
      if (sweep > 0 && read > 0) ++examined[a.name];
    }
    for (const auto& src : obs.sources) {  // a member left for its turn is no failed read
      if (src.source.rfind("mdadm --examine", 0) == 0) {
        EXPECT_TRUE(src.ok) << src.source << ": " << src.error;
      }
    }
    EXPECT_TRUE(diagnose(build_graph(s.topology, obs)).empty()) << "sweep " << sweep;
  }
  ASSERT_FALSE(s.topology.arrays.empty());
  for (const auto& a : s.topology.arrays) EXPECT_EQ(examined[a.name], 1) << a.name << ": once in " << every;
  // /status says which were left for their turn, apart from what could not be read.
  ObserveOptions o;
  o.whole_array_examine_every = 1000000;
  o.sweep = 1;
  nlohmann::json j = status_json(take_view(s.topology, s.lookup(), o), "simulated", false);
  EXPECT_TRUE(j["unreadable"].empty()) << j["unreadable"].dump();
  ASSERT_TRUE(j.contains("left_for_their_turn")) << j.dump();
  size_t members = 0;
  for (const auto& a : s.topology.arrays) members += a.members.size();
  EXPECT_EQ(j["left_for_their_turn"].size(), members);
  EXPECT_EQ(j["left_for_their_turn"][0]["source"].get<std::string>().rfind("mdadm --examine /dev/", 0), 0u);
}

TEST(Observer, EveryFaultIsDiagnosedTheSameWhenWholeArraysWaitForTheirTurn) {
  // Whatever breaks, the arrays it touches are not whole and are read as every verb reads
  // them; the diagnosis is the one a full read makes.
  for (const auto& fault : sim::fault_catalog()) {
    SCOPED_TRACE(fault.name);
    testing::SimStack s;
    if (!sim::inject_fault(*s.state, fault.name)) continue;  // needs a stack this one is not
    Observation full = s.observe();
    ObserveOptions o;
    o.whole_array_examine_every = 1000000;  // no array's turn (but one chance in a million)
    o.sweep = 1;
    Observation turn = observe(s.topology, s.lookup(), o);
    StackGraph gf = build_graph(s.topology, full), gt = build_graph(s.topology, turn);
    ASSERT_EQ(gf.nodes().size(), gt.nodes().size());
    for (size_t i = 0; i < gf.nodes().size(); ++i) {
      EXPECT_EQ(gf.nodes()[i].health, gt.nodes()[i].health) << gf.nodes()[i].id;
      EXPECT_EQ(gf.nodes()[i].cause, gt.nodes()[i].cause) << gf.nodes()[i].id;
    }
    auto ff = diagnose(gf), ft = diagnose(gt);
    ASSERT_EQ(ff.size(), ft.size());
    for (size_t i = 0; i < ff.size(); ++i) {
      EXPECT_EQ(ff[i].cause, ft[i].cause);
      EXPECT_EQ(ff[i].root, ft[i].root);
    }
    // Only an array found OK may have had its members left for their turn.
    auto states = md_states(s.topology, turn);
    for (const auto& a : s.topology.arrays) {
      const Node* n = gt.find(node_id::array(a));
      ASSERT_NE(n, nullptr) << a.name;
      for (const auto& m : states.at(a.name).members) {
        if (m.unread.find("not read this sweep") != std::string::npos) {
          EXPECT_EQ(n->health, Health::kOk) << a.name << " " << m.lun;
        }
      }
    }
  }
}

TEST(Observer, APoolWithNoneOfTheLunsZvolsYetIsReadAsHavingNone) {
  // Before `lun create` the pool has none of the topology's zvols: zfs get prints nothing on
  // stdout and exits 1, naming each as not existing. That is a read (found on the first real
  // pool), not an unreadable source: the zvols are missing, not UNKNOWN.
  testing::SimStack s;
  s.state->zvols.clear();
  Observation o = s.observe();
  ASSERT_TRUE(o.storage.zvols.has_value());
  EXPECT_TRUE(o.storage.zvols->properties.empty());
  StackGraph g = build_graph(s.topology, o);
  const Node* z = g.find(node_id::zvol(s.topology.luns.front().zvol));
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->health, Health::kFailed);
  EXPECT_EQ(z->cause, Cause::kZvolMissing);
}

TEST(ProbeBatch, SourcesKeepTheOrderProbesWereAdded) {
  testing::SimStack s;
  Wrapped w;
  HostLookup l = w.lookup(s.lookup());
  Host* h = l(s.topology.kvm_hosts().front());
  ProbeBatch b;
  for (const char* path : {"/proc/mdstat", "/proc/mounts", "/nonexistent", "/proc/mdstat"})
    b.add(h, h->name(), [path](Prober& p) { p.read(path); });
  std::vector<SourceRecord> out;
  b.run(4, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].source, "/proc/mdstat");
  EXPECT_EQ(out[1].source, "/proc/mounts");
  EXPECT_EQ(out[2].source, "/nonexistent");
  EXPECT_FALSE(out[2].ok);
  EXPECT_EQ(out[3].source, "/proc/mdstat");
}

// A group's follow-up runs once every probe of the group has ended, and the probes it adds
// join the same run behind the others: one by one (the simulator) and side by side alike.
// A follow-up that throws is recorded as a failed read, and the run still ends.
TEST(ProbeBatch, AGroupsFollowUpRunsAfterItsProbesAndAddsToTheSameRun) {
  for (int parallel : {1, 4}) {
    testing::SimStack s;
    Wrapped w;
    HostLookup l = parallel > 1 ? w.lookup(s.lookup()) : s.lookup();
    Host* h = l(s.topology.kvm_hosts().front());
    ProbeBatch b;
    std::mutex mu;
    std::vector<std::string> ended;  // probes in the order they ended
    auto probe = [&](std::string path) {
      return [&, path](Prober& p) {
        p.read(path);
        std::lock_guard<std::mutex> lock(mu);
        ended.push_back(path);
      };
    };
    std::vector<std::string> seen_by_follow_up;
    int g = b.group([&](ProbeBatch& batch) {
      {
        std::lock_guard<std::mutex> lock(mu);
        seen_by_follow_up = ended;
      }
      batch.add(h, h->name(), probe("/proc/mounts"));
    });
    int empty = b.group([](ProbeBatch&) { throw std::runtime_error("no plan"); });
    (void)empty;
    b.add(h, h->name(), probe("/proc/mdstat"), g);
    b.add(h, h->name(), probe("/nonexistent"), g);
    b.add(h, h->name(), probe("/proc/mdstat"));
    std::vector<SourceRecord> out;
    b.run(parallel, out);
    // The follow-up saw both probes of its group ended.
    EXPECT_EQ(std::count(seen_by_follow_up.begin(), seen_by_follow_up.end(), "/nonexistent"), 1) << parallel;
    ASSERT_EQ(out.size(), 5u) << parallel;
    EXPECT_EQ(out[0].source, "/proc/mdstat");
    EXPECT_EQ(out[1].source, "/nonexistent");
    EXPECT_EQ(out[2].source, "/proc/mdstat");
    EXPECT_EQ(out[3].source, "/proc/mounts");  // added by the follow-up: behind the others
    EXPECT_TRUE(out[3].ok);
    EXPECT_FALSE(out[4].ok);
    EXPECT_NE(out[4].error.find("no plan"), std::string::npos) << out[4].error;
  }
}

}  // namespace
}  // namespace stackdr
