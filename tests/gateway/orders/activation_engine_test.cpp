// The activation engine (orders/activation_engine.hpp) against the real
// mobile simulator and plugin, in process: it submits a new order and
// follows it to `activated` by polling, resumes open orders at start,
// resolves a submit interrupted by a crash by query before submitting
// again, and fails an order the carrier refuses, queueing its lock for
// release.
#include "orders/activation_engine.hpp"
#include "carrier_in_process.hpp"
#include "core/activation_status.hpp"
#include "core/reservation_status.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>

using namespace cgw::gw;
namespace json = boost::json;

namespace {

class ActivationEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name =
        std::string("engine_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(in.start(name, "mobile"), "");
    engine = std::make_unique<ActivationEngine>(*in.svc, in.tasks);
  }

  // A number of the carrier's pool, reserved at the carrier and held in the
  // store, and a passed verification: what POST /v1/activations needs.
  // Returns the new activation's id (pending, not yet driven).
  std::string new_activation(const std::string& plan, const std::string& key) {
    Services& svc = *in.svc;
    const int64_t now = svc.now();
    std::string msisdn;
    {
      cgw::InventorySyncInput page{"", 50, ""};
      auto listed =
          in.run(in.carrier->run(cgw::op::kInventorySync, json::serialize(json::value_from(page))));
      EXPECT_TRUE(listed) << listed.error().code << " " << listed.error().message;
      if (listed)
        for (const auto& n : json::value_to<cgw::InventorySyncOutput>(listed.value()).items)
          if (n.status == cgw::NumberState::available && !used_.count(n.msisdn)) {
            msisdn = n.msisdn;
            break;
          }
    }
    EXPECT_FALSE(msisdn.empty()) << "no available number left in the simulator's first page";
    used_.insert(msisdn);
    auto begun = begin_reservation(svc.store, "t1", "mobile", msisdn, now);
    EXPECT_TRUE(begun);
    if (!begun) return {};
    cgw::ReserveInput ri{msisdn, begun->id, 600};
    auto locked =
        in.run(in.carrier->run(cgw::op::kNumberReserve, json::serialize(json::value_from(ri))));
    EXPECT_TRUE(locked) << locked.error().code << " " << locked.error().message;
    if (!locked) return {};
    const auto lock = json::value_to<cgw::ReserveOutput>(locked.value());
    hold_reservation(svc.store, begun->id, lock.carrier_reservation_id, now + 600'000, now);
    auto v = svc.store.verifications->save("t1", "mobile", {"张三", "11010519491231002X", {}},
                                           {cgw::KycResult::passed, {}, "V-" + key}, now);
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = key;
    a.request_hash = "h-" + key;
    a.reservation_id = begun->id;
    a.verification_id = v.id;
    a.plan_id = plan;
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    auto created = create_activation(
        svc.store, a,
        [](const Error& e) {
          return IdempotentReplay{422, e.code};
        },
        [](const Activation&) {
          return IdempotentReplay{202, "{}"};
        },
        now);
    EXPECT_TRUE(created) << (created ? "" : created.error().message);
    if (!created) return {};
    return std::get<Activation>(created.value()).id;
  }

  Activation activation(const std::string& id) {
    return in.svc->store.activations->by_id(id, true).value_or(Activation{});
  }
  // Polls the store (the engine writes there) until the activation is final.
  std::string wait_final(const std::string& id) {
    std::string status;
    cgw::test::wait_until(
        [&] {
          status = activation(id).status;
          // Activated or final: where the engine stops driving the order.
          return is_settled_status(status);
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50));
    return status;
  }
  std::vector<std::string> history_statuses(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& h : activation(id).history) out.push_back(h.status);
    return out;
  }

  // Declared first so that it is destroyed last: the engine's tasks are
  // cancelled and drained by in.stop() before it goes.
  std::unique_ptr<ActivationEngine> engine;
  in_process::CarrierInProcess in;
  std::set<std::string> used_;
};

TEST_F(ActivationEngineTest, SubmitsAndFollowsTheOrderToActivatedByPolling) {
  const auto id = new_activation("MB-DGDD-19", "a1");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(activation(id).status, activation::kPending);
  boost::asio::post(in.ioc, [&] { engine->kick(id); });
  EXPECT_EQ(wait_final(id), activation::kActivated);
  const auto a = activation(id);
  EXPECT_FALSE(a.carrier_order_id.empty());
  EXPECT_EQ(a.submit_attempts, 1);
  EXPECT_EQ(history_statuses(id),
            (std::vector<std::string>{activation::kPending, activation::kSubmitted,
                                      activation::kActivated}));
}

TEST_F(ActivationEngineTest, StartResumesEveryOpenActivationFromTheStore) {
  const auto a1 = new_activation("MB-DGDD-19", "r1");
  const auto a2 = new_activation("MB-5G-ZX-59", "r2");
  ASSERT_FALSE(a1.empty());
  ASSERT_FALSE(a2.empty());
  boost::asio::post(in.ioc, [&] { engine->start(); });
  EXPECT_EQ(wait_final(a1), activation::kActivated);
  EXPECT_EQ(wait_final(a2), activation::kActivated);
}

TEST_F(ActivationEngineTest, ASubmitInterruptedByACrashIsQueriedBeforeItIsSentAgain) {
  const auto id = new_activation("MB-DGDD-19", "c1");
  ASSERT_FALSE(id.empty());
  // What a process that died inside the carrier call leaves: the attempt
  // counted, the order still pending, the carrier never reached.
  in.svc->store.activations->note_submit_attempt(id);
  boost::asio::post(in.ioc, [&] { engine->start(); });
  EXPECT_EQ(wait_final(id), activation::kActivated);
  const auto statuses = history_statuses(id);
  // unknown first (queried: the carrier has no such order), then submitted
  // once more under the same order id.
  ASSERT_GE(statuses.size(), 4u);
  EXPECT_EQ(statuses[1], activation::kUnknown);
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), activation::kSubmitted), statuses.end());
  EXPECT_EQ(statuses.back(), activation::kActivated);
  EXPECT_EQ(activation(id).submit_attempts, 2);
}

TEST_F(ActivationEngineTest, AnOrderTheCarrierRefusesFailsAndItsLockIsQueuedForRelease) {
  const auto id = new_activation("SIM-REJECT", "f1");
  ASSERT_FALSE(id.empty());
  boost::asio::post(in.ioc, [&] { engine->kick(id); });
  EXPECT_EQ(wait_final(id), activation::kFailed);
  const auto a = activation(id);
  EXPECT_FALSE(a.failure_code.empty());
  auto r = in.svc->store.reservations->get("t1", a.reservation_id, in.svc->now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, reservation::kReleasing);
}

}  // namespace
