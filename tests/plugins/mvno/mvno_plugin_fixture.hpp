// Helpers and fixtures shared by mvno_plugin_callback_test.cpp,
// mvno_plugin_operations_test.cpp, mvno_plugin_test.cpp.
// mvno_plugin_operations_test.cpp, mvno_plugin_mapping_test.cpp): helpers and fixtures.
#pragma once

#include "mvno_plugin.hpp"
#include "number_segments.hpp"

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <yaml-cpp/yaml.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace mvno_plugin {

namespace json = boost::json;
using cgw::mvno::MvnoPlugin;

constexpr int64_t kNowMs = 1763800000123;
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "11010119900307123X";
constexpr const char* kMsisdn = "17001234567";  // 1700: Telecom-hosted MVNO segment
constexpr uint64_t kAllCaps = CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE |
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS;

inline std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
inline cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

inline std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline const std::string& gateway_private() {
  static const std::string k = secret_file("mvno-demo-gateway-private.pem");
  return k;
}
inline const std::string& gateway_public() {
  static const std::string k = secret_file("mvno-demo-gateway-public.pem");
  return k;
}
inline const std::string& carrier_private() {
  static const std::string k = secret_file("mvno-demo-carrier-private.pem");
  return k;
}
inline const std::string& carrier_public() {
  static const std::string k = secret_file("mvno-demo-carrier-public.pem");
  return k;
}
inline std::string field_key_hex() {
  std::string k = secret_file("mvno-demo-id-aes.key");
  while (!k.empty() && (k.back() == '\n' || k.back() == '\r')) k.pop_back();
  return k;
}

// The settings block as the host hands it over: YAML text with the secret
// references already replaced by the files' contents.
inline std::string config(const std::map<std::string, std::string>& overrides = {},
                          const std::vector<std::string>& drop = {}) {
  std::map<std::string, std::string> s = {
      {"base_url", "http://127.0.0.1:9104"},
      {"partner_id", "cgw-test-partner"},
      {"gateway_private_key", gateway_private()},
      {"carrier_public_key", carrier_public()},
      {"id_field_key", field_key_hex()},
      {"callback_url", "http://127.0.0.1:8080/v1/callbacks/mvno"},
      {"occupy_minutes", "45"}};
  for (const auto& [k, v] : overrides) s[k] = v;
  for (const auto& k : drop) s.erase(k);
  YAML::Node n(YAML::NodeType::Map);
  for (const auto& [k, v] : s) n[k] = v;
  return YAML::Dump(n);
}

// ----------------------------------------------------------- fake host ---

struct FakeHost {
  std::atomic<int64_t> now_ms{kNowMs};
  std::mutex mu;
  unsigned char next_byte = 0;  // random_bytes yields 00 01 02 ...
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
    [](void*, size_t n) { return std::malloc(n); },
    [](void*, void* p) { std::free(p); },
    [](void* ctx) -> int64_t { return fake(ctx).now_ms.load(); },
    [](void* ctx, void* buf, size_t len) {
      std::lock_guard lock(fake(ctx).mu);
      for (size_t i = 0; i < len; ++i) static_cast<unsigned char*>(buf)[i] = fake(ctx).next_byte++;
    },
    [](void*, cgw_str, cgw_str, int64_t) {},
    [](void*, cgw_str, cgw_str*) -> int32_t { return 0; },
};

// ------------------------------------------------- independent crypto ---

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

inline Pkey read_key(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return Pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
              &EVP_PKEY_free);
}

inline std::string b64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                 reinterpret_cast<const unsigned char*>(raw.data()),
                                                 static_cast<int>(raw.size()))));
  return out;
}
inline std::string unb64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return {};
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}
inline std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) (out += d[md[i] >> 4]) += d[md[i] & 15];
  return out;
}
// The doc's canonical string, built here without the plugin.
inline std::string canonical(const std::string& method, const std::string& target,
                             const std::string& ts, const std::string& nonce,
                             const std::string& body) {
  return method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
}
inline bool rsa_verify(const std::string& public_pem, const std::string& data,
                       const std::string& sig_b64) {
  Pkey key = read_key(public_pem, false);
  const std::string sig = unb64(sig_b64);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}
inline std::string rsa_sign(const std::string& private_pem, const std::string& data) {
  Pkey key = read_key(private_pem, true);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  return b64(sig);
}
// base64(iv || ct || tag) -> plaintext with `key_hex`, or nullopt.
inline std::optional<std::string> gcm_open(const std::string& key_hex,
                                           const std::string& sealed_b64) {
  long klen = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> key(OPENSSL_hexstr2buf(key_hex.c_str(), &klen),
                                                      [](void* p) { OPENSSL_free(p); });
  const std::string sealed = unb64(sealed_b64);
  if (!key || klen != 32 || sealed.size() < 28) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(sealed.data());
  const size_t n = sealed.size() - 28;
  std::string out(n, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  int len = 0;
  std::string tag = sealed.substr(12 + n);
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.get(), p) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, p + 12,
                        static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) == 1;
  if (!ok) return std::nullopt;
  return out;
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
inline Reply raw(std::string body, int status = 200) {
  return {CGW_TRANSPORT_OK, status, std::move(body)};
}

struct Err {
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
};

struct TestTag {};

class Mvno {
 public:
  explicit Mvno(const std::string& yaml = config(), const cgw_plugin_v1* table = nullptr)
      : t_(table ? table
                 : cgw::detail::Exporter<MvnoPlugin, TestTag>::entry(&kHost, "mvno", "1.0.0",
                                                                     CGW_CARRIER_MVNO, kAllCaps)) {
    cgw_step_v1* err = nullptr;
    inst_ = t_->create(&host, cs(yaml), &err);
    if (err) {
      create_error = error_of(*err);
      t_->free_step(err);
    }
  }
  ~Mvno() {
    if (inst_) t_->destroy(inst_);
  }
  bool created() const { return inst_ != nullptr; }

  using StepPtr = std::unique_ptr<cgw_step_v1, std::function<void(cgw_step_v1*)>>;
  StepPtr start(const std::string& op, const json::value& input) {
    const std::string in = input.is_null() ? "" : json::serialize(input);
    return own(t_->start(inst_, cs(op), cs(in)));
  }
  StepPtr resume(const std::string& state, const Reply& r) {
    const cgw_http_response_v1 resp{r.transport, r.status, nullptr, 0, cs(r.body)};
    return own(t_->resume(inst_, cs(state), &resp));
  }
  StepPtr run(const std::string& op, const json::value& input, const Reply& r) {
    auto s = start(op, input);
    EXPECT_EQ(s->kind, CGW_STEP_SEND) << sv(s->error.message);
    if (s->kind != CGW_STEP_SEND) return s;
    return resume(sv(s->state), r);
  }
  using CallbackPtr = std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>>;
  CallbackPtr callback(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
    std::vector<cgw_header> hs;
    for (const auto& [k, v] : headers) hs.push_back({cs(k), cs(v)});
    static const std::string kPost = "POST";  // the views must outlive the call
    const cgw_http_request_v1 req{cs(kPost), cs(url), hs.data(), hs.size(), cs(body), 0};
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
  static json::object body_of(const cgw_step_v1& s) {
    return json::parse(sv(s.request.body)).as_object();
  }

  FakeHost host;
  Err create_error;

 private:
  StepPtr own(cgw_step_v1* s) {
    return StepPtr(s, [t = t_](cgw_step_v1* p) { t->free_step(p); });
  }
  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
};

inline json::value valid_input(const std::string& op) {
  if (op == cgw::op::kNumberReserve)
    return {{"msisdn", kMsisdn}, {"gateway_reservation_id", "R-1"}};
  if (op == cgw::op::kNumberRelease)
    return {{"msisdn", kMsisdn}, {"carrier_reservation_id", "OC-1"}};
  if (op == cgw::op::kKycVerify) return {{"name", kName}, {"id_number", kIdNumber}};
  if (op == cgw::op::kActivationSubmit)
    return {{"gateway_order_id", "G-1"},
            {"msisdn", kMsisdn},
            {"plan_id", "MV-170-CHAT-8"},
            {"carrier_reservation_id", "OC-1"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "Beijing"}}}};
  if (op == cgw::op::kActivationQuery) return {{"gateway_order_id", "G-1"}};
  if (op == cgw::op::kInventorySync) return json::object{};
  return nullptr;
}

}  // namespace mvno_plugin
