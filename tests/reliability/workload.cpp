#include "workload.hpp"

#include "http.hpp"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

namespace cgw::reliability {

namespace json = boost::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {
const Headers kAuth = {{"Authorization", "Bearer cgw-demo-key"}};

Headers with_key(const std::string& key) {
  Headers h = kAuth;
  h.emplace_back("Idempotency-Key", key);
  return h;
}

// Worth asking again: no answer (the gateway died), a retryable error, or
// the same key still in flight in a process that is gone.
bool retry_later(const test::HttpResult& r) {
  if (r.status == 0 || r.status >= 500 || r.status == 429) return true;
  return r.status == 409 && r.error_code() == "IDEMPOTENCY_KEY_IN_USE";
}

// One request, retried until it is answered with something final.
test::HttpResult until_answered(Cluster& c, const std::string& method, const std::string& target,
                                const std::string& body, const Headers& headers,
                                std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto r = test::http(method, c.gateway_port(), target, body, headers);
    if (!retry_later(r) || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(50ms);
  }
}
}  // namespace

std::string synthetic_id(int i) {
  // Birth dates from 1970-01-01 on (day index), sequence 000-899 (9xx are
  // the simulator's magic identities).
  int day = i / 900, seq = i % 900;
  int year = 1970 + day / 336, month = 1 + (day / 28) % 12, dom = 1 + day % 28;
  char body[32];
  std::snprintf(body, sizeof body, "110101%04d%02d%02d%03d", year % 10000, month, dom, seq);
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int k = 0; k < 17; ++k) sum += (body[k] - '0') * kW[k];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

std::vector<std::string> available_numbers(uint16_t port, size_t count) {
  std::vector<std::string> out;
  std::string cursor;
  while (out.size() < count) {
    auto r = test::http("GET", port,
                        "/v1/numbers?carrier=mobile&limit=100" +
                            (cursor.empty() ? std::string() : "&cursor=" + cursor),
                        {}, kAuth);
    if (r.status != 200) break;
    auto page = r.json();
    for (const auto& n : page.at("numbers").as_array())
      out.emplace_back(n.at("msisdn").as_string());
    const auto& next = page.at("next_cursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  if (out.size() > count) out.resize(count);
  return out;
}

bool run_orders(Cluster& c, std::vector<Order>& orders, const WorkloadOptions& o) {
  const auto deadline = std::chrono::steady_clock::now() + o.deadline;
  std::atomic<size_t> next{0}, done{0};
  auto work = [&] {
    for (size_t i;
         std::chrono::steady_clock::now() < o.stop_starting && (i = next++) < orders.size();) {
      Order& ord = orders[i];
      const std::string n = std::to_string(i);
      auto res = until_answered(
          c, "POST", "/v1/reservations",
          json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", ord.msisdn}}),
          with_key("reserve-" + n), deadline);
      if (res.status != 201) {
        ord.refused = "reserve: " + std::to_string(res.status) + " " + res.error_code();
        ++done;
        continue;
      }
      const std::string reservation(res.json().at("reservation_id").as_string());
      auto kyc = until_answered(
          c, "POST", "/v1/kyc/verifications",
          json::serialize(json::object{
              {"carrier", "mobile"}, {"name", "测试" + n}, {"id_number", ord.id_number}}),
          kAuth, deadline);
      if (kyc.status != 201 && kyc.status != 200) {
        ord.refused = "verify: " + std::to_string(kyc.status) + " " + kyc.error_code();
        ++done;
        continue;
      }
      const std::string verification(kyc.json().at("verification_id").as_string());
      const auto body = json::serialize(json::object{
          {"reservation_id", reservation},
          {"plan_id", ord.plan_id},
          {"verification_id", verification},
          {"delivery",
           json::object{{"name", "测试"}, {"phone", "13900000000"}, {"address", "测试路1号"}}}});
      // Asked twice on purpose: the second answer must replay the first.
      for (int ask = 0; ask < 2; ++ask) {
        auto act =
            until_answered(c, "POST", "/v1/activations", body, with_key("activate-" + n), deadline);
        if (act.status != 202) {
          if (ask == 0)
            ord.refused = "activate: " + std::to_string(act.status) + " " + act.error_code();
          break;
        }
        std::string id(act.json().at("activation_id").as_string());
        if (!ord.activation_id.empty() && ord.activation_id != id) ord.inconsistent_replay = true;
        ord.activation_id = id;
        ++ord.acknowledgements;
      }
      if (size_t d = ++done; d % 100 == 0)
        std::cout << "  orders: " << d << "/" << orders.size() << " (gateway restarts so far "
                  << c.restarts() << ")" << std::endl;
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < o.workers; ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return std::chrono::steady_clock::now() <= deadline;
}

}  // namespace cgw::reliability
