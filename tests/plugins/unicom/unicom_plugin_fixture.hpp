// Helpers and fixtures shared by unicom_plugin_mapping_test.cpp,
// unicom_plugin_test.cpp.
// unicom_plugin_operations_test.cpp): helpers and fixtures.
#pragma once

#include "operations.hpp"
#include "signing.hpp"
#include "unicom_plugin.hpp"

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

namespace unicom_plugin {

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

inline std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
inline cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

// ----------------------------------------------------------- fake host ---

inline std::atomic<unsigned> g_random_counter{0};

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
inline std::map<std::string, std::string> decode_form(const std::string& body) {
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  std::map<std::string, std::string> out;
  for (auto p : boost::urls::params_view(body, form)) out[p.key] = p.value;
  return out;
}

// The sign as the doc defines it, computed here without the plugin.
inline std::string expected_sign(const std::string& secret,
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
inline Reply ok(json::value data) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", "0000"}, {"msg", "success"}, {"data", data}})};
}
inline Reply biz(const std::string& code) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", code}, {"msg", std::string("no ") + kName}})};
}
inline Reply transport(int t) {
  return {t, 0, ""};
}
inline Reply http(int status) {
  return {CGW_TRANSPORT_OK, status, "<html>busy</html>"};
}
inline Reply raw(std::string body) {
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

inline json::value valid_input(const std::string& op) {
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

}  // namespace unicom_plugin
