// Helpers and fixtures shared by unicom_plugin_mapping_test.cpp,
// unicom_plugin_test.cpp: the plugin on the SDK's fake host
// (<cgw/testing.hpp>) plus the unicom protocol's canned replies and an
// independent computation of its sign.
#pragma once

#include "operations.hpp"
#include "signing.hpp"
#include "unicom_plugin.hpp"

#include <cgw/plugin.hpp>
#include <cgw/testing.hpp>
#include "cgw/common/yaml_json.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>

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
constexpr uint64_t kCaps = CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE | CGW_CAP_KYC |
                           CGW_CAP_ACTIVATION | CGW_CAP_FULFILMENT | CGW_CAP_CANCEL |
                           CGW_CAP_SUBSCRIBER_QUERY | CGW_CAP_RECHARGE | CGW_CAP_SUSPEND;

using cgw::test::cs;
using cgw::test::Err;
using cgw::test::Reply;
using cgw::test::sv;

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

// The plugin through its C ABI table on a fake host whose clock stands at kNowMs.
class Unicom : public cgw::test::Harness<UnicomPlugin> {
 public:
  explicit Unicom(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : Harness(cgw::settings_json_of_yaml(yaml), {"unicom", CGW_CARRIER_MNO, kCaps}, table,
                kNowMs) {}

  std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>> callback(
      const std::string& body) {
    return Harness::callback("POST", "/v1/callbacks/unicom", {}, body);
  }
  static std::map<std::string, std::string> form(const cgw_step_v1& s) {
    return decode_form(sv(s.request.body));
  }
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

}  // namespace unicom_plugin
