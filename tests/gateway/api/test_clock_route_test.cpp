// /v1/test/clock exists only where the test clock is on (docs/test-clock.md):
// in a test deployment that did not turn it on, the path is an unknown /v1/
// route, even for a key that lists test:clock. Through the gateway's own
// HttpApi on a temporary store (api_in_process.hpp).
#include "api/api_in_process.hpp"
#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace cgw::gw;
namespace fs = std::filesystem;
namespace json = boost::json;
using verb = boost::beast::http::verb;

namespace {

const std::string kClockKey = "route-test-clock-key";

struct Gateway {
  fs::path dir;
  in_process::ApiInProcess gw;

  explicit Gateway(bool clock_on)
      : dir(fs::temp_directory_path() /
            ("cgw_test_clock_route_" + std::to_string(clock_on) + "_" + std::to_string(getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    setenv("CGW_CLOCK_ROUTE_TEST_PII_KEY", std::string(64, 'c').c_str(), 1);
    const std::string yaml = std::string("environment: test\n") +
                             (clock_on ? "test_clock: {enabled: true}\n" : "") +
                             "security: {pii_key: {env: CGW_CLOCK_ROUTE_TEST_PII_KEY}}\n"
                             "tenants:\n  - id: qa\n    api_keys:\n      - sha256: " +
                             cgw::crypto::sha256_hex(kClockKey) +
                             "\n        scopes: [test:clock]\n"
                             "carriers:\n  - id: mobile\n    plugin: /nonexistent.so\n"
                             "    base_url: http://127.0.0.1:9\n";
    EXPECT_EQ(gw.start(yaml, dir, 1796000000000), "");
  }
  ~Gateway() {
    gw.stop();
    fs::remove_all(dir);
  }

  cgw::net::Response call(verb method, const std::string& body = {}) {
    cgw::net::Request req{method, "/v1/test/clock", 11};
    req.set(boost::beast::http::field::authorization, "Bearer " + kClockKey);
    req.body() = body;
    req.prepare_payload();
    cgw::net::Peer peer;
    peer.address = "127.0.0.1";
    auto done = boost::asio::co_spawn(gw.ioc, gw.api->handle(req, peer), boost::asio::use_future);
    gw.ioc.restart();
    gw.ioc.run();
    return done.get();
  }
};

TEST(TestClockRoute, AbsentWhenTheClockIsOff) {
  Gateway off(false);
  auto get = off.call(verb::get);
  EXPECT_EQ(get.result_int(), 404u) << get.body();
  auto post = off.call(verb::post, R"({"advance_ms":1000})");
  EXPECT_EQ(post.result_int(), 404u) << post.body();
  EXPECT_EQ(off.gw.svc->clock.offset_ms(), 0);
}

TEST(TestClockRoute, PresentWhenTheClockIsOn) {
  Gateway on(true);
  auto post = on.call(verb::post, R"({"advance_ms":1000})");
  ASSERT_EQ(post.result_int(), 200u) << post.body();
  EXPECT_EQ(json::parse(post.body()).at("offset_ms").as_int64(), 1000);
  EXPECT_EQ(json::parse(post.body()).at("previous_offset_ms").as_int64(), 0);
  EXPECT_EQ(on.call(verb::get).result_int(), 200u);
  EXPECT_EQ(on.call(verb::put).result_int(), 405u);
}

}  // namespace
