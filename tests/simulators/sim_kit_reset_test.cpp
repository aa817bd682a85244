// POST /admin/reset over real HTTP: the default instance and a namespace go
// back to the state of a fresh start (ledger, faults, chaos, callbacks,
// journal, clock, id streams), a request in flight finishes on the old
// state, and nothing from before leaks into the new one.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

namespace {

json::object delayed_chaos() {
  return {{"delay", {{"ms", 600'000}, {"every", 1}}}};
}

}  // namespace

TEST_F(SimKit, ResetDefaultInstanceToAFreshStart) {
  const std::string number = idle_number("");
  const std::string first_id = place_order("", "P-reset-1");
  const std::string second = idle_number("");
  const std::string lock_id(json::parse(lock("", second).body).at("data").at("lockId").as_string());
  admin("POST", "/admin/faults",
        json::object{{"operation", "/open/v1/plans"}, {"kind", "http_status"}, {"status", 503}},
        201);
  admin("POST", "/admin/callback-chaos", delayed_chaos());
  clock("", {{"freeze", true}, {"advance_ms", 30'000}});  // shipped: a callback held back

  const json::object reply = admin("POST", "/admin/reset");
  EXPECT_EQ(reply.at("reset").as_string(), "default");
  const json::object& gone = reply.at("discarded").as_object();
  EXPECT_EQ(gone.at("orders").to_number<int64_t>(), 1);
  EXPECT_EQ(gone.at("reservations").to_number<int64_t>(), 2);
  EXPECT_EQ(gone.at("faults").to_number<int64_t>(), 1);
  EXPECT_GE(gone.at("pendingCallbacks").to_number<int64_t>(), 1);
  EXPECT_GE(gone.at("requests").to_number<int64_t>(), 4);
  EXPECT_GE(gone.at("clockOffsetMs").to_number<int64_t>(), 29'000);
  EXPECT_EQ(reply.at("clockOffsetMs").to_number<int64_t>(), 0);
  EXPECT_FALSE(reply.at("frozen").as_bool());

  const json::object state = admin("GET", "/admin/state");
  EXPECT_TRUE(state.at("orders").as_array().empty());
  EXPECT_TRUE(state.at("reservations").as_array().empty());
  EXPECT_TRUE(state.at("callbacks").as_array().empty());
  EXPECT_FALSE(state.at("frozen").as_bool());
  EXPECT_EQ(state.at("clockOffsetMs").to_number<int64_t>(), 0);
  EXPECT_TRUE(admin("GET", "/admin/faults").at("faults").as_array().empty());
  EXPECT_TRUE(admin("GET", "/admin/callback-chaos").empty());
  EXPECT_EQ(admin("GET", "/admin/requests").at("total").to_number<int64_t>(), 0);
  EXPECT_TRUE(admin("GET", "/admin/lines").at("lines").as_array().empty());
  // The lock of before is gone with its ledger: the number is idle again.
  EXPECT_EQ(idle_number(""), number);
  EXPECT_EQ(
      code(signed_call("POST", "/open/v1/numbers/unlock",
                       json::serialize(json::object{{"number", second}, {"lockId", lock_id}}))),
      "3003");
  EXPECT_TRUE(partner_->received().empty());  // the held callbacks never left
  // Id streams start again: the same requests give the same ids.
  EXPECT_EQ(place_order("", "P-reset-1"), first_id);
}

TEST_F(SimKit, ResetNamespaceKeepsItsCreationConfig) {
  make_ns("r1", {{"seed", 11},
                 {"faults", json::array{json::object{{"operation", "/open/v1/orders/cancel"},
                                                     {"kind", "http_status"},
                                                     {"status", 500}}}}});
  make_ns("r2", {{"seed", 11}});
  const std::string first_id = place_order("/ns/r1", "P-ns-1");
  const std::string other = place_order("/ns/r2", "P-ns-1");
  admin("POST", "/ns/r1/admin/faults",
        json::object{{"operation", "*"}, {"kind", "latency"}, {"latency_ms", 1}}, 201);
  const json::object reply = admin("POST", "/ns/r1/admin/reset");
  EXPECT_EQ(reply.at("reset").as_string(), "r1");
  EXPECT_EQ(reply.at("seed").to_number<int64_t>(), 11);
  EXPECT_EQ(reply.at("faults").to_number<int64_t>(), 1);  // the POST's rule, not the added one
  auto faults = admin("GET", "/ns/r1/admin/faults").at("faults").as_array();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].at("operation").as_string(), "/open/v1/orders/cancel");
  EXPECT_TRUE(admin("GET", "/ns/r1/admin/state").at("orders").as_array().empty());
  // The other namespace and the default instance are untouched.
  EXPECT_EQ(admin("GET", "/ns/r2/admin/state").at("orders").as_array().size(), 1u);
  EXPECT_EQ(place_order("/ns/r1", "P-ns-1"), first_id);
  EXPECT_NE(first_id, other);
  admin("POST", "/ns/nope/admin/reset", nullptr, 404);
  admin("GET", "/admin/reset", nullptr, 405);
}

TEST_F(SimKit, RequestInFlightFinishesOnTheOldState) {
  const std::string number = idle_number("");
  admin("POST", "/admin/faults",
        json::object{
            {"operation", "/open/v1/numbers/lock"}, {"kind", "latency"}, {"latency_ms", 400}},
        201);
  // Sent without waiting for the answer (the client serves both at once).
  const std::string body = json::serialize(json::object{{"number", number}, {"holdMinutes", 0}});
  const std::string ts = std::to_string(cgw::system_now_ms() / 1000);
  net::ClientRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/open/v1/numbers/lock";
  req.body = body;
  req.headers = {
      {"X-App-Id", kAppId},
      {"X-Timestamp", ts},
      {"X-Nonce", "inflightnonce000001"},
      {"X-Signature", sign("POST", "/open/v1/numbers/lock", ts, "inflightnonce000001", body)}};
  req.timeout = 5s;
  auto pending = asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future);
  // Wait (bounded) until the old instance has taken the request.
  const auto t0 = std::chrono::steady_clock::now();
  while (ms_since(t0) < 5'000 &&
         admin("GET", "/admin/faults").at("faults").at(0).at("fired").to_number<int64_t>() == 0)
    std::this_thread::sleep_for(5ms);
  admin("POST", "/admin/reset");
  const auto answered = pending.get();
  EXPECT_EQ(code(answered), "0") << answered.body;  // served by the old state
  // ... which the new state does not contain.
  EXPECT_TRUE(admin("GET", "/admin/state").at("reservations").as_array().empty());
  EXPECT_EQ(code(lock("", number)), "0");
}
