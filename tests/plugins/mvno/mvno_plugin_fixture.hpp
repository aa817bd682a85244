// Helpers and fixtures shared by mvno_plugin_callback_test.cpp,
// mvno_plugin_operations_test.cpp, mvno_plugin_test.cpp: the plugin on the
// SDK's fake host (<cgw/testing.hpp>) plus the mvno protocol's canned
// replies, and its signatures and field encryption checked with the SDK's
// crypto (itself tested against known-answer vectors in tests/sdk/).
#pragma once

#include "mvno_plugin.hpp"
#include "number_segments.hpp"

#include <cgw/crypto.hpp>
#include <cgw/plugin.hpp>
#include <cgw/testing.hpp>
#include "cgw/common/yaml_json.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <yaml-cpp/yaml.h>

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
// What the carrier offers (docs/after-sales.md, "What each carrier offers").
constexpr uint64_t kAllCaps = CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE |
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS |
                              CGW_CAP_FULFILMENT | CGW_CAP_CANCEL | CGW_CAP_SUBSCRIBER_QUERY |
                              CGW_CAP_RECHARGE | CGW_CAP_SIM_REPLACE | CGW_CAP_SUSPEND;

using cgw::test::cs;
using cgw::test::Err;
using cgw::test::Reply;
using cgw::test::sv;

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

// ------------------------------------------------- independent crypto ---

inline std::string b64(const std::string& raw) {
  return cgw::crypto::base64(raw);
}
inline std::string unb64(const std::string& text) {
  return cgw::crypto::unbase64(text).value_or("");
}
inline std::string sha256_hex(const std::string& data) {
  return cgw::crypto::sha256_hex(data);
}
// The doc's canonical string, built here without the plugin.
inline std::string canonical(const std::string& method, const std::string& target,
                             const std::string& ts, const std::string& nonce,
                             const std::string& body) {
  return method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
}
inline bool rsa_verify(const std::string& public_pem, const std::string& data,
                       const std::string& sig_b64) {
  const auto key = cgw::crypto::PemKey::public_key(public_pem);
  return key && cgw::crypto::rsa_sha256_verify(*key, data, unb64(sig_b64));
}
inline std::string rsa_sign(const std::string& private_pem, const std::string& data) {
  const auto key = cgw::crypto::PemKey::private_key(private_pem);
  return b64(key ? cgw::crypto::rsa_sha256_sign(*key, data).value_or("") : "");
}
// base64(iv || ct || tag) -> plaintext with `key_hex`, or nullopt.
inline std::optional<std::string> gcm_open(const std::string& key_hex,
                                           const std::string& sealed_b64) {
  const auto key = cgw::crypto::unhex(key_hex);
  const std::string sealed = unb64(sealed_b64);
  if (!key || key->size() != 32 || sealed.size() < 28) return std::nullopt;
  return cgw::crypto::aes_gcm_open(*key, sealed.substr(0, 12), sealed.substr(12));
}

// ------------------------------------------------------------- harness ---

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

// The plugin through its C ABI table on a fake host whose clock stands at kNowMs.
class Mvno : public cgw::test::Harness<MvnoPlugin> {
 public:
  explicit Mvno(const std::string& yaml = config(), const cgw_plugin_v1* table = nullptr)
      : Harness(cgw::settings_json_of_yaml(yaml), {"mvno", CGW_CARRIER_MVNO, kAllCaps}, table,
                kNowMs) {}

  CallbackPtr callback(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
    return Harness::callback("POST", url, headers, body);
  }
  static json::object body_of(const cgw_step_v1& s) {
    return json::parse(sv(s.request.body)).as_object();
  }
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
