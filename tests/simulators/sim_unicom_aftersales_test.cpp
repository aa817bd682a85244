// The unicom simulator's after-sales methods (docs/carriers/unicom.md,
// "After-sales") over real HTTP with independently computed signs: the
// lifecycle found by polling order.query, order.cancel, user.query,
// recharge.create / recharge.query (exactly once, the magic amount, a lost
// answer through the fault injector), user.stop / user.restart against a
// carrier's own stop. The simulator runs behind the kit's NamespaceRouter,
// as in cgw-sim, so faults apply.
#include "sim_unicom_http_fixture.hpp"

#include "cgw/sim/namespace_router.hpp"

using namespace unicom_http;
namespace sim = cgw::sim;

namespace {

class UnicomAfterSales : public UnicomHttp {
 protected:
  void SetUp() override {
    sim::SimulatorConfig c;
    c.carrier = "unicom";
    c.app_id = kAppKey;
    c.secret = kSecret;
    c.seed = 7;
    c.pool_size = 2000;
    c.activation_delay_ms = 60'000;  // stages move only when the test advances the clock
    sim::SimulatorFactory factory = [](asio::any_io_executor ex, const sim::SimulatorConfig& cfg) {
      auto s = cgw::sim::unicom::settings_from(cfg);
      s.tick_period = 20ms;
      return std::make_unique<cgw::sim::unicom::UnicomSimulator>(ex, s);
    };
    router_ = std::make_unique<sim::NamespaceRouter>(factory, ioc_.get_executor(), c,
                                                     sim::RouterOptions{4});
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, router_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    router_->start();
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  void TearDown() override {
    router_->stop();
    server_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    server_.reset();
    router_.reset();
  }

  // Places an order for a free number; returns the number.
  std::string place(const std::string& out_id, const std::string& seq) {
    const std::string number = free_numbers(1).at(0);
    auto r = order(out_id, number, lock(number), make_id("19900101", seq));
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return number;
  }
  // An activated line, past its first top-up.
  std::string line(const std::string& out_id, const std::string& seq) {
    const std::string number = place(out_id, seq);
    advance(120'001);  // activated at 60 s, the first top-up 60 s later
    EXPECT_EQ(state(out_id), "FIRST_RECHARGED");
    return number;
  }
  std::string state(const std::string& out_id) {
    auto q = call("order.query", {{"out_order_id", out_id}});
    return q.contains("data") ? str(q, "order_state") : code(q);
  }
  int64_t balance(const std::string& number) {
    auto q = call("user.query", {{"number", number}});
    EXPECT_EQ(code(q), "0000") << json::serialize(q);
    return q.at("data").at("balance").to_number<int64_t>();
  }
  json::object recharge(const std::string& id, const std::string& number,
                        const std::string& amount) {
    return call("recharge.create",
                {{"out_recharge_id", id}, {"number", number}, {"amount", amount}});
  }
  // The signed form of a call, for a request whose answer is expected lost.
  std::string signed_form(const std::string& method, Params business) {
    Params p = {{"app_key", kAppKey},
                {"method", method},
                {"timestamp", beijing(cgw::system_now_ms() / 1000)},
                {"v", "1.0"}};
    p.insert(p.end(), business.begin(), business.end());
    p.emplace_back("sign", sign(kSecret, p));
    return form(p);
  }

  std::unique_ptr<sim::NamespaceRouter> router_;
};

TEST_F(UnicomAfterSales, LifecycleIsPolledStageByStage) {
  const std::string number = place("L-1", "003");
  EXPECT_EQ(state("L-1"), "IN_PROCESS");
  advance(20'001);
  auto shipped = call("order.query", {{"out_order_id", "L-1"}});
  EXPECT_EQ(str(shipped, "order_state"), "SHIPPED");
  EXPECT_FALSE(str(shipped, "express_company").empty());
  EXPECT_FALSE(str(shipped, "express_no").empty());
  EXPECT_EQ(code(call("user.query", {{"number", number}})), "6001");  // no line before activation
  advance(20'000);
  EXPECT_EQ(state("L-1"), "DELIVERED");
  advance(20'000);
  EXPECT_EQ(state("L-1"), "ACTIVATED");
  auto user = call("user.query", {{"number", number}});
  ASSERT_EQ(code(user), "0000") << json::serialize(user);
  EXPECT_EQ(str(user, "user_state"), "NORMAL");
  EXPECT_EQ(str(user, "product_code"), "UC-5G-BJL-39");
  advance(60'000);  // the core's first_topup_delay_ms
  auto topped = call("order.query", {{"out_order_id", "L-1"}});
  EXPECT_EQ(str(topped, "order_state"), "FIRST_RECHARGED");
  EXPECT_EQ(topped.at("data").at("first_recharge_amount").to_number<int64_t>(), 5000);
  EXPECT_EQ(str(topped, "express_no"), str(shipped, "express_no"));
  EXPECT_EQ(balance(number), 5000);
}

TEST_F(UnicomAfterSales, CancelBeforeShippingOnly) {
  const std::string number = place("C-1", "004");
  auto c = call("order.cancel", {{"out_order_id", "C-1"}, {"cancel_reason", "customer_request"}});
  ASSERT_EQ(code(c), "0000") << json::serialize(c);
  EXPECT_EQ(str(c, "order_state"), "CANCELLED");
  EXPECT_EQ(code(call("order.cancel", {{"out_order_id", "C-1"}})), "0000");  // idempotent
  auto q = call("order.query", {{"out_order_id", "C-1"}});
  EXPECT_EQ(str(q, "order_state"), "CANCELLED");
  EXPECT_EQ(str(q, "cancel_reason"), "customer_request");
  EXPECT_FALSE(lock(number).empty()) << "a cancelled order gives its number back";
  advance(60'001);
  EXPECT_EQ(state("C-1"), "CANCELLED");  // never moves again

  place("C-2", "005");
  advance(20'001);
  EXPECT_EQ(code(call("order.cancel", {{"out_order_id", "C-2"}})), "5002");
  advance(42'000);
  EXPECT_EQ(code(call("order.cancel", {{"out_order_id", "C-2"}})), "5003");
  EXPECT_EQ(code(call("order.cancel", {{"out_order_id", "nope"}})), "5001");
  EXPECT_EQ(code(call("order.cancel")), "2001");
  EXPECT_EQ(code(call("order.cancel", {{"out_order_id", "C-2"}, {"cancel_reason", "a b"}})),
            "2002");
}

TEST_F(UnicomAfterSales, RechargeIsExactlyOncePerPartnerId) {
  const std::string number = line("R-1", "006");
  const int64_t before = balance(number);
  auto first = recharge("rch-1", number, "1000");
  ASSERT_EQ(code(first), "0000") << json::serialize(first);
  EXPECT_EQ(str(first, "recharge_state"), "SUCCESS");
  EXPECT_EQ(first.at("data").at("balance").to_number<int64_t>(), before + 1000);
  auto again = recharge("rch-1", number, "1000");
  EXPECT_EQ(str(again, "recharge_id"), str(first, "recharge_id"));
  EXPECT_EQ(balance(number), before + 1000);
  EXPECT_EQ(code(recharge("rch-1", number, "2000")), "6102");
  auto q = call("recharge.query", {{"out_recharge_id", "rch-1"}});
  EXPECT_EQ(str(q, "recharge_id"), str(first, "recharge_id"));
  EXPECT_EQ(str(q, "recharge_state"), "SUCCESS");
  EXPECT_EQ(code(call("recharge.query", {{"out_recharge_id", "rch-404"}})), "6101");

  auto refused = recharge("rch-2", number, "6666");  // the magic amount
  ASSERT_EQ(code(refused), "0000");
  EXPECT_EQ(str(refused, "recharge_state"), "FAIL");
  EXPECT_EQ(str(refused, "fail_code"), "6201");
  EXPECT_EQ(balance(number), before + 1000);

  EXPECT_EQ(code(recharge("rch-3", free_numbers(1).at(0), "100")), "6001");
  EXPECT_EQ(code(recharge("rch-4", number, "0")), "2002");
  EXPECT_EQ(code(recharge("rch-4", number, "1000001")), "2002");
  EXPECT_EQ(code(call("recharge.create", {{"number", number}, {"amount", "1"}})), "2001");
}

TEST_F(UnicomAfterSales, RechargeWhoseAnswerIsLostIsFoundByTheQuery) {
  const std::string number = line("R-2", "007");
  const int64_t before = balance(number);
  const auto added = raw("POST", "/admin/faults",
                         R"({"operation":"recharge.create","kind":"timeout",)"
                         R"("after_serve":true,"hold_ms":50})",
                         "application/json");
  ASSERT_EQ(added.status, 201) << added.body;
  auto lost =
      raw("POST", "/router/rest",
          signed_form("recharge.create",
                      {{"out_recharge_id", "rch-lost"}, {"number", number}, {"amount", "700"}}));
  EXPECT_FALSE(lost.ok() && lost.status == 200) << lost.body;
  admin("DELETE", "/admin/faults");
  // Applied all the same: the query finds it, and sending it again tops up nothing.
  auto q = call("recharge.query", {{"out_recharge_id", "rch-lost"}, {"number", number}});
  ASSERT_EQ(code(q), "0000") << json::serialize(q);
  EXPECT_EQ(str(q, "recharge_state"), "SUCCESS");
  EXPECT_EQ(code(recharge("rch-lost", number, "700")), "0000");
  EXPECT_EQ(balance(number), before + 700);
}

TEST_F(UnicomAfterSales, StopAndRestartAgainstTheCarriersOwnStop) {
  const std::string number = line("S-1", "008");
  const Params stop = {{"out_request_id", "q1"}, {"number", number}, {"stop_reason", "lost_phone"}};
  auto stopped = call("user.stop", stop);
  ASSERT_EQ(code(stopped), "0000") << json::serialize(stopped);
  EXPECT_EQ(str(stopped, "user_state"), "STOPPED");
  EXPECT_EQ(str(stopped, "stop_reason"), "lost_phone");
  EXPECT_EQ(str(call("user.stop", stop), "user_state"), "STOPPED");  // idempotent
  const Params restart = {{"out_request_id", "q2"}, {"number", number}};
  EXPECT_EQ(str(call("user.restart", restart), "user_state"), "NORMAL");
  EXPECT_EQ(str(call("user.restart", restart), "user_state"), "NORMAL");

  admin("POST", "/admin/lines/" + number + "/suspend", "");
  auto q = call("user.query", {{"number", number}});
  EXPECT_EQ(str(q, "user_state"), "STOPPED");
  EXPECT_EQ(str(q, "stop_reason"), "reverification");
  EXPECT_EQ(code(call("user.restart", restart)), "6003");
  EXPECT_EQ(str(call("user.stop", stop), "user_state"), "STOPPED");
  admin("POST", "/admin/lines/" + number + "/resume", "");
  EXPECT_EQ(str(call("user.query", {{"number", number}}), "user_state"), "NORMAL");

  EXPECT_EQ(code(call("user.stop", {{"out_request_id", "q3"}, {"number", "13000000000"}})), "6001");
  EXPECT_EQ(code(call("user.stop", {{"number", number}})), "2001");
}

}  // namespace
