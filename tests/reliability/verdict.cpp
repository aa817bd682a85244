#include "verdict.hpp"

#include "http.hpp"

#include <iostream>
#include <map>
#include <set>
#include <thread>

namespace cgw::reliability {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const std::vector<std::pair<std::string, std::string>> kAuth = {
    {"Authorization", "Bearer cgw-demo-key"}};

struct SimOrder {
  std::string partner_order_id, number, state;
  int64_t submit_count = 0;
};

class Check {
 public:
  Check(Verdict& v, const char* name) : v(v), name(name) {}
  Check(const Check&) = delete;
  Check& operator=(const Check&) = delete;
  void fail(const std::string& what) {
    if (++failures <= 5) examples.push_back(what);
  }
  ~Check() {
    ++v.checks;
    if (failures) {
      ++v.violations;
      v.failed.emplace_back(name);
    }
    std::cout << (failures ? "FAIL " : "ok   ") << name;
    if (failures) std::cout << " (" << failures << ")";
    std::cout << "\n";
    for (const auto& e : examples) std::cout << "       " << e << "\n";
  }

 private:
  Verdict& v;
  const char* name;
  int failures = 0;
  std::vector<std::string> examples;
};

std::string gateway_status(Cluster& c, const std::string& id, int* http_status = nullptr) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto r = test::http("GET", c.gateway_port(), "/v1/activations/" + id, {}, kAuth);
    if (http_status) *http_status = r.status;
    if (r.status == 200) return std::string(r.json().at("status").as_string());
    if (r.status == 404) return {};
    std::this_thread::sleep_for(100ms);
  }
  return {};
}
}  // namespace

size_t wait_for_final(Cluster& c, const std::vector<Order>& orders, std::chrono::seconds window) {
  const auto deadline = std::chrono::steady_clock::now() + window;
  std::set<std::string> open;
  for (const auto& o : orders)
    if (!o.activation_id.empty()) open.insert(o.activation_id);
  while (!open.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto it = open.begin(); it != open.end();) {
      // Missing (404) cannot become final: the checks report it.
      int http_status = 0;
      auto s = gateway_status(c, *it, &http_status);
      const bool settled = s == "activated" || s == "failed" || http_status == 404;
      it = settled ? open.erase(it) : std::next(it);
    }
    if (!open.empty()) std::this_thread::sleep_for(500ms);
  }
  return open.size();
}

Verdict check_run(Cluster& c, const std::vector<Order>& orders, WebhookReceiver* receiver,
                  std::chrono::seconds webhook_window) {
  Verdict v;
  std::map<std::string, SimOrder> sim_by_partner_id;
  std::vector<SimOrder> sim_orders;
  {
    auto r = test::http("GET", c.sim_port(), "/admin/state");
    if (r.status != 200) {
      std::cout << "FAIL the simulator's ledger cannot be read (HTTP " << r.status << ")\n";
      return {1, 1, {"the simulator's ledger"}};
    }
    const auto state = r.json();  // alive while its orders are read
    if (!state.is_object()) {
      std::cout << "FAIL the simulator's ledger is not JSON\n";
      return {1, 1, {"the simulator's ledger"}};
    }
    for (const auto& o : state.at("orders").as_array()) {
      SimOrder s{std::string(o.at("partnerOrderId").as_string()),
                 std::string(o.at("number").as_string()), std::string(o.at("state").as_string()),
                 o.at("submitCount").to_number<int64_t>()};
      sim_orders.push_back(s);
      sim_by_partner_id[s.partner_order_id] = s;
    }
  }
  std::map<std::string, std::string> final_status;  // activation id -> gateway status
  {
    Check k{v, kLostCheck};
    for (const auto& o : orders) {
      if (o.activation_id.empty()) continue;
      int http_status = 0;
      auto s = gateway_status(c, o.activation_id, &http_status);
      if (s.empty())
        k.fail(o.activation_id + ": HTTP " + std::to_string(http_status));
      else
        final_status[o.activation_id] = s;
    }
  }
  {
    Check k{v, "every retry of an acknowledged activation replayed the same order"};
    for (const auto& o : orders)
      if (o.inconsistent_replay) k.fail("order for " + o.msisdn.substr(0, 3) + "****");
  }
  {
    Check k{v, "every acknowledged activation is final after the recovery window"};
    for (const auto& [id, s] : final_status)
      if (s != "activated" && s != "failed") k.fail(id + " is " + s);
  }
  {
    Check k{v, "no order reached the carrier twice"};
    for (const auto& s : sim_orders)
      if (s.submit_count != 1)
        k.fail(s.partner_order_id + " submitted " + std::to_string(s.submit_count) + " times");
  }
  {
    Check k{v, "the carrier has no order the gateway does not know"};
    std::set<std::string> acknowledged;
    for (const auto& o : orders)
      if (!o.activation_id.empty()) acknowledged.insert(o.activation_id);
    for (const auto& s : sim_orders)
      if (!acknowledged.count(s.partner_order_id))
        k.fail("carrier order for " + s.partner_order_id + " was never acknowledged");
  }
  {
    Check k{v, "no number was activated twice"};
    std::map<std::string, int> per_number;
    for (const auto& s : sim_orders)
      if (s.state == "SUCCESS" && ++per_number[s.number] == 2)
        k.fail(s.number.substr(0, 3) + "**** has two lines");
  }
  {
    Check k{v, "every final status matches the carrier's ledger"};
    for (const auto& [id, s] : final_status) {
      auto it = sim_by_partner_id.find(id);
      const std::string carrier = it == sim_by_partner_id.end() ? "none" : it->second.state;
      const bool agree = (s == "activated" && carrier == "SUCCESS") ||
                         (s == "failed" && (carrier == "FAILED" || carrier == "none"));
      if (!agree && (s == "activated" || s == "failed"))
        k.fail(id + ": gateway " + s + ", carrier " + carrier);
    }
  }
  if (receiver) {
    Check k{v, "every final status reached the platform's webhook"};
    // Deliveries and their retries may still be on their way.
    const auto deadline = std::chrono::steady_clock::now() + webhook_window;
    for (size_t missing = 1; missing > 0 && std::chrono::steady_clock::now() < deadline;) {
      missing = 0;
      for (const auto& [id, s] : final_status)
        if (!receiver->statuses(id).count(s)) ++missing;
      if (missing > 0) std::this_thread::sleep_for(500ms);
    }
    for (const auto& [id, s] : final_status)
      if (!receiver->statuses(id).count(s)) k.fail(id + " " + s + " never delivered");
    if (receiver->bad_signatures() > 0)
      k.fail(std::to_string(receiver->bad_signatures()) + " deliveries had a bad signature");
  }
  if (receiver) {
    // What the receiver saw is what the API reports, refusals included.
    Check k{v, "webhook delivery attempts are visible through the API"};
    int looked = 0, refused_seen = 0;
    for (const auto& [id, s] : final_status) {
      if (++looked > 40) break;
      auto r =
          test::http("GET", c.gateway_port(), "/v1/activations/" + id + "/webhooks", {}, kAuth);
      const auto body = r.json();
      if (r.status != 200 || !body.is_object()) {
        k.fail(id + ": HTTP " + std::to_string(r.status));
        continue;
      }
      const auto& events = body.at("events").as_array();
      bool final_delivered = false;
      for (const auto& e : events) {
        const auto& attempts = e.at("attempts").as_array();
        for (const auto& a : attempts)
          if (a.at("http_status") == 500) ++refused_seen;
        if (e.at("status") == "delivered" &&
            e.at("payload").at("data").at("status") == json::string_view(s)) {
          final_delivered = !attempts.empty() && attempts.back().at("http_status") == 204;
        }
      }
      if (!final_delivered) k.fail(id + ": no delivered event for " + s);
    }
    if (receiver->refused() > 0 && refused_seen == 0)
      k.fail("no refused attempt shows in the API though the receiver refused some");
  }
  return v;
}

}  // namespace cgw::reliability
