// Unit tests of the `unicom` carrier plugin (docs/carriers/unicom.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. One test also loads the real cgw_unicom.so with dlopen.
#include "unicom_plugin.hpp"
#include "operations.hpp"
#include "signing.hpp"

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using cgw::unicom::UnicomPlugin;

constexpr int64_t kNowMs = 1763800000123;  // 2025-11-22 16:26:40.123 in Beijing
constexpr const char* kNowBeijing = "2025-11-22 16:26:40";
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "11010119900307123X";
constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9102
app_id: cgw-test
secret: s3cret-key
callback_url: http://127.0.0.1:8080/v1/callbacks/unicom
lock_minutes: 45
)";
constexpr uint64_t kCaps =
    CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE | CGW_CAP_KYC | CGW_CAP_ACTIVATION;

std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

// ----------------------------------------------------------- fake host ---

std::atomic<unsigned> g_random_counter{0};

const cgw_host_v1 kHost = {
    sizeof(cgw_host_v1),
    CGW_ABI_MAJOR,
    CGW_ABI_MINOR,
    [](void*, int32_t, cgw_str) {},
    [](void*, size_t n) { return std::malloc(n); },
    [](void*, void* p) { std::free(p); },
    [](void*) -> int64_t { return kNowMs; },
    [](void*, void* buf, size_t len) {
      for (size_t i = 0; i < len; ++i)
        static_cast<unsigned char*>(buf)[i] = static_cast<unsigned char>(g_random_counter++);
    },
    [](void*, cgw_str, cgw_str, int64_t) {},
    [](void*, cgw_str, cgw_str*) -> int32_t { return 0; },
};

// ------------------------------------------------- independent signing ---

// Decodes a form body the way a form reader does ('+' is a space).
std::map<std::string, std::string> decode_form(const std::string& body) {
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  std::map<std::string, std::string> out;
  for (auto p : boost::urls::params_view(body, form)) out[p.key] = p.value;
  return out;
}

// The sign as the doc defines it, computed here without the plugin.
std::string expected_sign(const std::string& secret,
                          const std::map<std::string, std::string>& params) {
  std::string text = secret;
  for (const auto& [k, v] : params)
    if (k != "sign" && !v.empty()) text += k + v;
  text += secret;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_md5(), nullptr);
  std::string hex;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}

// ------------------------------------------------------------- harness ---

struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
};
Reply ok(json::value data) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", "0000"}, {"msg", "success"}, {"data", data}})};
}
Reply biz(const std::string& code) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", code}, {"msg", std::string("no ") + kName}})};
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

class Unicom {
 public:
  explicit Unicom(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : t_(table ? table
                 : cgw::detail::Exporter<UnicomPlugin, TestTag>::entry(&kHost, "unicom", "1.0.0",
                                                                       CGW_CARRIER_MNO, kCaps)) {
    cgw_step_v1* err = nullptr;
    inst_ = t_->create(nullptr, cs(yaml), &err);
    if (err) {
      create_error = error_of(*err);
      t_->free_step(err);
    }
  }
  ~Unicom() {
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
  StepPtr resume(const cgw_step_v1& send, const Reply& r) {
    const std::string state = sv(send.state);
    const cgw_http_response_v1 resp{r.transport, r.status, nullptr, 0, cs(r.body)};
    return own(t_->resume(inst_, cs(state), &resp));
  }
  StepPtr run(const std::string& op, const json::value& input, const Reply& r) {
    auto s = start(op, input);
    EXPECT_EQ(s->kind, CGW_STEP_SEND) << sv(s->error.message);
    if (s->kind != CGW_STEP_SEND) return s;
    return resume(*s, r);
  }
  std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>> callback(
      const std::string& body) {
    const std::string method = "POST", url = "/v1/callbacks/unicom";
    const cgw_http_request_v1 req{cs(method), cs(url), nullptr, 0, cs(body), 0};
    return {t_->parse_callback(inst_, &req), [t = t_](cgw_callback_v1* c) { t->free_callback(c); }};
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
  static std::map<std::string, std::string> form(const cgw_step_v1& s) {
    return decode_form(sv(s.request.body));
  }
  static std::string header(const cgw_step_v1& s, const std::string& name) {
    for (size_t i = 0; i < s.request.header_count; ++i)
      if (sv(s.request.headers[i].name) == name) return sv(s.request.headers[i].value);
    return "<absent>";
  }

  Err create_error;

 private:
  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
};

json::value valid_input(const std::string& op) {
  if (op == cgw::op::kNumberReserve)
    return {{"msisdn", "18600000001"}, {"gateway_reservation_id", "R-1"}};
  if (op == cgw::op::kNumberRelease)
    return {{"msisdn", "18600000001"}, {"carrier_reservation_id", "L-1"}};
  if (op == cgw::op::kKycVerify) return {{"name", kName}, {"id_number", kIdNumber}};
  if (op == cgw::op::kActivationSubmit)
    return {{"gateway_order_id", "G-1"},
            {"msisdn", "18600000001"},
            {"plan_id", "UC-5G-39"},
            {"carrier_reservation_id", "L-1"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "北京 1号"}}}};
  if (op == cgw::op::kActivationQuery) return {{"gateway_order_id", "G-1"}};
  if (op == cgw::op::kInventorySync) return json::object{};
  return nullptr;
}

// -------------------------------------------------------------- signing ---

TEST(UnicomSigning, KnownVectorsAndTimestamps) {
  using namespace cgw::unicom;
  EXPECT_EQ(md5_upper_hex(""), "D41D8CD98F00B204E9800998ECF8427E");
  EXPECT_EQ(md5_upper_hex("abc"), "900150983CD24FB0D6963F7D28E17F72");
  // Sorted by name, empty values and `sign` left out, secret on both ends.
  EXPECT_EQ(string_to_sign("K", {{"b", "2"}, {"sign", "X"}, {"a", "1"}, {"c", ""}, {"B", "3"}}),
            "KB3a1b2K");
  EXPECT_EQ(beijing_timestamp(kNowMs), kNowBeijing);
  EXPECT_EQ(beijing_timestamp(0), "1970-01-01 08:00:00");
  EXPECT_EQ(parse_beijing_timestamp(kNowBeijing), kNowMs / 1000 * 1000);
  EXPECT_EQ(parse_beijing_timestamp("2024-02-29 23:59:59"), 1709222399000);
  for (const char* bad : {"2025-02-29 10:00:00", "2025-11-22T16:26:40", "2025-11-22 24:00:00",
                          "2025-11-22 16:26", "2025-1-22 16:26:40", "+025-11-22 16:26:40", ""})
    EXPECT_FALSE(parse_beijing_timestamp(bad).has_value()) << bad;
}

TEST(UnicomSigning, PlansListKnownAnswer) {
  Unicom u;
  auto s = u.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9102/router/rest");
  EXPECT_EQ(Unicom::header(*s, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  // Computed with: printf 's3cret-keyapp_keycgw-testmethodplan.listtimestamp2025-11-22 16:26:40'
  //   'v1.0s3cret-key' | md5sum
  EXPECT_EQ(sv(s->request.body),
            "app_key=cgw-test&method=plan.list&timestamp=2025-11-22%2016%3A26%3A40&v=1.0"
            "&sign=454D8B631821D8E76DF08F13E02AFE79");
  EXPECT_EQ(s->request.timeout_ms, 0u);
}

TEST(UnicomSigning, EveryRequestMatchesIndependentSign) {
  Unicom u;
  for (const std::string op :
       {cgw::op::kInventorySync, cgw::op::kNumberReserve, cgw::op::kNumberRelease,
        cgw::op::kKycVerify, cgw::op::kActivationSubmit, cgw::op::kActivationQuery}) {
    auto s = u.start(op, valid_input(op));
    ASSERT_EQ(s->kind, CGW_STEP_SEND) << op;
    const auto params = Unicom::form(*s);
    EXPECT_EQ(params.at("app_key"), "cgw-test");
    EXPECT_EQ(params.at("timestamp"), kNowBeijing);
    EXPECT_EQ(params.at("v"), "1.0");
    EXPECT_EQ(params.at("sign"), expected_sign("s3cret-key", params)) << op;
  }
}

TEST(UnicomRequests, FormEncodingSurvivesSpecialCharacters) {
  Unicom u;
  const std::string portrait = "ab+c/d==", name = "欧阳 娜娜&x=1%";
  auto s = u.start(cgw::op::kKycVerify,
                   {{"name", name}, {"id_number", kIdNumber}, {"portrait_b64", portrait}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const std::string body = sv(s->request.body);
  EXPECT_NE(body.find("portrait=ab%2Bc%2Fd%3D%3D"), std::string::npos) << body;
  const auto params = Unicom::form(*s);
  EXPECT_EQ(params.at("method"), "cert.check");
  EXPECT_EQ(params.at("portrait"), portrait);
  EXPECT_EQ(params.at("cert_name"), name);
  EXPECT_EQ(params.at("sign"), expected_sign("s3cret-key", params));
}

TEST(UnicomRequests, BasePathTimeoutAndLockDefault) {
  Unicom u(R"({base_url: "http://gw.example:81/carrier/", app_id: a, secret: s,
               timeout_ms: 2500})");
  ASSERT_TRUE(u.created()) << u.create_error.message;
  auto s = u.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/router/rest");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_EQ(Unicom::form(*s).at("lock_minutes"), "30");
}

TEST(UnicomRequests, HoldSecondsRoundUpToMinutes) {
  Unicom u;
  for (auto [secs, minutes] : std::vector<std::pair<int, std::string>>{
           {0, "45"}, {1, "1"}, {60, "1"}, {61, "2"}, {3600, "60"}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = u.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    const auto p = Unicom::form(*s);
    EXPECT_EQ(p.at("lock_minutes"), minutes) << secs;
    EXPECT_EQ(p.at("method"), "number.lock");
    EXPECT_EQ(p.at("number"), "18600000001");
    EXPECT_EQ(p.at("out_lock_id"), "R-1");
  }
}

TEST(UnicomRequests, InvalidInputsFailBeforeSending) {
  Unicom u;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 18600000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", kName}, {"id_number", 42}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kInventorySync, {{"cursor", "not-a-cursor"}}},
      {cgw::op::kInventorySync, {{"cursor", "0:100"}}},
      {cgw::op::kInventorySync, {{"cursor", "2:5001"}}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "+1"}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 7}}},
  };
  for (const auto& [op, input] : cases) {
    const Err e = Unicom::error_of(*u.start(op, input));
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  EXPECT_EQ(Unicom::error_of(*u.start("number.transfer", nullptr)).code, "UNSUPPORTED_OPERATION");
}

// ----------------------------------------------------------- operations ---

TEST(UnicomOperations, PlansList) {
  Unicom u;
  auto r = Unicom::result_of(*u.run(cgw::op::kPlansList, nullptr, ok(json::parse(R"({"products":[
      {"product_code":"UC-39","product_name":"冰激凌","monthly_fee":3900,"flow_mb":30720,
       "voice_min":200}]})"))));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"UC-39","name":"冰激凌","monthly_fee_fen":3900,
                                "data_mb":30720,"voice_minutes":200}]})"));
}

TEST(UnicomOperations, InventoryPagesByNumberAndCarriesPageSizeInCursor) {
  Unicom u;
  auto s = u.start(cgw::op::kInventorySync, {{"cursor", ""}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).at("method"), "number.query");
  EXPECT_EQ(Unicom::form(*s).at("page_no"), "1");
  EXPECT_EQ(Unicom::form(*s).at("page_size"), "5000");
  EXPECT_EQ(Unicom::form(*s).count("changed_since"), 0u);
  auto page = [](int64_t total) {
    return ok(json::parse(R"({"page_no":1,"page_size":5000,"change_seq":12,"total":)" +
                          std::to_string(total) +
                          R"(,"numbers":[
      {"number":"1","province":"北京","city":"北京","price":0,"level":3,"state":"FREE"},
      {"number":"2","province":"北京","city":"北京","price":500,"level":10,"state":"LOCKED"},
      {"number":"3","province":"山东","city":"济南","price":9,"state":"SOLD"}]})"));
  };
  const auto out =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s, page(12500))));
  ASSERT_EQ(out.items.size(), 3u);
  EXPECT_EQ(out.items[0].status, "available");
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, "reserved");
  EXPECT_EQ(out.items[1].price_fen, 500);
  EXPECT_EQ(out.items[2].status, "sold");
  EXPECT_FALSE(out.items[2].carrier_grade.has_value());
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.next_cursor, "2:5000");
  EXPECT_EQ(out.total, 12500);
  EXPECT_EQ(out.change_cursor, "12");
  // The next page keeps the pass's page size whatever the gateway asks now.
  auto s2 = u.start(cgw::op::kInventorySync, {{"cursor", out.next_cursor}, {"page_size", 10}});
  ASSERT_EQ(s2->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s2).at("page_no"), "2");
  EXPECT_EQ(Unicom::form(*s2).at("page_size"), "5000");
  const auto last =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s2, page(10000))));
  EXPECT_FALSE(last.has_more);
  EXPECT_EQ(last.next_cursor, "");
}

TEST(UnicomOperations, InventoryWithoutChangeSeqHasNoChangeCursor) {
  Unicom u;
  // An older carrier release: no change feed, full syncs only.
  const auto out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(
      *u.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"page_no":1,"page_size":1000,"total":0,"numbers":[]})")))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_EQ(out.total, 0);
  EXPECT_FALSE(out.has_more);
}

TEST(UnicomOperations, InventoryChangeFeed) {
  Unicom u;
  auto s =
      u.start(cgw::op::kInventorySync, {{"since", "42"}, {"cursor", "3:100"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto form = Unicom::form(*s);
  EXPECT_EQ(form.at("method"), "number.query");
  EXPECT_EQ(form.at("changed_since"), "42");
  EXPECT_EQ(form.at("page_size"), "5000");
  EXPECT_EQ(form.count("page_no"), 0u) << "the feed has no pages";
  auto out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(
      *s, ok(json::parse(R"({"page_size":5000,"total":1000000,"change_seq":57,"has_more":true,
          "numbers":[{"number":"18600000001","province":"北京","city":"北京","price":0,"level":0,
                      "state":"SOLD"}]})")))));
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, "sold");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  // "0" is a position too (the start of the log).
  auto s0 = u.start(cgw::op::kInventorySync, {{"since", "0"}});
  ASSERT_EQ(s0->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s0).at("changed_since"), "0");
  out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(
      *s0, ok(json::parse(R"({"total":5,"change_seq":0,"has_more":false,"numbers":[]})")))));
  EXPECT_EQ(out.change_cursor, "0");
  EXPECT_FALSE(out.has_more);
  for (const char* data : {
           R"({"total":5,"has_more":false,"numbers":[]})",                    // no change_seq
           R"({"total":5,"change_seq":43,"numbers":[]})",                     // no has_more
           R"({"total":5,"change_seq":43,"has_more":"no","numbers":[]})",     // not a boolean
           R"({"total":5,"change_seq":"43","has_more":false,"numbers":[]})",  // not an integer
           R"({"total":5,"change_seq":-1,"has_more":false,"numbers":[]})",    // negative
           R"({"total":5,"change_seq":41,"has_more":false,"numbers":[]})",    // went back
           R"({"total":5,"change_seq":42,"has_more":true,"numbers":[]})",     // no progress
           R"({"total":-5,"change_seq":43,"has_more":false,"numbers":[]})",   // negative total
       }) {
    const Err e =
        Unicom::error_of(*u.run(cgw::op::kInventorySync, {{"since", "42"}}, ok(json::parse(data))));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << data;
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(Unicom::error_of(*u.run(cgw::op::kInventorySync, {{"since", "42"}}, biz("2002"))).code,
            "INVALID_ARGUMENT");
}

TEST(UnicomOperations, ReserveParsesBeijingExpiryAndRelease) {
  Unicom u;
  auto r =
      Unicom::result_of(*u.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                               ok({{"lock_id", "UL9"}, {"expire_time", "2025-11-22 17:11:40"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"UL9","expires_at_ms":1763802700000})"));
  auto s = u.start(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto p = Unicom::form(*s);
  EXPECT_EQ(p.at("method"), "number.unlock");
  EXPECT_EQ(p.at("number"), "18600000001");
  EXPECT_EQ(p.at("lock_id"), "L-1");
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(json::object{}))),
            json::parse(R"({"released":true})"));
}

TEST(UnicomOperations, SubmitSendsOrderAndQueryMapsStates) {
  Unicom u;
  auto s = u.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto p = Unicom::form(*s);
  EXPECT_EQ(p.at("method"), "order.create");
  EXPECT_EQ(p.at("out_order_id"), "G-1");
  EXPECT_EQ(p.at("lock_id"), "L-1");
  EXPECT_EQ(p.at("product_code"), "UC-5G-39");
  EXPECT_EQ(p.at("cert_no"), kIdNumber);
  EXPECT_EQ(p.at("contact_phone"), "13900000000");
  EXPECT_EQ(p.at("contact_address"), "北京 1号");
  EXPECT_EQ(p.count("notify_url"), 0u) << "this carrier takes no callback address";
  auto r = Unicom::result_of(*u.resume(
      *s, ok({{"order_id", "UO1"}, {"out_order_id", "G-1"}, {"order_state", "IN_PROCESS"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"UO1","status":"submitted","reason":""})"));
  // An answer about another partner order is not ours.
  EXPECT_EQ(
      Unicom::error_of(*u.resume(*s, ok({{"order_id", "UO1"}, {"out_order_id", "G-2"}}))).code,
      "CARRIER_BAD_RESPONSE");

  auto q = u.start(cgw::op::kActivationQuery,
                   {{"gateway_order_id", "G 1"}, {"carrier_order_id", "UO1"}});
  ASSERT_EQ(q->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*q).at("out_order_id"), "G 1");
  EXPECT_EQ(Unicom::form(*q).at("order_id"), "UO1");
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"IN_PROCESS", "submitted", ""},
      {"ACTIVATED", "activated", ""},
      {"FAILED", "failed", "4009"}};
  for (const auto& [state, status, reason] : rows) {
    auto res = Unicom::result_of(*u.resume(*q, ok({{"order_id", "UO1"},
                                                   {"out_order_id", "G 1"},
                                                   {"order_state", state},
                                                   {"fail_code", "4009"}})));
    EXPECT_EQ(res.at("status"), status.c_str());
    EXPECT_EQ(res.at("reason"), reason.c_str());
  }
  EXPECT_EQ(
      Unicom::error_of(*u.resume(*q, ok({{"order_id", "UO2"}, {"order_state", "ACTIVATED"}}))).code,
      "CARRIER_BAD_RESPONSE");
}

TEST(UnicomOperations, KycVerdicts) {
  Unicom u;
  auto s = u.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).count("portrait"), 0u);
  auto verdict = [&](const char* result, const char* reason) {
    return Unicom::result_of(
        *u.resume(*s, ok({{"check_id", "RC1"}, {"result", result}, {"reason_code", reason}})));
  };
  EXPECT_EQ(verdict("PASS", ""),
            json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"RC1"})"));
  EXPECT_EQ(verdict("MANUAL_REVIEW", ""),
            json::parse(R"({"result":"review","reasons":[],"carrier_ref":"RC1"})"));
  const std::pair<const char*, const char*> table[] = {
      {"4001", "ID_INVALID"},      {"4002", "ID_NAME_MISMATCH"}, {"4003", "ID_NOT_FOUND"},
      {"4004", "ID_INVALIDATED"},  {"4005", "UNDERAGE"},         {"4006", "FACE_MISMATCH"},
      {"4007", "LIVENESS_FAILED"}, {"4008", "QUOTA_EXCEEDED"},   {"4009", "BLACKLISTED"},
      {"4999", "UNKNOWN"}};
  for (const auto& [code, reason] : table)
    EXPECT_EQ(verdict("NOT_PASS", code).at("reasons"), json::array{json::string(reason)}) << code;
}

// ------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code, message;
  bool retryable;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}
class UnicomBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(UnicomBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Unicom u;
  for (const std::string op : {cgw::op::kNumberReserve, cgw::op::kActivationSubmit}) {
    const Err e = Unicom::error_of(*u.run(op, valid_input(op), biz(row.carrier_code)));
    EXPECT_EQ(e.code, row.gateway_code) << op;
    EXPECT_EQ(e.carrier_code, row.carrier_code);
    EXPECT_EQ(e.retryable, row.retryable);
    EXPECT_FALSE(e.outcome_unknown);                      // the carrier refused: nothing happened
    EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
    if (!row.message.empty()) {
      EXPECT_EQ(e.message, row.message);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, UnicomBusinessCodes,
                         testing::Values(CodeRow{"1001", "CARRIER_AUTH_FAILED", "", false},
                                         CodeRow{"1002", "CARRIER_AUTH_FAILED", "", false},
                                         CodeRow{"1003", "CARRIER_AUTH_FAILED", "", true},
                                         CodeRow{"2001", "INVALID_ARGUMENT", "", false},
                                         CodeRow{"2002", "INVALID_ARGUMENT", "", false},
                                         CodeRow{"2003", "CARRIER_REJECTED", "", false},
                                         CodeRow{"3001", "NUMBER_UNAVAILABLE", "", false},
                                         CodeRow{"3002", "NUMBER_UNAVAILABLE", "", false},
                                         CodeRow{"3003", "RESERVATION_EXPIRED", "", false},
                                         CodeRow{"3004", "RESERVATION_NOT_FOUND", "", false},
                                         CodeRow{"3005", "PLAN_NOT_FOUND", "", false},
                                         CodeRow{"4005", "CARRIER_REJECTED", "UNDERAGE", false},
                                         CodeRow{"4008", "CARRIER_REJECTED", "QUOTA_EXCEEDED",
                                                 false},
                                         CodeRow{"4009", "CARRIER_REJECTED", "BLACKLISTED", false},
                                         CodeRow{"4010", "CARRIER_UNAVAILABLE", "", true},
                                         CodeRow{"5001", "ORDER_NOT_FOUND", "", false},
                                         CodeRow{"9999", "CARRIER_UNAVAILABLE", "", true},
                                         CodeRow{"7777", "CARRIER_REJECTED", "", false}));

struct TransportRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};
void PrintTo(const TransportRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " status=" << r.reply.status;
}
class UnicomTransport : public testing::TestWithParam<TransportRow> {};

TEST_P(UnicomTransport, MapsPerDoc) {
  const TransportRow& row = GetParam();
  Unicom u;
  const Err e = Unicom::error_of(*u.run(row.op, valid_input(row.op), row.reply));
  EXPECT_EQ(e.code, row.code);
  EXPECT_EQ(e.retryable, row.retryable);
  EXPECT_EQ(e.outcome_unknown, row.outcome_unknown);
}

INSTANTIATE_TEST_SUITE_P(
    Table, UnicomTransport,
    testing::Values(
        TransportRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE",
                     1, 0},
        TransportRow{"kyc.verify", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.query", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1,
                     1},
        TransportRow{"activation.submit", transport(99), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.reserve", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.release", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"plans.list", http(503), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"number.reserve", http(500), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", http(502), "CARRIER_UNAVAILABLE", 1, 1},
        TransportRow{"plans.list", http(404), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", http(405), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG),
                     "CARRIER_BAD_RESPONSE", 0, 1}));

struct MalformedRow {
  std::string op, body;
};
void PrintTo(const MalformedRow& r, std::ostream* os) {
  *os << r.op << " " << r.body;
}
class UnicomMalformed : public testing::TestWithParam<MalformedRow> {};

// Untrusted replies: every shape problem is CARRIER_BAD_RESPONSE, never a
// crash or a PLUGIN_ERROR; writes keep outcome_unknown (the carrier answered).
TEST_P(UnicomMalformed, IsBadResponse) {
  const MalformedRow& row = GetParam();
  Unicom u;
  const Err e = Unicom::error_of(*u.run(row.op, valid_input(row.op), raw(row.body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << e.message;
  EXPECT_FALSE(e.retryable);
  const bool writes =
      row.op == "number.reserve" || row.op == "number.release" || row.op == "activation.submit";
  EXPECT_EQ(e.outcome_unknown, writes);
  EXPECT_EQ(e.message.find(kName), std::string::npos);
}

#define OK_DATA(d) R"({"code":"0000","msg":"success","data":)" d "}"
INSTANTIATE_TEST_SUITE_P(
    Shapes, UnicomMalformed,
    testing::Values(
        MalformedRow{"plans.list", "not json"}, MalformedRow{"plans.list", ""},
        MalformedRow{"plans.list", "[1,2]"}, MalformedRow{"plans.list", R"({"msg":"ok"})"},
        MalformedRow{"plans.list", R"({"code":0,"data":{"products":[]}})"},

        MalformedRow{"plans.list", R"({"code":"<b>x</b>"})"},
        MalformedRow{"plans.list", R"({"code":"0000"})"}, MalformedRow{"plans.list", OK_DATA("[]")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[1]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[{"product_code":"P","product_name":"n",
            "monthly_fee":"3900","flow_mb":1,"voice_min":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[{"product_code":"P","product_name":"n",
            "monthly_fee":39.5,"flow_mb":1,"voice_min":1}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":"9"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":-1})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":1,"change_seq":"3"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":1,"change_seq":-3})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":0})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":1,"numbers":[{"number":"1",
            "province":"a","city":"b","price":1,"state":"idle"}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":1,"numbers":[{"number":"1",
            "province":"a","city":"b","price":1,"level":11,"state":"FREE"}]})")},
        MalformedRow{"number.reserve", "{{{"},
        MalformedRow{"number.reserve",
                     OK_DATA(R"({"lock_id":7,"expire_time":"2025-11-22 17:11:40"})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lock_id":"L","expire_time":1763802700000})")},
        MalformedRow{"number.reserve",
                     OK_DATA(R"({"lock_id":"L","expire_time":"2025-13-01 00:00:00"})")},
        MalformedRow{"number.release", OK_DATA("null")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"check_id":"C","result":"MAYBE"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"result":"PASS"})")},
        MalformedRow{"kyc.verify",
                     OK_DATA(R"({"check_id":"C","result":"NOT_PASS","reason_code":4001})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"order_state":"IN_PROCESS"})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"order_id":"O","order_state":"DONE"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"order_id":"O"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"order_id":"O","order_state":"FAILED",
            "fail_code":4009})")}));
#undef OK_DATA

// ---------------------------------------------------------------- privacy ---

TEST(UnicomPrivacy, ErrorsNeverContainNameOrIdNumber) {
  Unicom u;
  const std::string echo = R"({"code":"4002","msg":")" + std::string(kName) + kIdNumber + R"("})";
  const std::vector<Reply> replies = {transport(CGW_TRANSPORT_TIMEOUT),
                                      http(500),
                                      http(418),
                                      raw("not json"),
                                      raw(echo),
                                      biz("4002"),
                                      biz("2002"),
                                      ok({{"check_id", kIdNumber}, {"result", kName}}),
                                      ok({{"order_id", 5}, {"order_state", kName}})};
  for (const std::string op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit})
    for (const Reply& r : replies) {
      auto s = u.run(op, valid_input(op), r);
      if (s->kind != CGW_STEP_FAIL) continue;
      const Err e = Unicom::error_of(*s);
      EXPECT_EQ(e.message.find(kName), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.message.find(kIdNumber), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.carrier_code.find(kIdNumber), std::string::npos);
    }
}

// ---------------------------------------------------------------- config ---

TEST(UnicomConfig, InvalidSettingsAreConfigInvalid) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{base_url: 'http://h', app_id: a}", "'secret' is required"},
      {"{base_url: 'http://h', app_id: a, secret: ''}", "'secret'"},
      {"{base_url: 'http://h', app_id: a, secret: [TOPSECRET]}", "'secret'"},
      {"{app_id: a, secret: TOPSECRET}", "'base_url' is required"},
      {"{base_url: 'not a url', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'ftp://h', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'http://h/?x=1', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'http://h', secret: TOPSECRET}", "'app_id' is required"},
      {"{base_url: 'http://h', app_id: {x: 1}, secret: TOPSECRET}", "'app_id'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minutes: x}", "'lock_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minutes: 0}", "'lock_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, timeout_ms: -1}", "'timeout_ms'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minuts: 5}", "'lock_minuts'"},
      {"[1, 2]", "mapping"},
      {"", "mapping"},
  };
  for (const auto& [yaml, needle] : cases) {
    Unicom u(yaml);
    EXPECT_FALSE(u.created()) << yaml;
    EXPECT_EQ(u.create_error.code, "CONFIG_INVALID") << yaml;
    EXPECT_NE(u.create_error.message.find(needle), std::string::npos)
        << yaml << " -> " << u.create_error.message;
    EXPECT_EQ(u.create_error.message.find("TOPSECRET"), std::string::npos);
  }
}

// --------------------------------------------- callbacks, threads, .so ---

TEST(UnicomCallbacks, EveryCallbackIsRefused) {
  Unicom u;
  auto r = u.callback(R"({"order_id":"UO1","order_state":"ACTIVATED"})");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verified, 0);
  EXPECT_EQ(sv(r->error.code), "CALLBACK_REJECTED");
  EXPECT_NE(r->ack_status, 200);
}

TEST(UnicomConcurrency, ParallelOperationsOnOneInstance) {
  Unicom u;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto r = u.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                       ok({{"lock_id", std::string("L").append(std::to_string(i))},
                           {"expire_time", kNowBeijing}}));
        if (r->kind == CGW_STEP_DONE) ++good;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 400);
}

TEST(UnicomSharedObject, RealModuleExportsTableWithoutCallbacks) {
  void* lib = dlopen(CGW_UNICOM_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(dlsym(lib, CGW_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const cgw_plugin_v1* t = entry(&kHost);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi_major, CGW_ABI_MAJOR);
  EXPECT_EQ(t->struct_size, sizeof(cgw_plugin_v1));
  EXPECT_EQ(sv(t->name), "unicom");
  EXPECT_EQ(sv(t->version), "1.0.0");
  EXPECT_EQ(t->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MNO));
  EXPECT_EQ(t->capabilities, kCaps);
  EXPECT_EQ(t->capabilities & CGW_CAP_CALLBACKS, 0u);
  {
    Unicom u(kConfig, t);
    ASSERT_TRUE(u.created());
    auto s = u.start(cgw::op::kPlansList, nullptr);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(Unicom::form(*s).at("sign"), "454D8B631821D8E76DF08F13E02AFE79");
    EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok({{"products", json::array{}}}))),
              json::parse(R"({"plans":[]})"));
  }
  dlclose(lib);
}

}  // namespace
