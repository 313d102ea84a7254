// EtcdClient's pieces that need no etcd: the endpoint list an admin writes, and the base64 the
// gateway speaks. The calls themselves are tested against a real cluster (election_test.cc).
#include "coord/etcd_client.h"

#include <gtest/gtest.h>

namespace stackdr::coord {
namespace {

TEST(EtcdEndpoints, ACommaListAndRepeatedOptionsAreReadAsOneList) {
  auto e = parse_endpoints({"http://127.0.0.1:2379, http://127.0.0.2:2379/", "http://etcd-3.example:2379"});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(*e, (std::vector<std::string>{"http://127.0.0.1:2379", "http://127.0.0.2:2379",
                                          "http://etcd-3.example:2379"}));
}

TEST(EtcdEndpoints, WhatIsNotAnEtcdClientUrlIsRefusedSayingHowToWriteIt) {
  for (const char* bad : {"127.0.0.1:2379", "http://127.0.0.1", "http://127.0.0.1:port", "http://h:2379/v3/x",
                          "unix:///run/etcd.sock"}) {
    auto e = parse_endpoints({bad});
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message.find("HOST:PORT"), std::string::npos) << e.error().message;
  }
  auto tls = parse_endpoints({"https://127.0.0.1:2379/", "https://127.0.0.2:2379"});
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_EQ(tls->front(), "https://127.0.0.1:2379");
  auto mixed = parse_endpoints({"https://127.0.0.1:2379,http://127.0.0.2:2379"});
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message.find("all http:// or all https://"), std::string::npos)
      << mixed.error().message;
  auto none = parse_endpoints({" , "});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no etcd endpoint"), std::string::npos);
}

TEST(EtcdBase64, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (size_t n = 0; n <= all.size(); n += 7) {
    std::string in = all.substr(0, n);
    auto back = base64_decode(base64_encode(in));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, in) << n;
  }
  // What etcd's gateway printed for "/stackdr/stacks/a/leader" and "me".
  EXPECT_EQ(base64_encode("/stackdr/stacks/a/leader"), "L3N0YWNrZHIvc3RhY2tzL2EvbGVhZGVy");
  EXPECT_EQ(*base64_decode("bWU="), "me");
}

TEST(EtcdBase64, DamagedTextIsAnErrorNotAGuess) {
  for (const char* bad : {"bWU", "b!U=", "b=U=", "bW==bWU="}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace stackdr::coord
