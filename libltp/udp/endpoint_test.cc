#include "libltp/udp/endpoint.h"

#include <gtest/gtest.h>

namespace ltp::udp {
namespace {

HostPort split(std::string_view text) {
  auto r = split_host_port(text);
  EXPECT_TRUE(r) << text << ": " << r.error().message;
  return r ? r.value() : HostPort{};
}

std::string resolved(std::string_view text, AtSign at = AtSign::any_address) {
  auto r = resolve_endpoint(text, at);
  EXPECT_TRUE(r) << text << ": " << r.error().message;
  return r ? to_string(r.value()) : "";
}

TEST(SplitHostPort, IonForms) {
  EXPECT_EQ(split("127.0.0.1").host, "127.0.0.1");
  EXPECT_EQ(split("127.0.0.1").port, kDefaultPort);
  EXPECT_EQ(split("127.0.0.1:4556").port, 4556);
  EXPECT_EQ(split("@").host, "@");
  EXPECT_EQ(split("@:0").port, 0);
  EXPECT_EQ(split("node-2.example").host, "node-2.example");
  EXPECT_EQ(split("[::1]:1114").host, "::1");
  EXPECT_EQ(split("[::1]:1114").port, 1114);
  EXPECT_EQ(split("[::1]").port, kDefaultPort);
  EXPECT_EQ(split("::1").host, "::1");
  EXPECT_EQ(split("fe80::1:2").port, kDefaultPort);  // bare IPv6: all of it is the address
}

TEST(SplitHostPort, RejectsWithAReason) {
  for (const char* bad : {"", ":1113", "host:", "host:65536", "host:-1", "host:12x", "[::1", "[]:1",
                          "[::1]1113", "[::1]:"}) {
    auto r = split_host_port(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("bad address"), std::string::npos) << bad;
    EXPECT_NE(r.error().message.find("expected {host|@}[:port]"), std::string::npos);
  }
}

TEST(ResolveEndpoint, NumericAddresses) {
  EXPECT_EQ(resolved("127.0.0.1"), "127.0.0.1:1113");
  EXPECT_EQ(resolved("127.0.0.1:0"), "127.0.0.1:0");
  EXPECT_EQ(resolved("[::1]:4556"), "[::1]:4556");
  EXPECT_EQ(resolved("::1"), "[::1]:1113");
  EXPECT_EQ(resolved("[::]:9"), "[::]:9");
}

TEST(ResolveEndpoint, AtSign) {
  EXPECT_EQ(resolved("@"), "0.0.0.0:1113");
  EXPECT_EQ(resolved("@:2000"), "0.0.0.0:2000");
  // As udplso: this machine's name, whatever address that resolves to.
  auto local = resolve_endpoint("@:2000", AtSign::local_host);
  if (!local) {  // a machine whose own name does not resolve: the error must say so
    EXPECT_NE(local.error().message.find("cannot resolve host"), std::string::npos);
    GTEST_SKIP() << local.error().message;
  }
  EXPECT_EQ(local.value().port(), 2000);
}

TEST(ResolveEndpoint, HostName) {
  auto r = resolve_endpoint("localhost:7", AtSign::any_address);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().port(), 7);
}

TEST(ResolveEndpoint, UnknownHostNamesTheHost) {
  auto r = resolve_endpoint("no-such-host.invalid:1113", AtSign::any_address);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot resolve host 'no-such-host.invalid'"),
            std::string::npos);
}

TEST(Endpoint, Equality) {
  EXPECT_EQ(resolve_endpoint("127.0.0.1:5", AtSign::any_address).value(),
            resolve_endpoint("127.0.0.1:5", AtSign::any_address).value());
  EXPECT_FALSE(resolve_endpoint("127.0.0.1:5", AtSign::any_address).value() ==
               resolve_endpoint("127.0.0.1:6", AtSign::any_address).value());
  EXPECT_FALSE(resolve_endpoint("127.0.0.1:5", AtSign::any_address).value() ==
               resolve_endpoint("[::1]:5", AtSign::any_address).value());
}

}  // namespace
}  // namespace ltp::udp
