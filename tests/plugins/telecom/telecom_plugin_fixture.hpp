// Helpers and fixtures shared by telecom_plugin_activation_test.cpp,
// telecom_plugin_operations_test.cpp, telecom_plugin_test.cpp.
// telecom_plugin_codes_test.cpp, telecom_plugin_operations_test.cpp): helpers and fixtures.
#pragma once

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

namespace telecom_plugin {

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

inline std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
inline cgw_str cs(const std::string& s) {
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

inline FakeHost& fake(void* ctx) {
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

inline std::string hmac_hex(const std::string& key, const std::string& msg) {
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
inline Reply ok(const std::string& data) {
  return {CGW_TRANSPORT_OK, 200,
          R"(<?xml version="1.0" encoding="UTF-8"?><Response><Code>0</Code>)"
          "<Message>success</Message><RequestId>RQ1</RequestId><Data>" +
              data + "</Data></Response>"};
}
inline Reply err(const std::string& code, int status = 200) {
  return {CGW_TRANSPORT_OK, status,
          "<Error><Code>" + code + "</Code><Message>no " + kName + " " + kIdNumber +
              "</Message></Error>"};
}
inline Reply token(const std::string& t, int64_t expires_in = 300) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{
              {"access_token", t}, {"token_type", "Bearer"}, {"expires_in", expires_in}})};
}
inline Reply raw(int status, std::string body) {
  return {CGW_TRANSPORT_OK, status, std::move(body)};
}
inline Reply transport(int t) {
  return {t, 0, ""};
}

inline const std::string kPlansXml =
    "<Plans><Plan><PlanCode>CT-XK-19</PlanCode><PlanName>星卡</PlanName>"
    "<MonthlyFee>1900</MonthlyFee><DataMB>30720</DataMB><VoiceMinutes>0</VoiceMinutes></Plan>"
    "</Plans>";
inline const std::string kReserveXml =
    "<ReserveId>RS1</ReserveId><ExpireTime>1763801800000</ExpireTime>";
inline std::string order_xml(const std::string& status, const std::string& extra = "") {
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

inline json::value valid_input(const std::string& op) {
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
inline pugi::xml_node request_root(pugi::xml_document& doc, const std::string& body) {
  EXPECT_TRUE(doc.load_string(body.c_str())) << body;
  EXPECT_STREQ(doc.document_element().name(), "Request");
  return doc.document_element();
}

// ----------------------------------------------------------- the token ---

}  // namespace telecom_plugin
