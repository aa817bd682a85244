// The simulator kit over real HTTP: the mobile simulator behind the
// NamespaceRouter (as cgw-sim serves it) in-process on 127.0.0.1, requests
// signed by the test with OpenSSL, and a small in-process partner that
// receives callbacks and checks their signatures. Covers namespaces, the
// admin clock, every fault kind and schedule, every callback chaos kind,
// the request journal and seeded determinism.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

TEST_F(SimKit, NamespacesAreIsolatedAndBounded) {
  make_ns("a", {{"seed", 7}});
  make_ns("b", {{"seed", 7}});
  admin("POST", "/admin/namespaces", json::object{{"name", "a"}}, 409);
  admin("POST", "/admin/namespaces", json::object{{"name", "a/b"}}, 400);
  admin("POST", "/admin/namespaces", json::object{{"name", "c"}, {"colour", 1}}, 400);
  make_ns("c");
  make_ns("d");
  admin("POST", "/admin/namespaces", json::object{{"name", "e"}}, 409);  // 4 at most
  EXPECT_EQ(admin("GET", "/admin/namespaces").at("namespaces").as_array().size(), 4u);

  // One seed, one pool: the same number is idle in both; a lock in one
  // does not touch the other, nor the default instance.
  const std::string number = idle_number("/ns/a");
  ASSERT_EQ(number, idle_number("/ns/b"));
  EXPECT_EQ(code(lock("/ns/a", number)), "0");
  EXPECT_EQ(code(lock("/ns/a", number)), "3002");
  EXPECT_EQ(code(lock("/ns/b", number)), "0");
  EXPECT_EQ(code(lock("", number)), "0");
  EXPECT_EQ(admin("GET", "/ns/a/admin/state").at("reservations").as_array().size(), 1u);
  EXPECT_EQ(admin("GET", "/ns/b/admin/state").at("reservations").as_array().size(), 1u);

  // Signed over the target without the prefix, or as sent (base_url with
  // the prefix, as the cgw mobile plugin signs); a bad signature still fails.
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans", "", "/ns/a", true)), "0");
  auto forged = send("GET", "/ns/a/open/v1/plans", "",
                     {{"X-App-Id", kAppId},
                      {"X-Timestamp", std::to_string(cgw::system_now_ms() / 1000)},
                      {"X-Nonce", "forgedNonce000000001"},
                      {"X-Signature", std::string(64, '0')},
                      {std::string(sim::kNamespacePrefixHeader), "/ns/x"}});
  EXPECT_EQ(code(forged), "1001");

  // Own clock: moving a's clock leaves the default one alone.
  auto moved = clock("/ns/a", {{"freeze", true}, {"advance_ms", 3'600'000}});
  EXPECT_GT(moved.at("nowMs").as_int64(), cgw::system_now_ms() + 3'500'000);
  EXPECT_LT(admin("GET", "/admin/clock").at("nowMs").as_int64(), cgw::system_now_ms() + 60'000);
  EXPECT_TRUE(admin("GET", "/ns/a/admin/clock").at("frozen").as_bool());

  admin("DELETE", "/admin/namespaces/a");
  admin("DELETE", "/admin/namespaces/a", nullptr, 404);
  EXPECT_EQ(send("GET", "/ns/a/open/v1/plans").status, 404);
  admin("GET", "/ns/b/admin/namespaces", nullptr, 404);  // no nesting
  admin("DELETE", "/admin/namespaces");
  EXPECT_EQ(router_->namespace_count(), 0u);
}

TEST_F(SimKit, ClockFreezeSetAndAdvance) {
  auto c = admin("GET", "/admin/clock");
  EXPECT_FALSE(c.at("frozen").as_bool());
  c = clock("", {{"freeze", true}});
  const int64_t t = c.at("nowMs").as_int64();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(admin("GET", "/admin/clock").at("nowMs").as_int64(), t);
  EXPECT_EQ(clock("", {{"set_ms", t + 5'000}}).at("nowMs").as_int64(), t + 5'000);
  admin("POST", "/admin/clock", json::object{{"set_ms", t}}, 400);  // the past
  admin("POST", "/admin/clock", json::object{{"set_ms", t + 9'000}, {"advance_ms", 1}}, 400);
  admin("POST", "/admin/clock", json::object{}, 400);
  EXPECT_EQ(clock("", {{"advance_ms", 1'000}}).at("nowMs").as_int64(), t + 6'000);
  c = clock("", {{"freeze", false}});
  EXPECT_FALSE(c.at("frozen").as_bool());
  EXPECT_GE(c.at("nowMs").as_int64(), t + 6'000);
  EXPECT_LT(c.at("nowMs").as_int64(), t + 7'000);
}

TEST_F(SimKit, AdvanceFiresExpiryCompletionAndRetriesInTimeOrder) {
  // No shipping stages (fulfilment false): one stage and one callback.
  make_ns("t", {{"activation_delay_ms", 30'000}, {"fulfilment", false}});
  const int64_t t0 = clock("/ns/t", {{"freeze", true}}).at("nowMs").as_int64();
  admin("POST", "/ns/t/admin/callback-chaos", json::object{{"bad_signature", {{"first", 1}}}});
  const std::string order_id = place_order("/ns/t", "P-order");  // ends at t0 + 30 s
  auto l = signed_call(
      "POST", "/open/v1/numbers/lock",
      json::serialize(json::object{{"number", idle_number("/ns/t")}, {"holdMinutes", 1}}),
      "/ns/t");  // expires at t0 + 60 s
  ASSERT_EQ(code(l), "0");
  const std::string lock_id(json::parse(l.body).at("data").at("lockId").as_string());

  auto moved = clock("/ns/t", {{"advance_ms", 120'000}});
  EXPECT_EQ(moved.at("nowMs").as_int64(), t0 + 120'000);
  std::vector<std::tuple<int64_t, std::string, std::string>> fired;
  for (const auto& f : moved.at("fired").as_array())
    fired.emplace_back(f.at("at_ms").as_int64(), f.at("kind").as_string(), f.at("id").as_string());
  const std::string event = std::string(callbacks("/ns/t").at(0).at("eventId").as_string());
  const decltype(fired) expected = {{t0 + 30'000, "order_stage", order_id},
                                    {t0 + 30'000, "order_final", order_id},
                                    {t0 + 30'000, "callback_attempt", event},  // refused
                                    {t0 + 31'000, "callback_attempt", event},  // the retry
                                    {t0 + 60'000, "lock_expired", lock_id}};
  EXPECT_EQ(fired, expected) << json::serialize(moved);
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].signature_ok);
  EXPECT_TRUE(got[1].signature_ok);
  auto attempts = callbacks("/ns/t").at(0).at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].at("chaos").as_string(), "bad_signature");
  EXPECT_EQ(attempts[0].at("http_status").as_int64(), 401);
  EXPECT_TRUE(attempts[1].at("acknowledged").as_bool());
}

TEST_F(SimKit, EachFaultKindOverHttp) {
  const std::string plans = "/open/v1/plans";
  auto add = [&](json::object rule) {
    rule["operation"] = plans;
    rule["first"] = 1;
    admin("POST", "/admin/faults", rule, 201);
  };
  add({{"kind", "http_status"}, {"status", 503}});
  auto r = signed_call("GET", plans);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(code(signed_call("GET", plans)), "0") << "first: 1 is spent";

  add({{"kind", "business_error"}, {"code", "9999"}});
  EXPECT_EQ(code(signed_call("GET", plans)), "9999");

  add({{"kind", "latency"}, {"latency_ms", 300}});
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(code(signed_call("GET", plans)), "0");
  EXPECT_GE(ms_since(t0), 300);

  add({{"kind", "malformed"}});
  r = signed_call("GET", plans);
  EXPECT_EQ(r.status, 200);
  boost::system::error_code ec;
  json::parse(r.body, ec);
  EXPECT_TRUE(ec) << "a truncated body: " << r.body;

  // A reset or a timeout of a GET would be retried by the client (a reused
  // connection that breaks), so these use a POST.
  const std::string unlock = "/open/v1/numbers/unlock", body = R"({"number":"1","lockId":"x"})";
  auto add_post = [&](json::object rule) {
    rule["operation"] = unlock;
    rule["first"] = 1;
    admin("POST", "/admin/faults", rule, 201);
  };
  add_post({{"kind", "reset"}});
  EXPECT_FALSE(signed_call("POST", unlock, body).ok());

  add_post({{"kind", "timeout"}, {"hold_ms", 2'000}});
  t0 = std::chrono::steady_clock::now();
  r = signed_call("POST", unlock, body, "", false, 200ms);
  EXPECT_FALSE(r.ok()) << "the client gives up";
  EXPECT_LT(ms_since(t0), 1'500);
  add_post({{"kind", "timeout"}, {"hold_ms", 200}});
  t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(signed_call("POST", unlock, body).ok()) << "closed after hold_ms";
  EXPECT_GE(ms_since(t0), 200);
  EXPECT_EQ(code(signed_call("POST", unlock, body)), "3003") << "served again";

  // after_serve: the lock is taken, the reply is lost.
  const std::string number = idle_number("");
  admin("POST", "/admin/faults",
        json::object{{"operation", "/open/v1/numbers/lock"},
                     {"kind", "reset"},
                     {"after_serve", true},
                     {"first", 1}},
        201);
  EXPECT_FALSE(lock("", number).ok());
  EXPECT_EQ(admin("GET", "/admin/state").at("reservations").at(0).at("number").as_string(), number);

  // Never on /admin or /healthz; the journal names operation and fault.
  admin("POST", "/admin/faults", json::object{{"operation", "*"}, {"kind", "reset"}}, 201);
  EXPECT_EQ(send("GET", "/healthz").status, 200);
  auto journal = admin("GET", "/admin/requests?operation=/open/v1/plans&limit=100");
  std::vector<std::string> faults;
  for (const auto& e : journal.at("requests").as_array()) {
    EXPECT_EQ(e.at("operation").as_string(), plans);
    faults.emplace_back(e.at("fault").as_string());
  }
  const std::vector<std::string> want = {"http_status", "", "business_error", "latency",
                                         "malformed"};
  EXPECT_EQ(faults, want);
  std::vector<std::string> unlock_faults;
  const auto unlocks = admin("GET", "/admin/requests?operation=" + unlock);
  for (const auto& e : unlocks.at("requests").as_array())
    unlock_faults.emplace_back(e.at("fault").as_string());
  EXPECT_EQ(unlock_faults, (std::vector<std::string>{"reset", "timeout", "timeout", ""}));
  auto lock_entry = admin("GET", "/admin/requests?operation=/open/v1/numbers/lock&limit=1");
  EXPECT_TRUE(lock_entry.at("requests").at(0).at("signature_ok").as_bool());
  EXPECT_EQ(lock_entry.at("requests").at(0).at("code").as_string(), "0");
  EXPECT_EQ(lock_entry.at("requests").at(0).at("fault").as_string(), "reset");
  admin("DELETE", "/admin/faults");
  EXPECT_EQ(code(signed_call("GET", plans)), "0");
}
