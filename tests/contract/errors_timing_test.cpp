// The documented errors that depend on time, through Prism's strict proxy
// (contract_env.hpp): 409 IDEMPOTENCY_KEY_IN_USE while the first request
// with a key is still at the carrier (held there by a simulator latency
// fault), and 422 RESERVATION_EXPIRED on the short-hold gateway, whose
// holds last kShortHoldS seconds.
#include "contract_env.hpp"

#include <chrono>
#include <functional>
#include <future>
#include <thread>

using namespace cgw::contract;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Polls `check` every 20 ms for up to `limit`.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return check();
}

std::string reserve_body(const std::string& msisdn) {
  return json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}});
}

// A number of mobile's that is offered now, `rank` places from the
// cheapest (the other cases take the dearest).
std::string cheap_number(uint16_t rank, bool short_hold = false) {
  const std::string target =
      "/v1/numbers?carrier=mobile&sort=price&limit=" + std::to_string(rank + 1);
  auto r = short_hold ? call_short_hold("GET", target) : call("GET", target);
  if (r.status != 200) return {};
  const auto body = r.json();
  const auto& list = body.at("numbers").as_array();
  return list.size() <= rank ? std::string() : std::string(list[rank].at("msisdn").as_string());
}

// How often the simulator's fault rule `id` on mobile has fired.
int64_t fired(const std::string& id) {
  auto r = sim_admin("mobile", "GET", "/admin/faults");
  if (r.status != 200) return -1;
  const auto body = r.json();
  for (const auto& f : body.at("faults").as_array())
    if (f.at("id").as_string() == id) return f.at("fired").to_number<int64_t>();
  return -1;
}

}  // namespace

// The gateway answers 409 IDEMPOTENCY_KEY_IN_USE to the same key with the
// same body while the first request runs (the key with another body is
// 422 IDEMPOTENCY_KEY_REUSED, running or not); once the first is answered,
// the key replays its answer.
TEST(ContractErrorsInTime, TheSameKeyWhileTheFirstRequestRunsIsInUse) {
  const std::string msisdn = cheap_number(0), other = cheap_number(1);
  ASSERT_FALSE(msisdn.empty());
  ASSERT_FALSE(other.empty());
  // The carrier's lock answer comes 1.5 s late (the gateway waits 2 s).
  auto added = sim_admin("mobile", "POST", "/admin/faults",
                         R"({"operation":"/open/v1/numbers/lock","kind":"latency",)"
                         R"("latency_ms":1500,"first":1})");
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string rule(added.json().at("added").at(0).as_string());
  const Headers key = {{"Idempotency-Key", "contract-in-use-1"}};
  auto first = std::async(std::launch::async, [&] {
    return call("POST", "/v1/reservations", reserve_body(msisdn), key);
  });
  // The first request is at the carrier once the latency rule has fired.
  EXPECT_TRUE(eventually([&] { return fired(rule) == 1; }, 10s));
  auto in_use = call("POST", "/v1/reservations", reserve_body(msisdn), key);
  expect_error(in_use, 409, "IDEMPOTENCY_KEY_IN_USE");
  EXPECT_TRUE(in_use.json().at("error").at("retryable").as_bool()) << in_use.body;
  expect_error(call("POST", "/v1/reservations", reserve_body(other), key), 422,
               "IDEMPOTENCY_KEY_REUSED");

  auto made = first.get();
  sim_admin("mobile", "DELETE", "/admin/faults");
  ASSERT_EQ(made.status, 201) << made.body;
  auto replay = call("POST", "/v1/reservations", reserve_body(msisdn), key);
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.body, made.body);
  const std::string id(made.json().at("reservation_id").as_string());
  EXPECT_EQ(call("DELETE", "/v1/reservations/" + id).status, 200);
}

// A hold past its expiry is refused up front, before any carrier call.
TEST(ContractErrorsInTime, AnActivationOnAnExpiredHoldIsReservationExpired) {
  const std::string msisdn = cheap_number(0, true);
  ASSERT_FALSE(msisdn.empty());
  auto held = call_short_hold("POST", "/v1/reservations", reserve_body(msisdn),
                              {{"Idempotency-Key", "contract-expired-1"}});
  ASSERT_EQ(held.status, 201) << held.body;
  const std::string id(held.json().at("reservation_id").as_string());
  auto kyc =
      call_short_hold("POST", "/v1/kyc/verifications",
                      R"({"carrier":"mobile","name":"张三","id_number":"11010119900101901X"})");
  ASSERT_EQ(kyc.status, 200) << kyc.body;
  const std::string verification(kyc.json().at("verification_id").as_string());
  // Shown expired once its kShortHoldS seconds are over.
  EXPECT_TRUE(eventually(
      [&] {
        auto r = call_short_hold("GET", "/v1/reservations/" + id);
        return r.status == 200 && r.json().at("status").as_string() == "expired";
      },
      std::chrono::seconds(kShortHoldS + 10)));
  const std::string order = json::serialize(json::object{
      {"reservation_id", id},
      {"plan_id", "MB-DGDD-19"},
      {"verification_id", verification},
      {"delivery",
       json::object{
           {"name", "张三"}, {"phone", "13900000000"}, {"address", "北京市东城区示例路1号"}}}});
  auto refused = call_short_hold("POST", "/v1/activations", order,
                                 {{"Idempotency-Key", "contract-expired-order-1"}});
  expect_error(refused, 422, "RESERVATION_EXPIRED");
  EXPECT_FALSE(refused.json().at("error").at("retryable").as_bool()) << refused.body;
}
