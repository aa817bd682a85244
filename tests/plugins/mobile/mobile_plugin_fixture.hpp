// Helpers and fixtures shared by mobile_plugin_callback_test.cpp,
// mobile_plugin_operations_test.cpp, mobile_plugin_test.cpp: the plugin on
// the SDK's fake host (<cgw/testing.hpp>) plus the mobile protocol's canned
// replies and an independent computation of its signature.
#pragma once

#include "mobile_plugin.hpp"
#include "signing.hpp"

#include <cgw/plugin.hpp>
#include <cgw/testing.hpp>
#include "cgw/common/yaml_json.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS |
                              CGW_CAP_FULFILMENT | CGW_CAP_CANCEL | CGW_CAP_SUBSCRIBER_QUERY |
                              CGW_CAP_RECHARGE | CGW_CAP_SIM_REPLACE | CGW_CAP_SUSPEND;

using cgw::test::cs;
using cgw::test::Err;
using cgw::test::Reply;
using cgw::test::sv;

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

// The plugin through its C ABI table on a fake host whose clock stands at kNowMs.
class Mobile : public cgw::test::Harness<MobilePlugin> {
 public:
  explicit Mobile(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : Harness(cgw::settings_json_of_yaml(yaml), {"mobile", CGW_CARRIER_MNO, kAllCaps}, table,
                kNowMs) {}
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
  if (op == cgw::op::kActivationCancel)
    return {{"gateway_order_id", "G-1"}, {"reason", "customer_request"}};
  if (op == cgw::op::kSubscriberQuery) return {{"msisdn", "13800000001"}};
  if (op == cgw::op::kSubscriberRecharge)
    return {{"gateway_recharge_id", "rch_1"}, {"msisdn", "13800000001"}, {"amount_fen", 5000}};
  if (op == cgw::op::kSubscriberRechargeQuery)
    return {{"gateway_recharge_id", "rch_1"}, {"msisdn", "13800000001"}};
  if (op == cgw::op::kSubscriberSimReplace)
    return {{"gateway_replacement_id", "rpl_1"},
            {"msisdn", "13800000001"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"reason", "lost"},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "Beijing"}}}};
  if (op == cgw::op::kSubscriberSuspend || op == cgw::op::kSubscriberResume)
    return {{"gateway_request_id", "req_1"}, {"msisdn", "13800000001"}, {"reason", "lost_phone"}};
  return nullptr;
}

}  // namespace mobile_plugin
