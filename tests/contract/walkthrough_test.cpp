// The README walkthrough for each of the four carriers, every request and
// answer through the strict Prism proxy (contract_env.hpp): search, plans,
// reserve (and its replay), verify, activate, poll until activated, read
// back every object; release; the health, readiness, metrics and carriers
// routes.
#include "contract_env.hpp"

#include <regex>
#include <thread>

using namespace cgw::contract;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string kAdultId =
    "11010119900101901X";  // docs/simulators-reference.md: passes everywhere
const std::string kDelivery =
    R"("delivery":{"name":"张三","phone":"13900000000","address":"北京市东城区示例路1号"})";

std::string str(const json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

class Walkthrough : public ::testing::TestWithParam<std::string> {};

TEST_P(Walkthrough, EveryStepOfTheReadmeMatchesTheDescription) {
  const std::string carrier = GetParam();
  // 1. Search, as the README does, then any number.
  auto vanity = call("GET", "/v1/numbers?carrier=" + carrier + "&suffix=8888&limit=3");
  ASSERT_EQ(vanity.status, 200) << vanity.body;
  const std::string msisdn = free_number(carrier);
  ASSERT_FALSE(msisdn.empty()) << carrier << " offers no number";

  auto plans = call("GET", "/v1/plans?carrier=" + carrier);
  ASSERT_EQ(plans.status, 200) << plans.body;
  const auto plan_list = plans.json().at("plans").as_array();
  ASSERT_FALSE(plan_list.empty()) << plans.body;
  const std::string plan = str(plan_list[0], "plan_id");

  // 2. Reserve; the same key and body again replays the first answer.
  const std::string reserve = R"({"carrier":")" + carrier + R"(","msisdn":")" + msisdn + R"("})";
  const Headers res_key = {{"Idempotency-Key", "contract-res-" + carrier}};
  auto held = call("POST", "/v1/reservations", reserve, res_key);
  ASSERT_EQ(held.status, 201) << held.body;
  const std::string reservation = str(held.json(), "reservation_id");
  EXPECT_EQ(str(held.json(), "status"), "held");
  auto replay = call("POST", "/v1/reservations", reserve, res_key);
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");

  // 3. Verify the applicant at the same carrier.
  auto kyc =
      call("POST", "/v1/kyc/verifications",
           R"({"carrier":")" + carrier + R"(","name":"张三","id_number":")" + kAdultId + R"("})");
  ASSERT_EQ(kyc.status, 200) << kyc.body;
  ASSERT_EQ(str(kyc.json(), "result"), "passed") << kyc.body;
  const std::string verification = str(kyc.json(), "verification_id");

  // 4. Activate.
  auto accepted = call("POST", "/v1/activations",
                       R"({"reservation_id":")" + reservation + R"(","plan_id":")" + plan +
                           R"(","verification_id":")" + verification + R"(",)" + kDelivery + "}",
                       {{"Idempotency-Key", "contract-order-" + carrier}});
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const std::string activation = str(accepted.json(), "activation_id");

  // 5. Poll until the carrier has activated the line (callback or, for
  // unicom, the gateway's status query every second).
  std::string status;
  for (int i = 0; i < 150 && status != "activated" && status != "failed"; ++i) {
    if (i) std::this_thread::sleep_for(100ms);
    auto r = call("GET", "/v1/activations/" + activation);
    ASSERT_EQ(r.status, 200) << r.body;
    status = str(r.json(), "status");
  }
  EXPECT_EQ(status, "activated") << carrier;

  // Every object reads back as described.
  auto r = call("GET", "/v1/reservations/" + reservation);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call("GET", "/v1/kyc/verifications/" + verification).status, 200);
  EXPECT_EQ(call("GET", "/v1/activations/" + activation + "/webhooks").status, 200);

  // A second number, reserved and released.
  const std::string other = free_number(carrier);
  ASSERT_FALSE(other.empty());
  auto second = call("POST", "/v1/reservations",
                     R"({"carrier":")" + carrier + R"(","msisdn":")" + other + R"("})",
                     {{"Idempotency-Key", "contract-res2-" + carrier}});
  ASSERT_EQ(second.status, 201) << second.body;
  auto released = call("DELETE", "/v1/reservations/" + str(second.json(), "reservation_id"));
  EXPECT_EQ(released.status, 200) << released.body;
}

INSTANTIATE_TEST_SUITE_P(AllCarriers, Walkthrough, ::testing::ValuesIn(kCarriers),
                         [](const auto& info) { return info.param; });

TEST(Operations, HealthReadinessMetricsAndCarriers) {
  EXPECT_EQ(call("GET", "/healthz", {}, {}, "").status, 200);
  EXPECT_EQ(call("GET", "/readyz", {}, {}, "").status, 200);
  auto m = call("GET", "/metrics", {}, {}, kMetricsKey);
  EXPECT_EQ(m.status, 200) << m.body;
  auto c = call("GET", "/v1/carriers");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json().at("carriers").as_array().size(), kCarriers.size());
  auto p = call("GET", "/v1/plans");
  EXPECT_EQ(p.status, 200) << p.body;
}

// GET /v1/carriers writes numbers as plain JSON numbers: a failure ratio of
// a quarter is 0.25, not 2.5E-1 (nor 0 as 0E0). Faults make the mobile
// ratio a fraction first (one failed plans call among a few good ones).
// Read from the gateway itself, since Prism re-serializes the JSON it forwards.
TEST(Operations, CarrierFailureRatioIsAPlainNumber) {
  ASSERT_EQ(
      sim_admin("mobile", "POST", "/admin/faults",
                R"({"operation":"/open/v1/plans","kind":"http_status","status":500,"first":1})")
          .status,
      201);
  EXPECT_GE(call("GET", "/v1/plans?carrier=mobile").status, 500);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/v1/plans?carrier=mobile").status, 200);
  EXPECT_EQ(call("GET", "/v1/carriers").status, 200);
  // The text as the gateway writes it: Prism re-serializes what it forwards.
  auto r = cgw::test::http("GET", env().gw_port, "/v1/carriers", {},
                           {{"Authorization", "Bearer " + kKey}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::regex ratio(R"re("failure_ratio":([^,}]*))re");
  int seen = 0, fractions = 0;
  for (std::sregex_iterator it(r.body.begin(), r.body.end(), ratio), end; it != end; ++it) {
    const std::string text = (*it)[1];
    ++seen;
    EXPECT_TRUE(std::regex_match(text, std::regex(R"(0|1|0\.[0-9]+)"))) << text << "\n" << r.body;
    if (text.starts_with("0.")) ++fractions;
  }
  EXPECT_EQ(seen, static_cast<int>(kCarriers.size())) << r.body;
  EXPECT_GE(fractions, 1) << "no carrier with failures: " << r.body;
}

}  // namespace
