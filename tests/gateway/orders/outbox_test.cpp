// The activation state machine's transitions, the webhook outbox, restart
// recovery and the webhook delivery policy.
#include "cgw/common/crypto.hpp"
#include "core/config.hpp"
#include "orders/webhooks.hpp"
#include "store/store_harness.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <filesystem>

using namespace cgw::gw;
namespace json = boost::json;

namespace {
class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgw_outbox_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::make_unique<StoreHarness>(dir_ / "cgw.db", PiiCipher(std::string(32, 'k')));
    ASSERT_EQ(store_->open(), "");
    store_->set_webhook_tenants({"t1"});
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A new pending activation of `tenant` for `msisdn`.
  std::string new_activation(const std::string& msisdn, const std::string& tenant = "t1") {
    auto r = store_->begin_reservation(tenant, "mobile", msisdn, 1000);
    EXPECT_TRUE(r);
    store_->hold_reservation(r->id, "L-" + msisdn, 1'000'000, 1000);
    auto v =
        store_->save_verification(tenant, "mobile", {"张三", "11010519491231002X", {}},
                                  cgw::KycVerifyOutput{cgw::KycResult::passed, {}, "V1"}, 1000);
    NewActivation a;
    a.tenant = tenant;
    a.idempotency_key = "key-" + msisdn;
    a.request_hash = "h";
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    auto created = store_->create_activation(a, 2000);
    EXPECT_TRUE(created);
    return std::get<Activation>(created.value()).id;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StoreHarness> store_;
};

const char* const kStatuses[] = {"pending", "unknown", "submitted", "activated", "failed"};
int rank_of(const std::string& s) {
  if (s == "pending") return 0;
  if (s == "unknown") return 1;
  if (s == "submitted") return 2;
  return 3;
}
}  // namespace

// Every (from, to) pair: a status moves only forward, a final status never
// changes, and each accepted move is one history entry and one event.
TEST_F(OutboxTest, EveryTransition) {
  int n = 0;
  for (const std::string from : kStatuses) {
    for (const std::string to : kStatuses) {
      const std::string msisdn = "138000" + std::to_string(10000 + n++);
      auto id = new_activation(msisdn);
      if (from != "pending") {
        ASSERT_TRUE(store_->advance_activation(id, from, "setup", 3000));
      }
      const auto before = store_->activation_by_id(id)->history.size();
      const bool moved = store_->advance_activation(id, to, "test", 4000);
      const bool expected = rank_of(to) > rank_of(from);
      EXPECT_EQ(moved, expected) << from << " -> " << to;
      auto a = store_->activation_by_id(id);
      EXPECT_EQ(a->status, expected ? to : from) << from << " -> " << to;
      EXPECT_EQ(a->history.size(), before + (expected ? 1 : 0));
      EXPECT_EQ(store_->webhook_events(id).size(), a->history.size()) << from << " -> " << to;
    }
  }
}

TEST_F(OutboxTest, FailedReleasesTheNumberActivatedSellsIt) {
  auto failed = new_activation("13800020001");
  ASSERT_TRUE(
      store_->advance_activation(failed, "failed", "refused", 3000, {}, "CARRIER_REJECTED", "no"));
  auto activated = new_activation("13800020002");
  ASSERT_TRUE(store_->advance_activation(activated, "activated", "callback", 3000));
  auto a = store_->activation_by_id(failed);
  EXPECT_EQ(a->failure_code, "CARRIER_REJECTED");
  // The failed order's carrier lock may still be held: its reservation is
  // `releasing` and the number stays taken until the carrier confirms the
  // release (docs/reliability.md, "Carrier locks").
  auto r = store_->reservation("t1", a->reservation_id, 3000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "releasing");
  EXPECT_EQ(r->release_to, "released");
  EXPECT_FALSE(store_->begin_reservation("t1", "mobile", "13800020001", 4000));
  store_->finish_release(a->reservation_id, 4500);
  EXPECT_EQ(store_->reservation("t1", a->reservation_id, 4600)->status, "released");
  // Released: a new reservation may be made; the sold number stays sold.
  EXPECT_TRUE(store_->begin_reservation("t1", "mobile", "13800020001", 5000));
  EXPECT_FALSE(store_->begin_reservation("t1", "mobile", "13800020002", 5000));
}

TEST_F(OutboxTest, EventsCarryTheChangeAndOnlyForWebhookTenants) {
  auto id = new_activation("13800030001");
  ASSERT_TRUE(store_->advance_activation(id, "submitted", "carrier accepted", 3000, "ORD-1"));
  auto events = store_->webhook_events(id);
  ASSERT_EQ(events.size(), 2u);
  auto first = json::parse(events[0].event.payload).as_object();
  EXPECT_EQ(first.at("type").as_string(), "activation.status_changed");
  EXPECT_EQ(first.at("id").as_string(), events[0].event.id);
  EXPECT_EQ(first.at("data").at("status").as_string(), "pending");
  EXPECT_TRUE(first.at("data").at("previous_status").is_null());
  auto second = json::parse(events[1].event.payload).at("data").as_object();
  EXPECT_EQ(second.at("status").as_string(), "submitted");
  EXPECT_EQ(second.at("previous_status").as_string(), "pending");
  EXPECT_EQ(second.at("carrier_order_id").as_string(), "ORD-1");
  EXPECT_EQ(second.at("sequence").as_int64(), 2);
  EXPECT_EQ(events[1].event.status, "pending");
  // No PII in the payload.
  EXPECT_EQ(events[1].event.payload.find("11010519491231002X"), std::string::npos);
  EXPECT_EQ(events[1].event.payload.find("张三"), std::string::npos);
  // A tenant without a webhook endpoint gets no outbox rows.
  auto other = new_activation("13800030002", "t2");
  ASSERT_TRUE(store_->advance_activation(other, "submitted", "x", 3000));
  EXPECT_TRUE(store_->webhook_events(other).empty());
}

TEST_F(OutboxTest, LeaseRetryDeliverAndGiveUp) {
  auto id = new_activation("13800040001");  // one event, due at 2000
  EXPECT_TRUE(store_->lease_due_webhook_events(1999, 10, 9000).empty());
  auto due = store_->lease_due_webhook_events(2000, 10, 9000);
  ASSERT_EQ(due.size(), 1u);
  // Leased: not handed out again until the lease runs out (a crash).
  EXPECT_TRUE(store_->lease_due_webhook_events(8999, 10, 20000).empty());
  auto again = store_->lease_due_webhook_events(9000, 10, 20000);
  ASSERT_EQ(again.size(), 1u);
  store_->record_webhook_attempt(due[0].id, {9100, 503, "HTTP 503", 7}, false, 15000);
  auto ev = store_->webhook_events(id);
  EXPECT_EQ(ev[0].event.status, "pending");
  EXPECT_EQ(ev[0].event.attempts, 1);
  EXPECT_EQ(ev[0].event.next_attempt_at_ms, 15000);
  ASSERT_EQ(ev[0].attempts.size(), 1u);
  EXPECT_EQ(ev[0].attempts[0].http_status, 503);
  store_->record_webhook_attempt(due[0].id, {15000, 200, "", 3}, true, 0);
  ev = store_->webhook_events(id);
  EXPECT_EQ(ev[0].event.status, "delivered");
  EXPECT_EQ(ev[0].event.delivered_at_ms, 15000);
  EXPECT_EQ(ev[0].attempts.size(), 2u);
  EXPECT_TRUE(store_->lease_due_webhook_events(1'000'000, 10, 2'000'000).empty());
  // Given up: failed, never due again.
  ASSERT_TRUE(store_->advance_activation(id, "submitted", "x", 3000));
  auto next = store_->lease_due_webhook_events(3000, 10, 4000);
  ASSERT_EQ(next.size(), 1u);
  store_->record_webhook_attempt(next[0].id, {3000, 0, "connection refused", 1}, false, 0);
  EXPECT_EQ(store_->webhook_events(id)[1].event.status, "failed");
  EXPECT_TRUE(store_->lease_due_webhook_events(1'000'000, 10, 2'000'000).empty());
}

TEST_F(OutboxTest, RestartRecoveryFreesInterruptedRequests) {
  EXPECT_EQ(store_->claim_idempotency_key("t1", "in-flight", "h", 1000).kind, KeyClaim::kNew);
  EXPECT_EQ(store_->claim_idempotency_key("t1", "done", "h", 1000).kind, KeyClaim::kNew);
  store_->complete_idempotency_key("t1", "done", 201, "{}");
  auto half = store_->begin_reservation("t1", "mobile", "13800050001", 1000);
  ASSERT_TRUE(half);
  auto r = store_->recover_interrupted_requests(2000);
  EXPECT_EQ(r.keys, 1);
  EXPECT_EQ(r.reservations, 1);
  // The interrupted key may be used again; the finished one still replays.
  EXPECT_EQ(store_->claim_idempotency_key("t1", "in-flight", "h", 3000).kind, KeyClaim::kNew);
  EXPECT_EQ(store_->claim_idempotency_key("t1", "done", "h", 3000).kind, KeyClaim::kReplay);
  // The half-made reservation may hold a carrier lock: kept until its
  // recovery (reservation_release_test.cpp), not failed blindly.
  EXPECT_EQ(store_->reservation("t1", half->id, 3000)->status, "pending");
  EXPECT_FALSE(store_->begin_reservation("t1", "mobile", "13800050001", 3000));
}

TEST_F(OutboxTest, SubmitAttemptsAreCounted) {
  auto id = new_activation("13800060001");
  EXPECT_EQ(store_->activation_by_id(id)->submit_attempts, 0);
  store_->note_submit_attempt(id);
  store_->note_submit_attempt(id);
  EXPECT_EQ(store_->activation_by_id(id)->submit_attempts, 2);
}

// The example of the Standard Webhooks specification.
TEST(WebhookSignature, MatchesTheStandardWebhooksExample) {
  auto secret = cgw::crypto::base64_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(secret);
  EXPECT_EQ(WebhookDispatcher::signature(*secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                         R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookBackoff, GrowsWithJitterAndRetriesForAtLeastTheWindow) {
  WebhookPolicy p;
  p.initial_backoff = std::chrono::milliseconds(1000);
  p.max_backoff = std::chrono::milliseconds(60'000);
  p.give_up_after = std::chrono::hours(24);
  // Attempt k waits between half and all of min(initial * 2^(k-1), max).
  EXPECT_EQ(WebhookDispatcher::next_attempt_at(p, 0, 1, 100, 0.0), 100 + 500);
  EXPECT_EQ(WebhookDispatcher::next_attempt_at(p, 0, 1, 100, 0.999), 100 + 500 + 499);
  EXPECT_EQ(WebhookDispatcher::next_attempt_at(p, 0, 3, 100, 0.0), 100 + 2000);
  EXPECT_EQ(WebhookDispatcher::next_attempt_at(p, 0, 40, 100, 0.0), 100 + 30'000);
  EXPECT_LE(WebhookDispatcher::next_attempt_at(p, 0, 40, 100, 0.999), 100 + 60'000);
  // Following the schedule, the last attempt is made 24 h or more after
  // the event, and then it stops.
  const int64_t day = 24LL * 3600 * 1000;
  int64_t t = 0, attempts = 0, last = 0;
  for (int64_t next = 0; attempts < 100'000; ++attempts) {
    next = WebhookDispatcher::next_attempt_at(p, 0, attempts + 1, t, 0.5);
    if (next == 0) break;
    last = t;
    t = next;
  }
  EXPECT_GE(t, day);
  EXPECT_GT(last, day - 60'000);
  EXPECT_LT(attempts, 100'000);
}

TEST(WebhookConfig, EndpointAndPolicy) {
  setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1);
  auto cfg = [](const std::string& webhook, const std::string& policy = "") {
    return "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n" + policy +
           "tenants:\n  - id: t1\n    api_keys:\n      - sha256: " + std::string(64, 'b') + "\n" +
           webhook +
           "carriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
           "http://127.0.0.1:1\n";
  };
  const std::string ok =
      "    webhook: {url: 'https://platform.example/hooks', secret: "
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n";
  auto r = parse_config(cfg(ok), "/etc/cgw/gateway.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->tenants[0].webhook);
  EXPECT_EQ(r->tenants[0].webhook->secret.size(), 24u);
  EXPECT_EQ(r->webhooks.give_up_after, std::chrono::hours(72));

  auto bad_url = parse_config(
      cfg("    webhook: {url: 'ftp://x', secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n"),
      "g.yaml");
  EXPECT_NE(bad_url.error().message.find("webhook.url must be an absolute http(s) URL"),
            std::string::npos)
      << bad_url.error().message;
  auto bad_secret =
      parse_config(cfg("    webhook: {url: 'http://x/h', secret: hunter2}\n"), "g.yaml");
  EXPECT_NE(bad_secret.error().message.find("webhook.secret must be whsec_"), std::string::npos)
      << bad_secret.error().message;
  auto short_window = parse_config(cfg(ok, "webhooks: {give_up_after_h: 2}\n"), "g.yaml");
  EXPECT_NE(short_window.error().message.find("give_up_after_h must be at least 24"),
            std::string::npos)
      << short_window.error().message;
  auto typo = parse_config(cfg(ok, "webhooks: {initial_backof_ms: 2}\n"), "g.yaml");
  EXPECT_NE(typo.error().message.find("g.yaml:"), std::string::npos);
  EXPECT_NE(typo.error().message.find("unknown key 'initial_backof_ms' in webhooks"),
            std::string::npos)
      << typo.error().message;
}
