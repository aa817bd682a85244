// Helpers and fixtures shared by telecom_plugin_activation_test.cpp,
// telecom_plugin_operations_test.cpp, telecom_plugin_test.cpp: the plugin on
// the SDK's fake host (<cgw/testing.hpp>: clock, cache with TTLs, logs) plus
// the telecom protocol's canned replies.
#pragma once

#include "telecom_plugin.hpp"
#include "token.hpp"

#include <cgw/plugin.hpp>
#include <cgw/testing.hpp>
#include "cgw/common/yaml_json.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pugixml.hpp>

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
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS |
                              CGW_CAP_FULFILMENT | CGW_CAP_CANCEL | CGW_CAP_SUBSCRIBER_QUERY |
                              CGW_CAP_RECHARGE | CGW_CAP_SIM_REPLACE;

using cgw::test::cs;
using cgw::test::Err;
using cgw::test::Reply;
using cgw::test::Run;
using cgw::test::sv;

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

// The plugin through its C ABI table on a fake host whose clock stands at
// kNowMs and whose random bytes are all 0x5a.
class Telecom : public cgw::test::Harness<TelecomPlugin> {
 public:
  explicit Telecom(const std::string& yaml = kConfig, const cgw_plugin_v1* table = nullptr)
      : Harness(cgw::settings_json_of_yaml(yaml), {"telecom", CGW_CARRIER_MNO, kAllCaps}, table,
                kNowMs) {
    host.set_random_byte(0x5a);
    create_code = create_error.code;
  }
  void seed_token(const std::string& t) { host.cache_put("telecom.access_token", t); }

  // Starts `op` and answers each SEND with the next reply (Harness::drive).
  Run run(const std::string& op, const json::value& input, const std::vector<Reply>& replies) {
    return drive(op, input, replies);
  }

  struct Callback {
    bool verified;
    int ack_status;
    std::string ack_body, events, error_code, error_message;
  };
  Callback callback(const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body) {
    auto c = Harness::callback("POST", "/v1/callbacks/telecom", headers, body);
    return {c->verified != 0,   c->ack_status,     sv(c->ack_body),
            sv(c->events_json), sv(c->error.code), sv(c->error.message)};
  }

  std::string create_code;  // create_error.code, as the tests name it
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
