// More of mobile_plugin_test: MobilePrivacy, MobileCallback, MobileConfig,
// MobileConcurrency, MobileSharedObject (shared fixtures:
// mobile_plugin_fixture.hpp).
#include "mobile_plugin_fixture.hpp"

using namespace mobile_plugin;

namespace {

// ---------------------------------------------------------------- privacy ---

// Whatever goes wrong around a KYC or an order, no error message may carry
// the applicant's name or ID number.
TEST(MobilePrivacy, ErrorsNeverContainNameOrIdNumber) {
  Mobile m;
  const std::string kyc_echo =
      R"({"code":"4002","message":")" + std::string(kName) + " " + kIdNumber + R"("})";
  const std::vector<Reply> replies = {transport(CGW_TRANSPORT_TIMEOUT),
                                      http(500),
                                      http(418),
                                      raw("not json"),
                                      raw(kyc_echo),
                                      biz("4002"),
                                      biz("2001"),
                                      ok({{"verifyId", kIdNumber}, {"verifyResult", kName}}),
                                      ok({{"orderId", 5}, {"orderState", kName}})};
  for (const std::string op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit}) {
    for (const Reply& r : replies) {
      auto s = m.run(op, valid_input(op), r);
      if (s->kind != CGW_STEP_FAIL) continue;
      const Err e = Mobile::error_of(*s);
      EXPECT_EQ(e.message.find(kName), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.message.find(kIdNumber), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.carrier_code.find(kIdNumber), std::string::npos);
    }
  }
}

// ------------------------------------------------------------- callbacks ---

struct SignedCallback {
  std::string method = "POST";
  std::string url = "/callbacks/mobile?tenant=t1";
  std::string app_id = "cgw-test";
  std::string secret = "s3cret-key";
  int64_t timestamp = kNowMs / 1000;
  std::string nonce = "Nonce0123456789abcdef";
  std::string body =
      R"({"eventId":"E-1","orderId":"O-1","partnerOrderId":"G-1","orderState":"FAILED",)"
      R"("failReason":"4004","eventTime":1763800000000})";

  std::vector<std::pair<std::string, std::string>> headers() const {
    const std::string ts = std::to_string(timestamp);
    const std::string target = url.rfind("http", 0) == 0 ? target_of(url) : url;
    return {{"x-app-id", app_id},  // header names are case-insensitive
            {"X-Timestamp", ts},
            {"X-Nonce", nonce},
            {"X-Signature", expected_signature(secret, method, target, ts, nonce, body)},
            {"Content-Type", "application/json"}};
  }
};

TEST(MobileCallback, GoodCallbackIsVerifiedAndParsed) {
  Mobile m;
  SignedCallback cb;
  auto r = m.callback(cb.method, cb.url, cb.headers(), cb.body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  EXPECT_EQ(json::parse(sv(r->events_json)),
            json::parse(R"([{"type":"activation.status","event_id":"E-1","carrier_order_id":"O-1",
                "gateway_order_id":"G-1","status":"failed","reason":"4004",
                "occurred_at_ms":1763800000000}])"));
  EXPECT_EQ(r->ack_status, 200);
  EXPECT_EQ(sv(r->ack_content_type), "application/json");
  EXPECT_EQ(sv(r->ack_body), R"({"code":"0","message":"success"})");

  // Also at the edge of the clock window, and with an absolute URL.
  cb.timestamp = kNowMs / 1000 - 300;
  cb.url = "http://gw.example:8080/callbacks/mobile?tenant=t1";
  cb.body = R"({"eventId":"E-2","orderId":"O-1","partnerOrderId":"G-1","orderState":"SUCCESS",)"
            R"("eventTime":1})";
  r = m.callback(cb.method, cb.url, cb.headers(), cb.body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  EXPECT_EQ(json::parse(sv(r->events_json)).at(0).at("status"), "activated");
}

TEST(MobileCallback, RefusesForgedOrStale) {
  Mobile m;
  auto refused = [&](const SignedCallback& cb,
                     std::vector<std::pair<std::string, std::string>> headers, int status = 401) {
    auto r = m.callback(cb.method, cb.url, headers, cb.body);
    EXPECT_EQ(r->verified, 0);
    EXPECT_EQ(sv(r->error.code), "CALLBACK_REJECTED");
    EXPECT_EQ(r->ack_status, status);
    EXPECT_NE(sv(r->ack_body), R"({"code":"0","message":"success"})");
    const std::string msg = sv(r->error.message);
    EXPECT_EQ(msg.find(kName), std::string::npos);
    return msg;
  };
  SignedCallback good;
  {
    auto h = good.headers();
    h[3].second[0] = h[3].second[0] == 'a' ? 'b' : 'a';  // one flipped signature digit
    EXPECT_NE(refused(good, h).find("signature"), std::string::npos);
  }
  {
    SignedCallback cb = good;  // signed for another path
    auto h = cb.headers();
    cb.url = "/callbacks/mobile?tenant=t2";
    EXPECT_NE(refused(cb, h).find("signature"), std::string::npos);
  }
  {
    SignedCallback cb = good;  // signed with another secret
    cb.secret = "other";
    EXPECT_NE(refused(cb, cb.headers()).find("signature"), std::string::npos);
  }
  for (int64_t skew : {-301, 301, -100000000}) {
    SignedCallback cb = good;
    cb.timestamp += skew;
    EXPECT_NE(refused(cb, cb.headers()).find("timestamp"), std::string::npos) << skew;
  }
  {
    SignedCallback cb = good;
    cb.app_id = "someone-else";
    EXPECT_NE(refused(cb, cb.headers()).find("app id"), std::string::npos);
  }
  {
    auto h = good.headers();
    h.erase(h.begin() + 2);  // no nonce
    refused(good, h);
    h = good.headers();
    h[1].second = "17638OOOOO";
    refused(good, h);
  }
  for (
      std::string body :
      {std::string("not json {") + kName,
       std::string(
           R"({"orderId":"O","partnerOrderId":"G","orderState":"SUCCESS","eventTime":1,"name":")") +
           kName + "\"}",
       std::string(
           R"({"eventId":"E","orderId":"O","partnerOrderId":"G","orderState":"SUCCESS","eventTime":"1"})"),
       std::string(
           R"({"eventId":"E","orderId":"O","partnerOrderId":"G","orderState":"LOST","eventTime":1})")}) {
    SignedCallback cb = good;  // correctly signed, but unusable content
    cb.body = body;
    EXPECT_NE(refused(cb, cb.headers(), 400).find("body"), std::string::npos);
  }
}

// ---------------------------------------------------------------- config ---

TEST(MobileConfig, InvalidSettingsAreConfigInvalid) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{base_url: 'http://h', app_id: a, callback_url: 'http://c'}", "'secret' is required"},
      {"{base_url: 'http://h', app_id: a, secret: '', callback_url: 'http://c'}", "'secret'"},
      {"{base_url: 'http://h', app_id: a, secret: [x], callback_url: 'http://c'}", "'secret'"},
      {"{app_id: a, secret: TOPSECRET, callback_url: 'http://c'}", "'base_url' is required"},
      {"{base_url: 'not a url', app_id: a, secret: TOPSECRET, callback_url: 'http://c'}",
       "'base_url'"},
      {"{base_url: 'ftp://h', app_id: a, secret: TOPSECRET, callback_url: 'http://c'}",
       "'base_url'"},
      {"{base_url: 'http://h/?x=1', app_id: a, secret: s, callback_url: 'http://c'}", "'base_url'"},
      {"{base_url: 'http://h', secret: s, callback_url: 'http://c'}", "'app_id' is required"},
      {"{base_url: 'http://h', app_id: {x: 1}, secret: s, callback_url: 'http://c'}", "'app_id'"},
      {"{base_url: 'http://h', app_id: a, secret: s}", "'callback_url' is required"},
      {"{base_url: 'http://h', app_id: a, secret: s, callback_url: '/cb'}", "'callback_url'"},
      {"{base_url: 'http://h', app_id: a, secret: s, callback_url: 'http://c', hold_minutes: x}",
       "'hold_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: s, callback_url: 'http://c', hold_minutes: 0}",
       "'hold_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: s, callback_url: 'http://c', timeout_ms: -1}",
       "'timeout_ms'"},
      {"[1, 2]", "not a JSON object"},
      {"", "not a JSON object"},
  };
  for (const auto& [yaml, needle] : cases) {
    Mobile m(yaml);
    EXPECT_FALSE(m.created()) << yaml;
    EXPECT_EQ(m.create_error.code, "CONFIG_INVALID") << yaml;
    EXPECT_NE(m.create_error.message.find(needle), std::string::npos)
        << yaml << " -> " << m.create_error.message;
    EXPECT_EQ(m.create_error.message.find("TOPSECRET"), std::string::npos);
  }
}

// ----------------------------------------------------- threads and .so ---

// start/resume/parse_callback share one instance across threads.
TEST(MobileConcurrency, ParallelOperationsOnOneInstance) {
  Mobile m;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      SignedCallback cb;
      for (int i = 0; i < 100; ++i) {
        auto r = m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                       ok({{"lockId", "L-" + std::to_string(i)}, {"expireTime", i}}));
        auto c = m.callback(cb.method, cb.url, cb.headers(), cb.body);
        if (r->kind == CGW_STEP_DONE && c->verified) ++good;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 400);
}

TEST(MobileSharedObject, RealModuleExportsWorkingTable) {
  const cgw::test::LoadedModule module(CGW_MOBILE_PLUGIN_PATH);
  const cgw_plugin_v1* t = module.table();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi_major, CGW_ABI_MAJOR);
  EXPECT_EQ(t->abi_minor, CGW_ABI_MINOR);
  EXPECT_EQ(t->struct_size, sizeof(cgw_plugin_v1));
  EXPECT_EQ(sv(t->name), "mobile");
  EXPECT_EQ(sv(t->version), "1.0.0");
  EXPECT_EQ(t->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MNO));
  EXPECT_EQ(t->capabilities, kAllCaps);
  {
    Mobile m(kConfig, t);
    ASSERT_TRUE(m.created());
    auto s = m.start(cgw::op::kPlansList, nullptr);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(Mobile::header(*s, "X-Signature"),
              "82aab8b3c41fcf920582879b75dfdc0c940fd28a84d3cc86a08a7a961ad34624");
    auto r = Mobile::result_of(*m.resume(*s, ok({{"plans", json::array{}}})));
    EXPECT_EQ(r, json::parse(R"({"plans":[]})"));
  }
}

}  // namespace
