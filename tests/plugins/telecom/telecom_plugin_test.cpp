// Unit tests of the `telecom` carrier plugin (docs/carriers/telecom.md). The
// plugin is driven through the C ABI table the C++ layer builds (the code
// CGW_EXPORT_PLUGIN runs) with a fake host: a settable clock and a cache that
// honours TTLs on that clock. Canned carrier replies are literal XML; the
// plugin's requests are read back with pugixml. One test loads the real
// cgw_telecom.so with dlopen.
#include "telecom_plugin.hpp"
#include "token.hpp"

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pugixml.hpp>

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
#include <vector>

namespace {

namespace json = boost::json;
using cgw::telecom::TelecomPlugin;

constexpr int64_t kNowMs = 1763800000123;
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "11010119900307123X";
constexpr const char* kClientSecret = "s3cret+key &=x";
constexpr const char* kCallbackSecret = "cb-secret-0123";
constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9103
client_id: cgw-test
client_secret: "s3cret+key &=x"
callback_secret: cb-secret-0123
callback_url: http://127.0.0.1:8080/v1/callbacks/telecom
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
  struct Entry {
    std::string value;
    int64_t expires_at_ms = 0;  // 0: never
  };
  std::map<std::string, Entry> cache;
  std::vector<int64_t> put_ttls;
  std::vector<std::string> logs;
};

FakeHost& fake(void* ctx) {
  return *static_cast<FakeHost*>(ctx);
}

const cgw_host_v1 kHost = {
    sizeof(cgw_host_v1),
    CGW_ABI_MAJOR,
    CGW_ABI_MINOR,
    [](void* ctx, int32_t, cgw_str m) {
      std::lock_guard lock(fake(ctx).mu);
      fake(ctx).logs.push_back(sv(m));
    },
    [](void*, size_t n) { return std::malloc(n ? n : 1); },
    [](void*, void* p) { std::free(p); },
    [](void* ctx) -> int64_t { return fake(ctx).now_ms.load(); },
    [](void*, void* buf, size_t len) {
      for (size_t i = 0; i < len; ++i) static_cast<unsigned char*>(buf)[i] = 0x5a;
    },
    [](void* ctx, cgw_str k, cgw_str v, int64_t ttl) {
      auto& h = fake(ctx);
      std::lock_guard lock(h.mu);
      h.cache[sv(k)] = {sv(v), ttl > 0 ? h.now_ms.load() + ttl : 0};
      h.put_ttls.push_back(ttl);
    },
    [](void* ctx, cgw_str k, cgw_str* out) -> int32_t {
      auto& h = fake(ctx);
      std::lock_guard lock(h.mu);
      auto it = h.cache.find(sv(k));
      if (it == h.cache.end()) return 0;
      if (it->second.expires_at_ms && it->second.expires_at_ms <= h.now_ms.load()) return 0;
      const std::string& v = it->second.value;
      char* p = static_cast<char*>(std::malloc(v.size() + 1));
      v.copy(p, v.size());
      *out = cgw_str{p, v.size()};
      return 1;
    },
};

std::string hmac_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  std::string s;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    s += b;
  }
  return s;
}

// ------------------------------------------------------- canned replies ---

struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
};
Reply ok(const std::string& data) {
  return {CGW_TRANSPORT_OK, 200,
          R"(<?xml version="1.0" encoding="UTF-8"?><Response><Code>0</Code>)"
          "<Message>success</Message><RequestId>RQ1</RequestId><Data>" +
              data + "</Data></Response>"};
}
Reply err(const std::string& code, int status = 200) {
  return {CGW_TRANSPORT_OK, status,
          "<Error><Code>" + code + "</Code><Message>no " + kName + " " + kIdNumber +
              "</Message></Error>"};
}
Reply token(const std::string& t, int64_t expires_in = 300) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{
              {"access_token", t}, {"token_type", "Bearer"}, {"expires_in", expires_in}})};
}
Reply raw(int status, std::string body) {
  return {CGW_TRANSPORT_OK, status, std::move(body)};
}
Reply transport(int t) {
  return {t, 0, ""};
}

const std::string kPlansXml =
    "<Plans><Plan><PlanCode>CT-XK-19</PlanCode><PlanName>星卡</PlanName>"
    "<MonthlyFee>1900</MonthlyFee><DataMB>30720</DataMB><VoiceMinutes>0</VoiceMinutes></Plan>"
    "</Plans>";
const std::string kReserveXml = "<ReserveId>RS1</ReserveId><ExpireTime>1763801800000</ExpireTime>";
std::string order_xml(const std::string& status, const std::string& extra = "") {
  return "<OrderId>TO1</OrderId><PartnerOrderId>act_1</PartnerOrderId><Status>" + status +
         "</Status>" + extra;
}

// ------------------------------------------------------------- harness ---

struct Sent {
  std::string method, url, body;
  std::map<std::string, std::string> headers;
  std::string state;
};

struct Err {
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
};

struct TestTag {};

class Telecom {
 public:
  explicit Telecom(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : t_(table ? table
                 : cgw::detail::Exporter<TelecomPlugin, TestTag>::entry(
                       &kHost, "telecom", "1.0.0", CGW_CARRIER_MNO, kAllCaps)) {
    cgw_step_v1* e = nullptr;
    inst_ = t_->create(&host, cs(yaml), &e);
    if (e) {
      create_error = sv(e->error.message);
      create_code = sv(e->error.code);
      t_->free_step(e);
    }
  }
  ~Telecom() {
    if (inst_) t_->destroy(inst_);
  }
  bool created() const { return inst_ != nullptr; }
  void seed_token(const std::string& t) { host.cache["telecom.access_token"] = {t, 0}; }

  // Starts `op`, answers each SEND with the next reply; stops at DONE/FAIL or
  // when the replies run out (then `final` is the pending SEND).
  struct Run {
    std::vector<Sent> sent;
    int kind = 0;
    json::value result;
    Err error;
  };
  Run run(const std::string& op, const json::value& input, const std::vector<Reply>& replies) {
    Run r;
    const std::string in = input.is_null() ? "" : json::serialize(input);
    cgw_step_v1* s = t_->start(inst_, cs(op), cs(in));
    for (size_t i = 0; s && s->kind == CGW_STEP_SEND; ++i) {
      Sent x{sv(s->request.method), sv(s->request.url), sv(s->request.body), {}, sv(s->state)};
      for (size_t h = 0; h < s->request.header_count; ++h)
        x.headers[sv(s->request.headers[h].name)] = sv(s->request.headers[h].value);
      r.sent.push_back(std::move(x));
      if (i >= replies.size()) break;
      const cgw_http_response_v1 resp{replies[i].transport, replies[i].status, nullptr, 0,
                                      cs(replies[i].body)};
      const std::string state = r.sent.back().state;
      t_->free_step(s);
      s = t_->resume(inst_, cs(state), &resp);
    }
    if (!s) return r;
    r.kind = s->kind;
    if (s->kind == CGW_STEP_DONE) r.result = json::parse(sv(s->result_json));
    if (s->kind == CGW_STEP_FAIL)
      r.error = {sv(s->error.code), sv(s->error.message), sv(s->error.carrier_code),
                 s->error.retryable != 0, s->error.outcome_unknown != 0};
    t_->free_step(s);
    return r;
  }

  struct Callback {
    bool verified;
    int ack_status;
    std::string ack_body, events, error_code, error_message;
  };
  Callback callback(const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body) {
    std::vector<cgw_header> hs;
    for (const auto& [k, v] : headers) hs.push_back({cs(k), cs(v)});
    const std::string method = "POST", url = "/v1/callbacks/telecom";
    const cgw_http_request_v1 req{cs(method), cs(url), hs.data(), hs.size(), cs(body), 0};
    cgw_callback_v1* c = t_->parse_callback(inst_, &req);
    Callback out{c->verified != 0,   c->ack_status,     sv(c->ack_body),
                 sv(c->events_json), sv(c->error.code), sv(c->error.message)};
    t_->free_callback(c);
    return out;
  }

  FakeHost host;
  std::string create_error, create_code;

 private:
  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
};

json::value valid_input(const std::string& op) {
  if (op == cgw::op::kNumberReserve)
    return {{"msisdn", "13300000001"}, {"gateway_reservation_id", "res_1"}};
  if (op == cgw::op::kNumberRelease)
    return {{"msisdn", "13300000001"}, {"carrier_reservation_id", "RS1"}};
  if (op == cgw::op::kKycVerify) return {{"name", kName}, {"id_number", kIdNumber}};
  if (op == cgw::op::kActivationSubmit)
    return {{"gateway_order_id", "act_1"},
            {"msisdn", "13300000001"},
            {"plan_id", "CT-XK-19"},
            {"carrier_reservation_id", "RS1"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "广州市"}}}};
  if (op == cgw::op::kActivationQuery) return {{"gateway_order_id", "act_1"}};
  if (op == cgw::op::kInventorySync) return json::object{};
  return nullptr;
}

// Parses a request body the plugin sent; the root must be <Request>.
pugi::xml_node request_root(pugi::xml_document& doc, const std::string& body) {
  EXPECT_TRUE(doc.load_string(body.c_str())) << body;
  EXPECT_STREQ(doc.document_element().name(), "Request");
  return doc.document_element();
}

// ----------------------------------------------------------- the token ---

TEST(TelecomToken, FetchedFirstThenTheCallCarriesIt) {
  Telecom t;
  auto r = t.run(cgw::op::kPlansList, nullptr, {token("TK-1", 300), ok(kPlansXml)});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  ASSERT_EQ(r.sent.size(), 2u);
  EXPECT_EQ(r.sent[0].method, "POST");
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/oauth/token");
  EXPECT_EQ(r.sent[0].headers["Content-Type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(
      r.sent[0].body,
      "grant_type=client_credentials&client_id=cgw-test&client_secret=s3cret%2Bkey%20%26%3Dx");
  EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/api/v1/plans/list");
  EXPECT_EQ(r.sent[1].headers["Authorization"], "Bearer TK-1");
  EXPECT_EQ(r.sent[1].headers["Content-Type"], "application/xml; charset=utf-8");
  pugi::xml_document doc;
  request_root(doc, r.sent[1].body);
  EXPECT_EQ(r.result, json::parse(R"({"plans":[{"plan_id":"CT-XK-19","name":"星卡",
      "monthly_fee_fen":1900,"data_mb":30720,"voice_minutes":0}]})"));
  // Cached for expires_in minus a fifth, at most 60 s: 300 s -> 240 s.
  ASSERT_EQ(t.host.put_ttls, std::vector<int64_t>{240'000});
  EXPECT_EQ(t.host.cache.at("telecom.access_token").value, "TK-1");
  for (const auto& line : t.host.logs) EXPECT_EQ(line.find("TK-1"), std::string::npos) << line;
}

TEST(TelecomToken, CachedTokenIsReusedUntilTheHostClockExpiresIt) {
  Telecom t;
  ASSERT_EQ(t.run(cgw::op::kPlansList, nullptr, {token("TK-1", 60), ok(kPlansXml)}).kind,
            CGW_STEP_DONE);
  t.host.now_ms += 47'999;  // the 60 s token is kept for 48 s
  auto again = t.run(cgw::op::kPlansList, nullptr, {ok(kPlansXml)});
  ASSERT_EQ(again.kind, CGW_STEP_DONE);
  ASSERT_EQ(again.sent.size(), 1u);
  EXPECT_EQ(again.sent[0].headers["Authorization"], "Bearer TK-1");
  t.host.now_ms += 1;
  auto refreshed = t.run(cgw::op::kPlansList, nullptr, {token("TK-2", 60), ok(kPlansXml)});
  ASSERT_EQ(refreshed.kind, CGW_STEP_DONE);
  ASSERT_EQ(refreshed.sent.size(), 2u);
  EXPECT_EQ(refreshed.sent[0].url, "http://127.0.0.1:9103/oauth/token");
  EXPECT_EQ(refreshed.sent[1].headers["Authorization"], "Bearer TK-2");
}

TEST(TelecomToken, CacheTtlRule) {
  using cgw::telecom::cache_ttl_ms;
  EXPECT_EQ(cache_ttl_ms(1), 800);
  EXPECT_EQ(cache_ttl_ms(2), 1'600);
  EXPECT_EQ(cache_ttl_ms(60), 48'000);
  EXPECT_EQ(cache_ttl_ms(300), 240'000);
  EXPECT_EQ(cache_ttl_ms(7200), 7'140'000);
  EXPECT_EQ(cache_ttl_ms(10LL * 24 * 3600), 86'400'000);  // at most a day
}

TEST(TelecomToken, ExpiredOrInvalidTokenIsRefreshedAndTheCallSentOnceMore) {
  for (const std::string code : {"10003", "10002"}) {
    Telecom t;
    t.seed_token("OLD");
    auto r = t.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                   {err(code, 401), token("NEW"), ok(kReserveXml)});
    ASSERT_EQ(r.kind, CGW_STEP_DONE) << code << " " << r.error.message;
    ASSERT_EQ(r.sent.size(), 3u);
    EXPECT_EQ(r.sent[0].headers["Authorization"], "Bearer OLD");
    EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/oauth/token");
    EXPECT_EQ(r.sent[2].headers["Authorization"], "Bearer NEW");
    EXPECT_EQ(r.sent[2].body, r.sent[0].body);  // the same call again
    EXPECT_EQ(r.result, json::parse(R"({"carrier_reservation_id":"RS1",
                                        "expires_at_ms":1763801800000})"));
    EXPECT_EQ(t.host.cache.at("telecom.access_token").value, "NEW");
  }
}

TEST(TelecomToken, RetriedOnlyOncePerCall) {
  Telecom t;
  t.seed_token("OLD");
  auto r = t.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
                 {err("10003", 401), token("NEW"), err("10003", 401), token("X")});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.error.code, "CARRIER_AUTH_FAILED");
  EXPECT_EQ(r.error.carrier_code, "10003");
  EXPECT_TRUE(r.error.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // refused before anything happened
  // Each call of a chain gets its own retry: the create is refreshed, then
  // the photo upload may be refreshed again.
  t.seed_token("OLD");
  auto chain = t.run(
      cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
      {err("10003", 401), token("T2"), ok(order_xml("CREATED")), err("10003", 401), token("T3"),
       ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>"), ok(order_xml("PROCESSING"))});
  ASSERT_EQ(chain.kind, CGW_STEP_DONE) << chain.error.message;
  EXPECT_EQ(chain.sent.size(), 7u);
  EXPECT_EQ(chain.sent[6].headers["Authorization"], "Bearer T3");
}

struct TokenRow {
  std::string op;
  Reply reply;
  std::string code, carrier_code;
  bool retryable;
};
void PrintTo(const TokenRow& r, std::ostream* os) {
  *os << r.op << " " << r.reply.status << " " << r.reply.body;
}
class TelecomTokenErrors : public testing::TestWithParam<TokenRow> {};
TEST_P(TelecomTokenErrors, MapPerDoc) {
  const TokenRow& row = GetParam();
  Telecom t;
  auto r = t.run(row.op, valid_input(row.op), {row.reply});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.error.code, row.code);
  EXPECT_EQ(r.error.carrier_code, row.carrier_code);
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // a token call changes nothing
  EXPECT_TRUE(t.host.cache.empty());
}
INSTANTIATE_TEST_SUITE_P(
    Rows, TelecomTokenErrors,
    testing::Values(TokenRow{"plans.list", raw(401, R"({"error":"invalid_client"})"),
                             "CARRIER_AUTH_FAILED", "invalid_client", false},
                    TokenRow{"activation.submit", raw(400, R"({"error":"unsupported_grant_type"})"),
                             "CARRIER_AUTH_FAILED", "unsupported_grant_type", false},
                    TokenRow{"plans.list", raw(401, "<html/>"), "CARRIER_AUTH_FAILED", "", false},
                    TokenRow{"activation.submit", raw(200, "not json"), "CARRIER_BAD_RESPONSE", "",
                             false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"a b","token_type":"Bearer",
                 "expires_in":60})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"mac",
                 "expires_in":60})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"bearer",
                 "expires_in":0})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"Bearer",
                 "expires_in":"60"})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(302, ""), "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"activation.submit", raw(503, ""), "CARRIER_UNAVAILABLE", "", true},
                    TokenRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT),
                             "CARRIER_TIMEOUT", "", true},
                    TokenRow{"number.reserve", transport(CGW_TRANSPORT_NOT_SENT),
                             "CARRIER_UNAVAILABLE", "", true}));

// --------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code;
  int status;
  std::string gateway_code;
  bool retryable;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code << "@" << r.status;
}
class TelecomCodes : public testing::TestWithParam<CodeRow> {};
TEST_P(TelecomCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                 {err(row.carrier_code, row.status)});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.error.code, row.gateway_code);
  EXPECT_EQ(r.error.carrier_code, row.carrier_code);
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // the carrier refused: nothing happened
  EXPECT_EQ(r.error.message.find(kName), std::string::npos);  // carrier text is not echoed
  EXPECT_EQ(r.sent.size(), 1u);
}
INSTANTIATE_TEST_SUITE_P(Table, TelecomCodes,
                         testing::Values(CodeRow{"10001", 401, "CARRIER_AUTH_FAILED", false},
                                         CodeRow{"10004", 403, "CARRIER_AUTH_FAILED", false},
                                         CodeRow{"10005", 429, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"20001", 400, "INVALID_ARGUMENT", false},
                                         CodeRow{"20002", 400, "INVALID_ARGUMENT", false},
                                         CodeRow{"20003", 404, "CARRIER_REJECTED", false},
                                         CodeRow{"30001", 200, "NUMBER_UNAVAILABLE", false},
                                         CodeRow{"30002", 200, "NUMBER_UNAVAILABLE", false},
                                         CodeRow{"30003", 200, "RESERVATION_EXPIRED", false},
                                         CodeRow{"30004", 200, "RESERVATION_NOT_FOUND", false},
                                         CodeRow{"30005", 200, "PLAN_NOT_FOUND", false},
                                         CodeRow{"40002", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"40005", 200, "QUOTA_EXCEEDED", false},
                                         CodeRow{"50001", 200, "ORDER_NOT_FOUND", false},
                                         CodeRow{"50002", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50003", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50004", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50005", 200, "INVALID_ARGUMENT", false},
                                         CodeRow{"90001", 200, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"90002", 200, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"77777", 200, "CARRIER_REJECTED", false}));

struct ShapeRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};
void PrintTo(const ShapeRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " " << r.reply.status << " " << r.reply.body;
}
class TelecomShapes : public testing::TestWithParam<ShapeRow> {};
TEST_P(TelecomShapes, TransportStatusAndMalformedReplies) {
  const ShapeRow& row = GetParam();
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(row.op, valid_input(row.op), {row.reply});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL) << json::serialize(r.result);
  EXPECT_EQ(r.error.code, row.code) << r.error.message;
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_EQ(r.error.outcome_unknown, row.outcome_unknown);
  EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos);
}
#define OK(d) raw(200, "<Response><Code>0</Code><Data>" d "</Data></Response>")
constexpr const char* kBad = "CARRIER_BAD_RESPONSE";
INSTANTIATE_TEST_SUITE_P(
    Rows, TelecomShapes,
    testing::Values(
        ShapeRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1,
                 0},
        ShapeRow{"plans.list", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        ShapeRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        ShapeRow{"number.reserve", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        ShapeRow{"kyc.verify", transport(99), "CARRIER_TIMEOUT", 1, 0},
        ShapeRow{"number.release", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG), kBad, 0, 1},
        ShapeRow{"plans.list", raw(502, "<html/>"), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"number.reserve", raw(503, ""), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"activation.submit", raw(502, ""), "CARRIER_UNAVAILABLE", 1, 1},
        ShapeRow{"plans.list", raw(404, "<html>nginx</html>"), kBad, 0, 0},
        ShapeRow{"activation.submit", raw(403, "denied"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "not xml"), kBad, 0, 0},
        ShapeRow{"number.reserve", raw(200, "not xml"), kBad, 0, 1},
        ShapeRow{"activation.submit", raw(200, ""), kBad, 0, 1},
        ShapeRow{"activation.submit", raw(200, "<Response><Code>0</Code><Data>"), kBad, 0, 1},
        ShapeRow{"plans.list", raw(200, "<Response/><Response/>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Reply><Code>0</Code><Data/></Reply>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Response><Code>1</Code><Data/></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Response><Code>0</Code></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(400, "<Response><Code>0</Code><Data/></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Message>x</Message></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Code>&lt;b&gt;</Code></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Code>1</Code><Code>2</Code></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list",
                 OK("<Plans><Plan><PlanCode>P</PlanCode><PlanName>n</PlanName>"
                    "<MonthlyFee>19.5</MonthlyFee><DataMB>1</DataMB>"
                    "<VoiceMinutes>1</VoiceMinutes></Plan></Plans>"),
                 kBad, 0, 0},
        ShapeRow{"plans.list",
                 OK("<Plans><Plan><PlanName>n</PlanName><MonthlyFee>1</MonthlyFee>"
                    "<DataMB>1</DataMB><VoiceMinutes>1</VoiceMinutes></Plan></Plans>"),
                 kBad, 0, 0},
        ShapeRow{"plans.list", OK("<Plans><Item/></Plans>"), kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers><Number><Msisdn>1</Msisdn><Province>a</Province>"
                    "<City>b</City><Price>1</Price><Status>FROZEN</Status>"
                    "</Number></Numbers><HasMore>false</HasMore>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers><Number><Msisdn>1</Msisdn><Province>a</Province>"
                    "<City>b</City><Price>1</Price><Grade>11</Grade>"
                    "<Status>FREE</Status></Number></Numbers>"
                    "<HasMore>false</HasMore>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>yes</HasMore>"), kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>false</HasMore><ChangeSeq>x</ChangeSeq>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers/><HasMore>false</HasMore><ChangeSeq>-3</ChangeSeq>"), kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>false</HasMore><Total>1.5</Total>"), kBad,
                 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>true</HasMore><NextCursor/>"), kBad, 0,
                 0},
        ShapeRow{"number.reserve", OK("<ReserveId></ReserveId><ExpireTime>1</ExpireTime>"), kBad, 0,
                 1},
        ShapeRow{"number.reserve", OK("<ReserveId>R</ReserveId><ExpireTime>+1</ExpireTime>"), kBad,
                 0, 1},
        ShapeRow{"kyc.verify", OK("<CheckId>C</CheckId><Result>MAYBE</Result>"), kBad, 0, 0},
        ShapeRow{"kyc.verify", OK("<Result>PASS</Result>"), kBad, 0, 0},
        ShapeRow{"activation.submit", OK("<Status>CREATED</Status>"), kBad, 0, 1},
        ShapeRow{"activation.submit", OK("<OrderId>TO1</OrderId><Status>DONE</Status>"), kBad, 0,
                 1},
        ShapeRow{"activation.submit",
                 OK("<OrderId>TO1</OrderId><PartnerOrderId>act_2</PartnerOrderId>"
                    "<Status>CREATED</Status>"),
                 kBad, 0, 1},
        ShapeRow{"activation.query", OK("<OrderId>TO1</OrderId>"), kBad, 0, 0},
        ShapeRow{"activation.query", OK("<OrderId>TO1</OrderId><Status><X/></Status>"), kBad, 0, 0},
        ShapeRow{"activation.query",
                 OK("<OrderId>TO1</OrderId><PartnerOrderId>act_9</PartnerOrderId>"
                    "<Status>ACTIVATED</Status>"),
                 kBad, 0, 0}));
#undef OK

// ------------------------------------------------------------ operations ---

TEST(TelecomOperations, InventoryPagingClampsAndMaps) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kInventorySync, {{"cursor", "P13300000009"}, {"page_size", 9000}},
                 {ok("<Numbers><Number><Msisdn>13300000010</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>0</Price><Grade>3</Grade><Status>FREE</Status>"
                     "</Number><Number><Msisdn>13300000011</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>500</Price><Status>SOLD</Status></Number></Numbers>"
                     "<NextCursor>P13300000011</NextCursor><HasMore>true</HasMore>"
                     "<ChangeSeq>7</ChangeSeq><Total>1000000</Total>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  pugi::xml_document doc;
  auto req = request_root(doc, r.sent[0].body);
  EXPECT_STREQ(req.child_value("Cursor"), "P13300000009");
  EXPECT_STREQ(req.child_value("PageSize"), "5000");
  EXPECT_FALSE(req.child("ChangedSince"));
  const auto out = json::value_to<cgw::InventorySyncOutput>(r.result);
  ASSERT_EQ(out.items.size(), 2u);
  EXPECT_EQ(out.items[0].status, "available");
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, "sold");
  EXPECT_FALSE(out.items[1].carrier_grade.has_value());
  EXPECT_EQ(out.next_cursor, "P13300000011");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "7");
  EXPECT_EQ(out.total, 1000000);
  // An older carrier release: no change feed, full syncs only.
  auto old = t.run(cgw::op::kInventorySync, json::object{},
                   {ok("<Numbers/><NextCursor/><HasMore>false</HasMore>")});
  ASSERT_EQ(old.kind, CGW_STEP_DONE) << old.error.message;
  const auto old_out = json::value_to<cgw::InventorySyncOutput>(old.result);
  EXPECT_EQ(old_out.change_cursor, "");
  EXPECT_FALSE(old_out.total.has_value());
}

TEST(TelecomOperations, InventoryChangeFeed) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kInventorySync,
                 {{"since", "42"}, {"cursor", "P13300000009"}, {"page_size", 9000}},
                 {ok("<Numbers><Number><Msisdn>13300000010</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>0</Price><Grade>3</Grade><Status>SOLD</Status>"
                     "</Number></Numbers><NextCursor/><HasMore>true</HasMore>"
                     "<ChangeSeq>57</ChangeSeq><Total>1000000</Total>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/api/v1/numbers/query");
  pugi::xml_document doc;
  auto req = request_root(doc, r.sent[0].body);
  EXPECT_STREQ(req.child_value("ChangedSince"), "42");
  EXPECT_STREQ(req.child_value("PageSize"), "5000");
  EXPECT_FALSE(req.child("Cursor")) << "the feed has no cursor";
  const auto out = json::value_to<cgw::InventorySyncOutput>(r.result);
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, "sold");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  for (const char* data : {
           "<Numbers/><HasMore>false</HasMore>",                           // no ChangeSeq
           "<Numbers/><HasMore>false</HasMore><ChangeSeq/>",               // empty
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>4x</ChangeSeq>",  // not a number
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>-1</ChangeSeq>",  // negative
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>41</ChangeSeq>",  // went back
           "<Numbers/><HasMore>true</HasMore><ChangeSeq>42</ChangeSeq>",   // no progress
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>43</ChangeSeq><ChangeSeq>44</ChangeSeq>",
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>43</ChangeSeq><Total>-2</Total>",
       }) {
    auto bad = t.run(cgw::op::kInventorySync, {{"since", "42"}}, {ok(data)});
    ASSERT_EQ(bad.kind, CGW_STEP_FAIL) << data;
    EXPECT_EQ(bad.error.code, "CARRIER_BAD_RESPONSE") << data;
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(t.run(cgw::op::kInventorySync, {{"since", "42"}}, {err("20002", 400)}).error.code,
            "INVALID_ARGUMENT");
}

TEST(TelecomOperations, ReserveHoldAndRelease) {
  Telecom t;
  t.seed_token("TK");
  for (auto [asked, sent] :
       std::vector<std::pair<int, std::string>>{{0, "1800"}, {30, "60"}, {900, "900"}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = asked;
    auto r = t.run(cgw::op::kNumberReserve, in, {ok(kReserveXml)});
    ASSERT_EQ(r.kind, CGW_STEP_DONE);
    pugi::xml_document doc;
    auto req = request_root(doc, r.sent[0].body);
    EXPECT_EQ(req.child_value("HoldSeconds"), sent) << asked;
    EXPECT_STREQ(req.child_value("PartnerReserveId"), "res_1");
  }
  auto rel = t.run(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease),
                   {ok("<Released>true</Released>")});
  ASSERT_EQ(rel.kind, CGW_STEP_DONE);
  EXPECT_EQ(rel.sent[0].url, "http://127.0.0.1:9103/api/v1/numbers/release");
  EXPECT_EQ(rel.result, json::parse(R"({"released":true})"));
}

class TelecomKycReasons : public testing::TestWithParam<std::pair<std::string, std::string>> {};
TEST_P(TelecomKycReasons, RejectCarriesReason) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
                 {ok("<CheckId>CK1</CheckId><Result>REJECT</Result><ReasonCode>" +
                     GetParam().first + "</ReasonCode>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE);
  EXPECT_EQ(r.result, json::value({{"result", "rejected"},
                                   {"reasons", json::array{json::string(GetParam().second)}},
                                   {"carrier_ref", "CK1"}}));
}
INSTANTIATE_TEST_SUITE_P(
    Table, TelecomKycReasons,
    testing::Values(std::pair{"40001", "ID_INVALID"}, std::pair{"40002", "ID_NAME_MISMATCH"},
                    std::pair{"40003", "ID_NOT_FOUND"}, std::pair{"40004", "UNDERAGE"},
                    std::pair{"40005", "QUOTA_EXCEEDED"}, std::pair{"40006", "FACE_MISMATCH"},
                    std::pair{"40007", "LIVENESS_FAILED"}, std::pair{"40008", "BLACKLISTED"},
                    std::pair{"40009", "ID_INVALIDATED"}, std::pair{"40999", "UNKNOWN"}));

TEST(TelecomOperations, KycRequestPassAndReview) {
  Telecom t;
  t.seed_token("TK");
  auto in = valid_input(cgw::op::kKycVerify);
  in.as_object()["portrait_b64"] = "aGk=";
  auto pass = t.run(cgw::op::kKycVerify, in,
                    {ok("<CheckId>CK1</CheckId><Result>PASS</Result><ReasonCode/>")});
  ASSERT_EQ(pass.kind, CGW_STEP_DONE);
  pugi::xml_document doc;
  auto req = request_root(doc, pass.sent[0].body);
  EXPECT_STREQ(req.child_value("CertType"), "ID_CARD");
  EXPECT_STREQ(req.child_value("CertName"), kName);
  EXPECT_STREQ(req.child_value("CertNo"), kIdNumber);
  EXPECT_STREQ(req.child_value("Portrait"), "aGk=");
  EXPECT_EQ(pass.result, json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"CK1"})"));
  auto review = t.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
                      {ok("<CheckId>CK2</CheckId><Result>REVIEW</Result>")});
  EXPECT_EQ(review.result, json::parse(R"({"result":"review","reasons":[],"carrier_ref":"CK2"})"));
}

TEST(TelecomOperations, InvalidInputsFailBeforeSending) {
  Telecom t;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 13300000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberReserve, {{"msisdn", "1\x01"}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", std::string(kName) + "\x02"}, {"id_number", kIdNumber}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "+1"}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 7}}},
  };
  for (const auto& [op, input] : cases) {
    auto r = t.run(op, input, {});
    EXPECT_EQ(r.kind, CGW_STEP_FAIL) << op;
    EXPECT_TRUE(r.sent.empty());
    EXPECT_EQ(r.error.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(r.error.message.find(kName), std::string::npos);
    EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos);
  }
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["portrait_b64"] = 5;
  EXPECT_EQ(t.run(cgw::op::kActivationSubmit, in, {}).error.code, "INVALID_ARGUMENT");
  EXPECT_EQ(t.run("number.transfer", nullptr, {}).error.code, "UNSUPPORTED_OPERATION");
}

// ------------------------------------------------------------ activation ---

TEST(TelecomActivation, CreatePhotosConfirmInThreeCalls) {
  Telecom t;
  t.seed_token("TK");
  auto r =
      t.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
            {ok(order_xml("CREATED")), ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>"),
             ok(order_xml("PROCESSING", "<FailCode/>"))});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  ASSERT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/api/v1/orders/create");
  EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/api/v1/orders/photos");
  EXPECT_EQ(r.sent[2].url, "http://127.0.0.1:9103/api/v1/orders/confirm");
  EXPECT_EQ(r.result,
            json::parse(R"({"carrier_order_id":"TO1","status":"submitted","reason":""})"));

  pugi::xml_document create;
  auto c = request_root(create, r.sent[0].body);
  EXPECT_STREQ(c.child_value("PartnerOrderId"), "act_1");
  EXPECT_STREQ(c.child_value("Msisdn"), "13300000001");
  EXPECT_STREQ(c.child_value("ReserveId"), "RS1");
  EXPECT_STREQ(c.child_value("PlanCode"), "CT-XK-19");
  EXPECT_STREQ(c.child("Customer").child_value("CertNo"), kIdNumber);
  EXPECT_STREQ(c.child("Customer").child_value("CertName"), kName);
  EXPECT_STREQ(c.child("Delivery").child_value("Phone"), "13900000000");
  EXPECT_STREQ(c.child_value("NotifyUrl"), "http://127.0.0.1:8080/v1/callbacks/telecom");

  pugi::xml_document photos;
  auto p = request_root(photos, r.sent[1].body);
  EXPECT_STREQ(p.child_value("OrderId"), "TO1");
  std::vector<std::string> types;
  for (auto photo : p.child("Photos").children("Photo")) {
    types.push_back(photo.child_value("Type"));
    EXPECT_STREQ(photo.child_value("Format"), "PNG");  // the placeholder image
    EXPECT_TRUE(std::string(photo.child_value("Content")).starts_with("iVBORw0KGgo"));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"ID_FRONT", "ID_BACK", "PORTRAIT"}));
  pugi::xml_document confirm;
  EXPECT_STREQ(request_root(confirm, r.sent[2].body).child_value("OrderId"), "TO1");
  // Once the order exists the applicant's data leaves the continuation.
  for (size_t i = 1; i < r.sent.size(); ++i) {
    EXPECT_EQ(r.sent[i].state.find(kIdNumber), std::string::npos) << i;
    EXPECT_EQ(r.sent[i].state.find(kName), std::string::npos) << i;
  }
}

TEST(TelecomActivation, PortraitFromTheInputIsSent) {
  Telecom t;
  t.seed_token("TK");
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["portrait_b64"] = "/9j/4AAQSkZJRg==";
  auto r = t.run(cgw::op::kActivationSubmit, in, {ok(order_xml("CREATED"))});
  ASSERT_EQ(r.sent.size(), 2u);
  pugi::xml_document doc;
  bool found = false;
  for (auto photo : request_root(doc, r.sent[1].body).child("Photos").children("Photo"))
    if (std::string(photo.child_value("Type")) == "PORTRAIT") {
      found = true;
      EXPECT_STREQ(photo.child_value("Format"), "JPEG");
      EXPECT_STREQ(photo.child_value("Content"), "/9j/4AAQSkZJRg==");
    }
  EXPECT_TRUE(found);
}

TEST(TelecomActivation, ResubmissionContinuesWhereTheOrderStands) {
  Telecom t;
  t.seed_token("TK");
  const auto in = valid_input(cgw::op::kActivationSubmit);
  auto uploaded = t.run(cgw::op::kActivationSubmit, in,
                        {ok(order_xml("PHOTOS_UPLOADED")), ok(order_xml("PROCESSING"))});
  ASSERT_EQ(uploaded.kind, CGW_STEP_DONE);
  ASSERT_EQ(uploaded.sent.size(), 2u);
  EXPECT_EQ(uploaded.sent[1].url, "http://127.0.0.1:9103/api/v1/orders/confirm");
  auto active = t.run(cgw::op::kActivationSubmit, in, {ok(order_xml("ACTIVATED"))});
  EXPECT_EQ(active.result.at("status"), "activated");
  auto failed = t.run(cgw::op::kActivationSubmit, in,
                      {ok(order_xml("FAILED", "<FailCode>40008</FailCode>"))});
  EXPECT_EQ(failed.result, json::parse(R"({"carrier_order_id":"TO1","status":"failed",
                                           "reason":"40008"})"));
}

TEST(TelecomActivation, ErrorsAlongTheChain) {
  Telecom t;
  t.seed_token("TK");
  const auto in = valid_input(cgw::op::kActivationSubmit);
  const Reply created = ok(order_xml("CREATED"));
  const Reply uploaded = ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>");
  auto refused = t.run(cgw::op::kActivationSubmit, in, {err("40002")});
  EXPECT_EQ(refused.error.code, "CARRIER_REJECTED");
  EXPECT_EQ(refused.error.message, "ID_NAME_MISMATCH");
  auto quota = t.run(cgw::op::kActivationSubmit, in, {created, uploaded, err("40005")});
  EXPECT_EQ(quota.error.code, "QUOTA_EXCEEDED");
  auto lost =
      t.run(cgw::op::kActivationSubmit, in, {created, uploaded, transport(CGW_TRANSPORT_TIMEOUT)});
  EXPECT_EQ(lost.error.code, "CARRIER_TIMEOUT");
  EXPECT_TRUE(lost.error.outcome_unknown);
  auto photo_502 = t.run(cgw::op::kActivationSubmit, in, {created, raw(502, "")});
  EXPECT_TRUE(photo_502.error.outcome_unknown);
  auto bad_photo = t.run(cgw::op::kActivationSubmit, in, {created, err("50005")});
  EXPECT_EQ(bad_photo.error.code, "INVALID_ARGUMENT");
  EXPECT_FALSE(bad_photo.error.outcome_unknown);
  auto other = t.run(cgw::op::kActivationSubmit, in,
                     {created, uploaded, ok("<OrderId>TO2</OrderId><Status>PROCESSING</Status>")});
  EXPECT_EQ(other.error.code, "CARRIER_BAD_RESPONSE");
  EXPECT_TRUE(other.error.outcome_unknown);
}

TEST(TelecomActivation, QueryMapsStatusesAndUnconfirmedIsNotFound) {
  Telecom t;
  t.seed_token("TK");
  const json::value in = {{"gateway_order_id", "act_1"}, {"carrier_order_id", "TO1"}};
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"PROCESSING", "submitted", ""},
      {"ACTIVATED", "activated", ""},
      {"FAILED", "failed", "40008"}};
  for (const auto& [status, normalized, reason] : rows) {
    auto r = t.run(cgw::op::kActivationQuery, in,
                   {ok(order_xml(status, "<FailCode>" + reason + "</FailCode>"))});
    ASSERT_EQ(r.kind, CGW_STEP_DONE) << status << " " << r.error.message;
    EXPECT_EQ(r.result.at("status"), normalized.c_str());
    EXPECT_EQ(r.result.at("reason"), reason.c_str());
  }
  auto q = t.run(cgw::op::kActivationQuery, in, {ok(order_xml("CREATED"))});
  pugi::xml_document doc;
  auto req = request_root(doc, q.sent[0].body);
  EXPECT_STREQ(req.child_value("OrderId"), "TO1");
  EXPECT_STREQ(req.child_value("PartnerOrderId"), "act_1");
  EXPECT_EQ(q.error.code, "ORDER_NOT_FOUND");
  EXPECT_EQ(t.run(cgw::op::kActivationQuery, in, {ok(order_xml("PHOTOS_UPLOADED"))}).error.code,
            "ORDER_NOT_FOUND");
  EXPECT_EQ(t.run(cgw::op::kActivationQuery, in, {err("50001")}).error.code, "ORDER_NOT_FOUND");
}

// ------------------------------------------------------------- callbacks ---

struct SignedCallback {
  std::string secret = kCallbackSecret;
  int64_t timestamp = kNowMs / 1000;
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Notify><EventId>EV1</EventId>"
      "<EventType>ORDER_STATUS</EventType><OrderId>TO1</OrderId>"
      "<PartnerOrderId>act_1</PartnerOrderId><Status>FAILED</Status><FailCode>40008</FailCode>"
      "<EventTime>1763800000000</EventTime></Notify>";
  std::vector<std::pair<std::string, std::string>> headers() const {
    const std::string ts = std::to_string(timestamp);
    return {{"x-telecom-timestamp", ts},  // names are case-insensitive
            {"X-Telecom-Signature", hmac_hex(secret, ts + "\n" + body)},
            {"Content-Type", "application/xml"}};
  }
};

TEST(TelecomCallback, GoodCallbackIsOneEvent) {
  Telecom t;
  SignedCallback cb;
  auto r = t.callback(cb.headers(), cb.body);
  ASSERT_TRUE(r.verified) << r.error_message;
  EXPECT_EQ(json::parse(r.events),
            json::parse(R"([{"type":"activation.status","event_id":"EV1","carrier_order_id":"TO1",
                "gateway_order_id":"act_1","status":"failed","reason":"40008",
                "occurred_at_ms":1763800000000}])"));
  EXPECT_EQ(r.ack_status, 200);
  EXPECT_EQ(r.ack_body, "<Response><Code>0</Code></Response>");
  cb.timestamp -= 300;  // the edge of the window
  EXPECT_TRUE(t.callback(cb.headers(), cb.body).verified);
}

TEST(TelecomCallback, RefusesForgedStaleOrMalformed) {
  Telecom t;
  auto refused = [&](const SignedCallback& cb, std::vector<std::pair<std::string, std::string>> h,
                     const std::string& needle, int status = 401) {
    auto r = t.callback(h, cb.body);
    EXPECT_FALSE(r.verified);
    EXPECT_EQ(r.error_code, "CALLBACK_REJECTED");
    EXPECT_EQ(r.ack_status, status);
    EXPECT_NE(r.ack_body, "<Response><Code>0</Code></Response>");
    EXPECT_NE(r.error_message.find(needle), std::string::npos) << r.error_message;
    EXPECT_EQ(r.error_message.find(kName), std::string::npos);
  };
  SignedCallback good;
  auto h = good.headers();
  h[1].second[5] = h[1].second[5] == 'a' ? 'b' : 'a';
  refused(good, h, "signature");
  SignedCallback other_secret = good;
  other_secret.secret = "nope";
  refused(good, other_secret.headers(), "signature");
  SignedCallback tampered = good;  // signed, then the body changed
  auto th = good.headers();
  tampered.body.replace(tampered.body.find("FAILED"), 6, "ACTIVATED");
  refused(tampered, th, "signature");
  for (int64_t skew : {-301, 301, -100000000}) {
    SignedCallback stale = good;
    stale.timestamp += skew;
    refused(stale, stale.headers(), "timestamp");
  }
  auto no_sig = good.headers();
  no_sig.erase(no_sig.begin() + 1);
  refused(good, no_sig, "missing");
  auto bad_ts = good.headers();
  bad_ts[0].second = "17638OOOOO";
  refused(good, bad_ts, "timestamp");
  for (std::string body :
       {std::string("not xml ") + kName, std::string("<Other/>"),
        std::string("<Notify><EventId>E</EventId><EventType>ORDER_STATUS</EventType><OrderId>O"
                    "</OrderId><PartnerOrderId>P</PartnerOrderId><Status>LOST</Status>"
                    "<EventTime>1</EventTime></Notify>"),
        std::string("<Notify><EventType>ORDER_STATUS</EventType><OrderId>O</OrderId>"
                    "<PartnerOrderId>P</PartnerOrderId><Status>ACTIVATED</Status>"
                    "<EventTime>x</EventTime><Name>") +
            kName + "</Name></Notify>"}) {
    SignedCallback cb = good;  // correctly signed, unusable content
    cb.body = body;
    refused(cb, cb.headers(), "body", 400);
  }
}

// ------------------------------------------------------------- settings ---

TEST(TelecomConfig, InvalidSettingsAreConfigInvalid) {
  const std::string base =
      "base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, "
      "callback_url: 'http://cb'";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, callback_url: "
       "'http://cb'}",
       "'base_url' is required"},
      {"{base_url: 'ftp://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, "
       "callback_url: 'http://cb'}",
       "'base_url'"},
      {"{base_url: 'http://h/?q=1', client_id: c, client_secret: TOPSECRET, "
       "callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'base_url'"},
      {"{base_url: 'http://h', client_secret: TOPSECRET, callback_secret: CBSECRET, "
       "callback_url: 'http://cb'}",
       "'client_id' is required"},
      {"{base_url: 'http://h', client_id: c, callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'client_secret' is required"},
      {"{base_url: 'http://h', client_id: c, client_secret: [TOPSECRET], "
       "callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'client_secret'"},
      {"{base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_url: 'http://cb'}",
       "'callback_secret' is required"},
      {"{base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET}",
       "'callback_url' is required"},
      {"{" + base + ", hold_seconds: 10}", "'hold_seconds'"},
      {"{" + base + ", hold_seconds: x}", "'hold_seconds'"},
      {"{" + base + ", timeout_ms: -1}", "'timeout_ms'"},
      {"[1, 2]", "mapping"},
      {"", "mapping"},
  };
  for (const auto& [yaml, needle] : cases) {
    Telecom t(yaml);
    EXPECT_FALSE(t.created()) << yaml;
    EXPECT_EQ(t.create_code, "CONFIG_INVALID") << yaml;
    EXPECT_NE(t.create_error.find(needle), std::string::npos) << yaml << " -> " << t.create_error;
    EXPECT_EQ(t.create_error.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(t.create_error.find("CBSECRET"), std::string::npos);
  }
  Telecom base_path(
      "{base_url: 'https://gw.example:8443/ct/', client_id: c, client_secret: s, "
      "callback_secret: k, callback_url: 'http://cb', timeout_ms: 2500}");
  ASSERT_TRUE(base_path.created()) << base_path.create_error;
  auto r = base_path.run(cgw::op::kPlansList, nullptr, {});
  EXPECT_EQ(r.sent.at(0).url, "https://gw.example:8443/ct/oauth/token");
}

// ---------------------------------------------------- privacy and the .so ---

TEST(TelecomPrivacy, ErrorsAndLogsNeverCarryPiiOrSecrets) {
  Telecom t;
  const std::vector<Reply> replies = {err("40002"), err("10003", 401), raw(200, kName),
                                      raw(500, kIdNumber), ok(std::string("<x>") + kName + "</x>")};
  for (const std::string op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit}) {
    for (const Reply& reply : replies) {
      t.seed_token("TK");
      auto r = t.run(op, valid_input(op), {reply, token("TK2"), reply});
      EXPECT_EQ(r.error.message.find(kName), std::string::npos) << op << " " << reply.body;
      EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos) << op << " " << reply.body;
    }
  }
  for (const auto& line : t.host.logs)
    for (const char* secret : {kName, kIdNumber, kClientSecret, kCallbackSecret, "TK2"})
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
}

TEST(TelecomSharedObject, RealModuleExportsWorkingTable) {
  void* lib = dlopen(CGW_TELECOM_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(dlsym(lib, CGW_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  // pugixml is linked statically and hidden by the version script.
  EXPECT_EQ(dlsym(lib, "_ZN4pugi12xml_documentC1Ev"), nullptr);
  const cgw_plugin_v1* table = entry(&kHost);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(sv(table->name), "telecom");
  EXPECT_EQ(table->capabilities, kAllCaps);
  EXPECT_EQ(table->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MNO));
  {
    Telecom t(kConfig, table);
    ASSERT_TRUE(t.created());
    auto r = t.run(cgw::op::kPlansList, nullptr, {token("TK"), ok(kPlansXml)});
    EXPECT_EQ(r.kind, CGW_STEP_DONE);
    EXPECT_EQ(r.result.at("plans").as_array().size(), 1u);
  }
  dlclose(lib);
}

}  // namespace
