// The mvno simulator's after-sales endpoints (docs/carriers/mvno.md, "Order
// lifecycle", "Subscriber services"), in-process over real HTTP: helpers on
// top of the MvnoHttp fixture (sim_mvno_http_fixture.hpp).
#pragma once

#include "sim_mvno_http_fixture.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace mvno_after_sales {

using namespace mvno_http;

class MvnoAfterSales : public MvnoHttp {
 protected:
  // An activation order placed and, after the clock moved past its
  // activation delay (60 s in MvnoHttp), OPENED: a line of the partner.
  std::string open_line(const std::string& pon, const std::string& id) {
    const std::string number = free_numbers(1).at(0);
    const auto placed = order(pon, number, occupy(number), id);
    EXPECT_EQ(code(placed), "0000") << json::serialize(placed);
    advance(60'000);
    EXPECT_EQ(status_of(pon), "OPENED");
    return number;
  }
  std::string status_of(const std::string& pon) {
    const auto q = call("/openapi/v1/order/query", {{"partnerOrderNo", pon}});
    return q.contains("data") ? std::string(q.at("data").at("orderStatus").as_string()) : code(q);
  }
  json::object data_of(const json::object& reply) {
    EXPECT_EQ(code(reply), "0000") << json::serialize(reply);
    return reply.contains("data") ? reply.at("data").as_object() : json::object{};
  }
  json::object recharge(const std::string& no, const std::string& msisdn, int64_t amount) {
    return call("/openapi/v1/recharge/create",
                {{"partnerRechargeNo", no}, {"msisdn", msisdn}, {"amount", amount}});
  }
  json::object replace(const std::string& pon, const std::string& msisdn, const std::string& id) {
    return call(
        "/openapi/v1/sim/replace",
        {{"partnerOrderNo", pon},
         {"msisdn", msisdn},
         {"certName", "测试用户"},
         {"certNoEnc", gcm_seal(field_key_, id)},
         {"replaceReason", "LOST"},
         {"receiver", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "北京"}}},
         {"notifyUrl", partner_->url()}});
  }
  json::object change(const std::string& action, const std::string& msisdn,
                      const std::string& reason = "LOST_PHONE") {
    return call("/openapi/v1/subscriber/" + action,
                {{"partnerRequestNo", "req-" + std::to_string(++request_seq_)},
                 {"msisdn", msisdn},
                 {"reasonCode", reason}});
  }
  // The callbacks received so far whose body has `key` = `value`, parsed.
  std::vector<json::object> callbacks_where(const std::string& key, const std::string& value) {
    std::vector<json::object> out;
    for (const auto& r : partner_->received()) {
      EXPECT_TRUE(r.signature_ok) << r.body;
      auto body = json::parse(r.body).as_object();
      const auto* v = body.if_contains(key);
      if (v && v->is_string() && v->as_string() == value) out.push_back(std::move(body));
    }
    return out;
  }
  // Waits (bounded) until `n` callbacks with `key` = `value` arrived.
  std::vector<json::object> wait_where(const std::string& key, const std::string& value, size_t n) {
    for (int i = 0; i < 250; ++i) {
      auto found = callbacks_where(key, value);
      if (found.size() >= n) return found;
      std::this_thread::sleep_for(20ms);
    }
    return callbacks_where(key, value);
  }
  // The orderStatus of each callback about order `pon`, in arrival order.
  // In the order the carrier reached them (notifyTime, simulated): a clock
  // move that passes several stages sends their callbacks concurrently, so
  // they may arrive in any order.
  std::vector<std::string> statuses_of(const std::string& pon) {
    auto found = callbacks_where("partnerOrderNo", pon);
    std::stable_sort(found.begin(), found.end(), [](const json::object& a, const json::object& b) {
      return a.at("notifyTime").to_number<int64_t>() < b.at("notifyTime").to_number<int64_t>();
    });
    std::vector<std::string> out;
    for (const auto& b : found) out.emplace_back(b.at("orderStatus").as_string());
    return out;
  }

  int request_seq_ = 0;
};

}  // namespace mvno_after_sales
