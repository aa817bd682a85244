// Unit tests of the `mobile` carrier plugin (docs/carriers/mobile.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. One test also loads the real cgw_mobile.so with dlopen.
#include "mobile_plugin.hpp"
#include "signing.hpp"

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using cgw::mobile::MobilePlugin;

constexpr int64_t kNowMs = 1763800000123;
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "11010119900307123X";
constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9101
app_id: cgw-test
secret: s3cret-key
callback_url: http://127.0.0.1:8080/callbacks/mobile?tenant=t1
hold_minutes: 45
)";
constexpr uint64_t kAllCaps = CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE |
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS;

std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

// ----------------------------------------------------------- fake host ---

struct FakeHost {
  std::atomic<int64_t> now_ms{kNowMs};
  std::mutex mu;
  unsigned char next_byte = 0;  // random_bytes yields 00 01 02 ...
  std::map<std::string, std::string> cache;
};

FakeHost& fake(void* ctx) {
  return *static_cast<FakeHost*>(ctx);
}

const cgw_host_v1 kHost = {
    sizeof(cgw_host_v1),
    CGW_ABI_MAJOR,
    CGW_ABI_MINOR,
    [](void*, int32_t, cgw_str) {},
    [](void*, size_t n) { return std::malloc(n); },
    [](void*, void* p) { std::free(p); },
    [](void* ctx) -> int64_t { return fake(ctx).now_ms.load(); },
    [](void* ctx, void* buf, size_t len) {
      std::lock_guard lock(fake(ctx).mu);
      for (size_t i = 0; i < len; ++i) static_cast<unsigned char*>(buf)[i] = fake(ctx).next_byte++;
    },
    [](void* ctx, cgw_str k, cgw_str v, int64_t) {
      std::lock_guard lock(fake(ctx).mu);
      fake(ctx).cache[sv(k)] = sv(v);
    },
    [](void* ctx, cgw_str k, cgw_str* out) -> int32_t {
      std::lock_guard lock(fake(ctx).mu);
      auto it = fake(ctx).cache.find(sv(k));
      if (it == fake(ctx).cache.end()) return 0;
      char* p = static_cast<char*>(std::malloc(it->second.size() + 1));
      it->second.copy(p, it->second.size());
      *out = cgw_str{p, it->second.size()};
      return 1;
    },
};

// ------------------------------------------------- independent crypto ---

std::string hex(const unsigned char* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

// The signature as the doc defines it, computed here without the plugin.
std::string expected_signature(const std::string& secret, const std::string& method,
                               const std::string& target, const std::string& ts,
                               const std::string& nonce, const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr);
  const std::string sts = method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + hex(md, len);
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(sts.data()), sts.size(), md, &len);
  return hex(md, len);
}

// "http://host:port/p?q" -> "/p?q"
std::string target_of(const std::string& url) {
  return url.substr(url.find('/', url.find("://") + 3));
}

// ------------------------------------------------------------- harness ---

struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
};
Reply ok(json::value data) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", "0"}, {"message", "ok"}, {"data", data}})};
}
Reply biz(const std::string& code) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", code}, {"message", std::string("no ") + kName}})};
}
Reply transport(int t) {
  return {t, 0, ""};
}
Reply http(int status) {
  return {CGW_TRANSPORT_OK, status, "<html>busy</html>"};
}
Reply raw(std::string body) {
  return {CGW_TRANSPORT_OK, 200, std::move(body)};
}

struct Err {
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
};

struct TestTag {};

class Mobile {
 public:
  explicit Mobile(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : t_(table ? table
                 : cgw::detail::Exporter<MobilePlugin, TestTag>::entry(&kHost, "mobile", "1.0.0",
                                                                       CGW_CARRIER_MNO, kAllCaps)) {
    cgw_step_v1* err = nullptr;
    inst_ = t_->create(&host, cs(yaml), &err);
    if (err) {
      create_error = error_of(*err);
      t_->free_step(err);
    }
  }
  ~Mobile() {
    if (inst_) t_->destroy(inst_);
  }
  bool created() const { return inst_ != nullptr; }

  using StepPtr = std::unique_ptr<cgw_step_v1, std::function<void(cgw_step_v1*)>>;
  StepPtr own(cgw_step_v1* s) {
    return StepPtr(s, [t = t_](cgw_step_v1* p) { t->free_step(p); });
  }
  StepPtr start(const std::string& op, const json::value& input) {
    const std::string in = input.is_null() ? "" : json::serialize(input);
    return own(t_->start(inst_, cs(op), cs(in)));
  }
  StepPtr resume(const cgw_step_v1& send, const Reply& r) { return resume(sv(send.state), r); }
  StepPtr resume(const std::string& state, const Reply& r) {
    const cgw_http_response_v1 resp{r.transport, r.status, nullptr, 0, cs(r.body)};
    return own(t_->resume(inst_, cs(state), &resp));
  }
  // start, expect a SEND, answer it with `r`.
  StepPtr run(const std::string& op, const json::value& input, const Reply& r) {
    auto s = start(op, input);
    EXPECT_EQ(s->kind, CGW_STEP_SEND) << sv(s->error.message);
    if (s->kind != CGW_STEP_SEND) return s;
    return resume(*s, r);
  }
  using CallbackPtr = std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>>;
  CallbackPtr callback(const std::string& method, const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
    std::vector<cgw_header> hs;
    for (const auto& [k, v] : headers) hs.push_back({cs(k), cs(v)});
    const cgw_http_request_v1 req{cs(method), cs(url), hs.data(), hs.size(), cs(body), 0};
    return CallbackPtr(t_->parse_callback(inst_, &req),
                       [t = t_](cgw_callback_v1* c) { t->free_callback(c); });
  }

  static Err error_of(const cgw_step_v1& s) {
    EXPECT_EQ(s.kind, CGW_STEP_FAIL);
    return {sv(s.error.code), sv(s.error.message), sv(s.error.carrier_code), s.error.retryable != 0,
            s.error.outcome_unknown != 0};
  }
  static json::value result_of(const cgw_step_v1& s) {
    EXPECT_EQ(s.kind, CGW_STEP_DONE) << sv(s.error.code) << ": " << sv(s.error.message);
    return s.kind == CGW_STEP_DONE ? json::parse(sv(s.result_json)) : json::value();
  }
  static std::string header(const cgw_step_v1& s, const std::string& name) {
    for (size_t i = 0; i < s.request.header_count; ++i)
      if (sv(s.request.headers[i].name) == name) return sv(s.request.headers[i].value);
    return "<absent>";
  }

  FakeHost host;
  Err create_error;

 private:
  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
};

json::value valid_input(const std::string& op) {
  if (op == cgw::op::kNumberReserve)
    return {{"msisdn", "13800000001"}, {"gateway_reservation_id", "R-1"}};
  if (op == cgw::op::kNumberRelease)
    return {{"msisdn", "13800000001"}, {"carrier_reservation_id", "L-1"}};
  if (op == cgw::op::kKycVerify) return {{"name", kName}, {"id_number", kIdNumber}};
  if (op == cgw::op::kActivationSubmit)
    return {{"gateway_order_id", "G-1"},
            {"msisdn", "13800000001"},
            {"plan_id", "P-39"},
            {"carrier_reservation_id", "L-1"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "Beijing"}}}};
  if (op == cgw::op::kActivationQuery) return {{"gateway_order_id", "G-1"}};
  if (op == cgw::op::kInventorySync) return json::object{};
  return nullptr;
}

// -------------------------------------------------------------- signing ---

TEST(MobileSigning, KnownVectors) {
  using namespace cgw::mobile;
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(string_to_sign("post", "/a?b=1", "17", "n0nce", "abc"),
            "POST\n/a?b=1\n17\nn0nce\n"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

TEST(MobileSigning, GetRequestKnownAnswer) {
  Mobile m;
  auto s = m.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "GET");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/plans");
  EXPECT_EQ(sv(s->request.body), "");
  EXPECT_EQ(Mobile::header(*s, "X-App-Id"), "cgw-test");
  EXPECT_EQ(Mobile::header(*s, "X-Timestamp"), "1763800000");
  EXPECT_EQ(Mobile::header(*s, "X-Nonce"), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(Mobile::header(*s, "Content-Type"), "<absent>");
  // Computed with: printf 'GET\n/open/v1/plans\n1763800000\n0001...0f\n<sha256("")>' |
  //   openssl dgst -sha256 -hmac s3cret-key
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            "82aab8b3c41fcf920582879b75dfdc0c940fd28a84d3cc86a08a7a961ad34624");
  EXPECT_EQ(s->request.timeout_ms, 0u);
}

TEST(MobileSigning, PostRequestMatchesIndependentSignature) {
  Mobile m;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(Mobile::header(*s, "Content-Type"), "application/json");
  const std::string url = sv(s->request.url), body = sv(s->request.body);
  EXPECT_EQ(url, "http://127.0.0.1:9101/open/v1/numbers/lock");
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            expected_signature("s3cret-key", "POST", target_of(url), "1763800000",
                               Mobile::header(*s, "X-Nonce"), body));
  EXPECT_EQ(json::parse(body), json::parse(R"({"number":"13800000001","holdMinutes":45,
                                              "partnerLockId":"R-1"})"));
}

TEST(MobileRequests, QueryIsEncodedAndSignedAsSent) {
  Mobile m;
  auto s = m.start(cgw::op::kInventorySync, {{"cursor", "a+b/c= d"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const std::string url = sv(s->request.url);
  EXPECT_EQ(url, "http://127.0.0.1:9101/open/v1/numbers?cursor=a%2Bb%2Fc%3D%20d&size=5000");
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            expected_signature("s3cret-key", "GET", target_of(url), "1763800000",
                               Mobile::header(*s, "X-Nonce"), ""));
}

TEST(MobileRequests, BasePathTimeoutAndHoldDefault) {
  Mobile m(R"({base_url: "http://gw.example:81/carrier/", app_id: a, secret: s,
               callback_url: "https://cb.example/x", timeout_ms: 2500})");
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/open/v1/numbers/lock");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_EQ(json::parse(sv(s->request.body)).at("holdMinutes"), 30);
}

TEST(MobileRequests, HoldSecondsRoundUpToMinutes) {
  Mobile m;
  for (auto [secs, minutes] :
       std::vector<std::pair<int, int>>{{0, 45}, {1, 1}, {60, 1}, {61, 2}, {3600, 60}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = m.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(json::parse(sv(s->request.body)).at("holdMinutes"), minutes) << secs;
  }
}

TEST(MobileRequests, InvalidInputsFailBeforeSending) {
  Mobile m;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 13800000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", kName}, {"id_number", 42}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "1 "}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 42}}},
  };
  for (const auto& [op, input] : cases) {
    auto s = m.start(op, input);
    const Err e = Mobile::error_of(*s);
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  EXPECT_EQ(Mobile::error_of(*m.start("number.transfer", nullptr)).code, "UNSUPPORTED_OPERATION");
}

// ----------------------------------------------------------- operations ---

TEST(MobileOperations, PlansList) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(cgw::op::kPlansList, nullptr, ok(json::parse(R"({"plans":[
      {"planCode":"P-39","planName":"Basic","monthlyFee":3900,"dataMb":10240,"voiceMin":100}]})"))));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"P-39","name":"Basic","monthly_fee_fen":3900,
                                "data_mb":10240,"voice_minutes":100}]})"));
}

TEST(MobileOperations, InventorySyncMapsStateAndLevel) {
  Mobile m;
  auto r = Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{}, ok(json::parse(R"({"numbers":[
      {"number":"1","province":"BJ","city":"Beijing","price":0,"level":3,"state":"idle"},
      {"number":"2","province":"BJ","city":"Beijing","price":500,"level":10,"state":"locked"},
      {"number":"3","province":"SH","city":"Shanghai","price":9,"state":"sold"}],
      "nextCursor":"c2","hasMore":true})"))));
  const auto out = json::value_to<cgw::InventorySyncOutput>(r);
  ASSERT_EQ(out.items.size(), 3u);
  EXPECT_EQ(out.items[0].status, "available");
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, "reserved");
  EXPECT_EQ(out.items[1].price_fen, 500);
  EXPECT_EQ(out.items[2].status, "sold");
  EXPECT_FALSE(out.items[2].carrier_grade.has_value());
  EXPECT_EQ(out.next_cursor, "c2");
  EXPECT_TRUE(out.has_more);
}

TEST(MobileOperations, InventoryListingMapsChangeSeqAndTotal) {
  Mobile m;
  auto out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"numbers":[],"nextCursor":"13800000009","hasMore":true,
                         "changeSeq":7,"total":1000000})")))));
  EXPECT_EQ(out.change_cursor, "7");
  EXPECT_EQ(out.total, 1000000);
  EXPECT_EQ(out.next_cursor, "13800000009");
  // An older carrier release: no change feed, no total.
  out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"numbers":[],"nextCursor":"","hasMore":false})")))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_FALSE(out.total.has_value());
}

TEST(MobileOperations, InventoryChangeFeed) {
  Mobile m;
  auto s = m.start(cgw::op::kInventorySync,
                   {{"since", "42"}, {"cursor", "ignored"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/numbers?changedSince=42&size=5000");
  EXPECT_EQ(sv(s->request.method), "GET");
  auto out = json::value_to<cgw::InventorySyncOutput>(
      Mobile::result_of(*m.resume(*s, ok(json::parse(R"({"numbers":[
          {"number":"13800000001","province":"BJ","city":"Beijing","price":0,"level":0,"state":"sold"},
          {"number":"13800000002","province":"BJ","city":"Beijing","price":0,"level":0,"state":"idle"}],
          "nextCursor":"","hasMore":true,"changeSeq":57,"total":1000000})")))));
  ASSERT_EQ(out.items.size(), 2u);
  EXPECT_EQ(out.items[0].status, "sold");
  EXPECT_EQ(out.items[1].status, "available");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "") << "the feed goes on from change_cursor";
  EXPECT_EQ(out.total, 1000000);
  // Nothing changed: the same position, no more.
  out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, {{"since", "42"}},
             ok(json::parse(R"({"numbers":[],"nextCursor":"","hasMore":false,"changeSeq":42})")))));
  EXPECT_TRUE(out.items.empty());
  EXPECT_FALSE(out.has_more);
  EXPECT_EQ(out.change_cursor, "42");
  // Broken feed replies are CARRIER_BAD_RESPONSE, never a crash.
  for (const char* data : {
           R"({"numbers":[],"hasMore":false})",                    // no changeSeq
           R"({"numbers":[],"hasMore":false,"changeSeq":"43"})",   // not an integer
           R"({"numbers":[],"hasMore":false,"changeSeq":-1})",     // negative
           R"({"numbers":[],"hasMore":false,"changeSeq":41})",     // went back
           R"({"numbers":[],"hasMore":true,"changeSeq":42})",      // more, but no progress
           R"({"numbers":[],"hasMore":false,"changeSeq":4.5e1})",  // not an integer
       }) {
    const Err e =
        Mobile::error_of(*m.run(cgw::op::kInventorySync, {{"since", "42"}}, ok(json::parse(data))));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << data;
    EXPECT_FALSE(e.outcome_unknown);
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(Mobile::error_of(*m.run(cgw::op::kInventorySync, {{"since", "42"}}, biz("2001"))).code,
            "INVALID_ARGUMENT");
}

TEST(MobileOperations, ReserveAndRelease) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                                    ok({{"lockId", "L-9"}, {"expireTime", 1763801800000}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"L-9","expires_at_ms":1763801800000})"));
  auto s = m.start(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/numbers/unlock");
  EXPECT_EQ(json::parse(sv(s->request.body)), json::parse(R"({"number":"13800000001",
                                                               "lockId":"L-1"})"));
  EXPECT_EQ(Mobile::result_of(*m.resume(*s, ok(json::object{}))),
            json::parse(R"({"released":true})"));
}

TEST(MobileOperations, SubmitSendsOrderWithNotifyUrl) {
  Mobile m;
  auto s = m.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/orders");
  const auto body = json::parse(sv(s->request.body));
  EXPECT_EQ(body.at("partnerOrderId"), "G-1");
  EXPECT_EQ(body.at("lockId"), "L-1");
  EXPECT_EQ(body.at("planCode"), "P-39");
  EXPECT_EQ(body.at("certNo"), kIdNumber);
  EXPECT_EQ(body.at("contact").at("phone"), "13900000000");
  EXPECT_EQ(body.at("notifyUrl"), "http://127.0.0.1:8080/callbacks/mobile?tenant=t1");
  auto r = Mobile::result_of(*m.resume(*s, ok({{"orderId", "O-1"}, {"orderState", "PROCESSING"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"O-1","status":"submitted","reason":""})"));
}

TEST(MobileOperations, QueryMapsOrderStates) {
  Mobile m;
  auto s = m.start(cgw::op::kActivationQuery,
                   {{"gateway_order_id", "G 1"}, {"carrier_order_id", "O-1"}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url),
            "http://127.0.0.1:9101/open/v1/orders/query?partnerOrderId=G%201&orderId=O-1");
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"PROCESSING", "submitted", ""}, {"SUCCESS", "activated", ""}, {"FAILED", "failed", "5003"}};
  for (const auto& [state, status, reason] : rows) {
    auto r = Mobile::result_of(*m.resume(*s, ok({{"orderId", "O-1"},
                                                 {"partnerOrderId", "G 1"},
                                                 {"orderState", state},
                                                 {"failReason", "5003"}})));
    EXPECT_EQ(r.at("status"), status.c_str());
    EXPECT_EQ(r.at("reason"), reason.c_str());
  }
  // A reply about another order must not be taken for this one.
  auto e = Mobile::error_of(*m.resume(*s, ok({{"orderId", "O-2"}, {"orderState", "SUCCESS"}})));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
}

TEST(MobileOperations, ResumeWithUnknownStateIsPluginError) {
  Mobile m;
  EXPECT_EQ(Mobile::error_of(*m.resume(R"({"op":"number.transfer"})", ok({}))).code,
            "PLUGIN_ERROR");
  EXPECT_EQ(Mobile::error_of(*m.resume("[1]", ok({}))).code, "PLUGIN_ERROR");
}

// ------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code;
  bool retryable;
};

void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}

class MobileBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(MobileBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(
      *m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve), biz(row.carrier_code)));
  EXPECT_EQ(e.code, row.gateway_code);
  EXPECT_EQ(e.carrier_code, row.carrier_code);
  EXPECT_EQ(e.retryable, row.retryable);
  // The carrier refused: nothing happened; but 1003 (nonce replayed) means it
  // already got this very request, so a write's outcome is unknown.
  EXPECT_EQ(e.outcome_unknown, row.carrier_code == "1003");
  EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileBusinessCodes,
    testing::Values(
        CodeRow{"1001", "CARRIER_AUTH_FAILED", false}, CodeRow{"1002", "CARRIER_AUTH_FAILED", true},
        CodeRow{"1003", "CARRIER_AUTH_FAILED", true}, CodeRow{"1004", "CARRIER_AUTH_FAILED", false},
        CodeRow{"2001", "INVALID_ARGUMENT", false}, CodeRow{"3001", "NUMBER_UNAVAILABLE", false},
        CodeRow{"3002", "NUMBER_UNAVAILABLE", false}, CodeRow{"3003", "RESERVATION_EXPIRED", false},
        CodeRow{"3004", "PLAN_NOT_FOUND", false}, CodeRow{"5001", "ORDER_NOT_FOUND", false},
        CodeRow{"5002", "RESERVATION_NOT_FOUND", false},
        CodeRow{"9999", "CARRIER_UNAVAILABLE", true}, CodeRow{"4004", "CARRIER_REJECTED", false},
        CodeRow{"7777", "CARRIER_REJECTED", false}));

TEST(MobileMapping, KycCodeOnSubmitIsRejectedWithReason) {
  Mobile m;
  const Err e = Mobile::error_of(
      *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), biz("4004")));
  EXPECT_EQ(e.code, "CARRIER_REJECTED");
  EXPECT_EQ(e.message, "UNDERAGE");
  EXPECT_EQ(e.carrier_code, "4004");
}

struct TransportRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};

void PrintTo(const TransportRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " status=" << r.reply.status;
}

class MobileTransport : public testing::TestWithParam<TransportRow> {};

TEST_P(MobileTransport, MapsPerDoc) {
  const TransportRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(*m.run(row.op, valid_input(row.op), row.reply));
  EXPECT_EQ(e.code, row.code);
  EXPECT_EQ(e.retryable, row.retryable);
  EXPECT_EQ(e.outcome_unknown, row.outcome_unknown);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileTransport,
    testing::Values(
        TransportRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE",
                     1, 0},
        TransportRow{"plans.list", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"kyc.verify", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.query", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1,
                     1},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.reserve", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.release", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"plans.list", http(503), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"number.reserve", http(500), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", http(502), "CARRIER_UNAVAILABLE", 1, 1},
        TransportRow{"plans.list", http(404), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", http(400), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"plans.list", http(204), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG),
                     "CARRIER_BAD_RESPONSE", 0, 1}));

struct MalformedRow {
  std::string op, body;
};

void PrintTo(const MalformedRow& r, std::ostream* os) {
  *os << r.op << " " << r.body;
}

class MobileMalformed : public testing::TestWithParam<MalformedRow> {};

// Untrusted replies: every shape problem is CARRIER_BAD_RESPONSE, never a
// crash or a PLUGIN_ERROR; writes keep outcome_unknown (the carrier answered).
TEST_P(MobileMalformed, IsBadResponse) {
  const MalformedRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(*m.run(row.op, valid_input(row.op), raw(row.body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << e.message;
  EXPECT_FALSE(e.retryable);
  const bool writes =
      row.op == "number.reserve" || row.op == "number.release" || row.op == "activation.submit";
  EXPECT_EQ(e.outcome_unknown, writes);
  EXPECT_EQ(e.message.find(kName), std::string::npos);
  EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
}

#define OK_DATA(d) R"({"code":"0","message":"ok","data":)" d "}"
INSTANTIATE_TEST_SUITE_P(
    Shapes, MobileMalformed,
    testing::Values(
        MalformedRow{"plans.list", "not json"}, MalformedRow{"plans.list", ""},
        MalformedRow{"plans.list", "[1,2]"}, MalformedRow{"plans.list", R"({"message":"ok"})"},
        MalformedRow{"plans.list", R"({"code":0,"data":{"plans":[]}})"},
        MalformedRow{"plans.list", R"({"code":"<b>x</b>"})"},
        MalformedRow{"plans.list", R"({"code":"0"})"}, MalformedRow{"plans.list", OK_DATA("[]")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":{}})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[1]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planCode":"P","planName":"n",
            "monthlyFee":"3900","dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planCode":"P","planName":"n",
            "monthlyFee":39.5,"dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planName":"n","monthlyFee":1,
            "dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[{"number":"1","province":"a",
            "city":"b","price":1,"state":"frozen"}],"hasMore":false})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[{"number":"1","province":"a",
            "city":"b","price":1,"level":11,"state":"idle"}],"hasMore":false})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":"no"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":true})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":"7"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":-1})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":1.5})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,"total":-5})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,"total":"5"})")},
        MalformedRow{"number.reserve", "{{{"},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":123,"expireTime":1})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":"","expireTime":1})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":"L"})")},
        MalformedRow{"number.release", OK_DATA("null")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyId":"V","verifyResult":"MAYBE"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyResult":"PASS"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyId":"V","verifyResult":"REJECT",
            "reasonCode":4001})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"orderState":"PROCESSING"})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"orderId":"O","orderState":"DONE"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O","orderState":"FAILED",
            "failReason":5003})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O","partnerOrderId":"G-2",
            "orderState":"SUCCESS"})")}));
#undef OK_DATA

// ------------------------------------------------------------------ kyc ---

class MobileKycReasons : public testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(MobileKycReasons, RejectCarriesReason) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(
      cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
      ok({{"verifyId", "V-7"}, {"verifyResult", "REJECT"}, {"reasonCode", GetParam().first}})));
  EXPECT_EQ(r, json::value({{"result", "rejected"},
                            {"reasons", json::array{json::string(GetParam().second)}},
                            {"carrier_ref", "V-7"}}));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileKycReasons,
    testing::Values(std::pair{"4001", "ID_INVALID"}, std::pair{"4002", "ID_NAME_MISMATCH"},
                    std::pair{"4003", "ID_NOT_FOUND"}, std::pair{"4004", "UNDERAGE"},
                    std::pair{"4005", "QUOTA_EXCEEDED"}, std::pair{"4006", "FACE_MISMATCH"},
                    std::pair{"4007", "LIVENESS_FAILED"}, std::pair{"4008", "BLACKLISTED"},
                    std::pair{"4009", "ID_INVALIDATED"}, std::pair{"4999", "UNKNOWN"}));

TEST(MobileKyc, PassReviewAndRequestBody) {
  Mobile m;
  auto in = valid_input(cgw::op::kKycVerify);
  in.as_object()["portrait_b64"] = "aGk=";
  auto s = m.start(cgw::op::kKycVerify, in);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/realname/verify");
  EXPECT_EQ(json::parse(sv(s->request.body)),
            json::value({{"certName", kName}, {"certNo", kIdNumber}, {"portrait", "aGk="}}));
  auto pass = Mobile::result_of(
      *m.resume(*s, ok({{"verifyId", "V-1"}, {"verifyResult", "PASS"}, {"reasonCode", ""}})));
  EXPECT_EQ(pass, json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"V-1"})"));
  auto review = Mobile::result_of(
      *m.resume(*s, ok({{"verifyId", "V-2"}, {"verifyResult", "REVIEW"}, {"reasonCode", "4006"}})));
  EXPECT_EQ(review, json::parse(R"({"result":"review","reasons":["FACE_MISMATCH"],
                                    "carrier_ref":"V-2"})"));
}

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
      {"[1, 2]", "mapping"},
      {"", "mapping"},
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
  void* lib = dlopen(CGW_MOBILE_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(dlsym(lib, CGW_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const cgw_plugin_v1* t = entry(&kHost);
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
  dlclose(lib);
}

}  // namespace
