// Helpers and fixtures shared by mobile_plugin_callback_test.cpp,
// mobile_plugin_operations_test.cpp, mobile_plugin_test.cpp.
// mobile_plugin_operations_test.cpp, mobile_plugin_mapping_test.cpp): helpers and fixtures.
#pragma once

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

namespace mobile_plugin {

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
  unsigned char next_byte = 0;  // random_bytes yields 00 01 02 ...
  std::map<std::string, std::string> cache;
};

inline FakeHost& fake(void* ctx) {
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

inline std::string hex(const unsigned char* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

// The signature as the doc defines it, computed here without the plugin.
inline std::string expected_signature(const std::string& secret, const std::string& method,
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
inline std::string target_of(const std::string& url) {
  return url.substr(url.find('/', url.find("://") + 3));
}

// ------------------------------------------------------------- harness ---

struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
};
inline Reply ok(json::value data) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", "0"}, {"message", "ok"}, {"data", data}})};
}
inline Reply biz(const std::string& code) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", code}, {"message", std::string("no ") + kName}})};
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

inline json::value valid_input(const std::string& op) {
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

}  // namespace mobile_plugin
