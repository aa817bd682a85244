// The server side of the simulated China Unicom open-platform protocol
// (docs/carriers/unicom.md): one router endpoint, POST /router/rest, whose
// `method` parameter selects the operation; plus the shared admin API under
// /admin. The carrier sends no callbacks: partners poll order.query.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/sim_context.hpp"
#include "cgw/sim/simulator.hpp"
#include "cgw/sim/unicom/signature.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cgw::sim::unicom {

inline constexpr std::string_view kRouterPath = "/router/rest";

// A top-up of exactly this amount (fen) is refused by the carrier's billing
// (recharge_state FAIL, fail_code kRechargeRefusedCode): a magic value for
// tests of a failed recharge.
inline constexpr int64_t kRechargeRefusedFen = 6666;
inline constexpr std::string_view kRechargeRefusedCode = "6201";

struct UnicomSettings {
  std::string app_id, secret;  // app_id is the `app_key` partners send
  uint64_t seed = 42;
  size_t pool_size = 20'000;
  int64_t activation_delay_ms = 2'000;
  int64_t reservation_ttl_s = 1'800;
  // The after-sales lifecycle (shipping, delivery, first top-up, SIM
  // replacement delays): SimulatorConfig::lifecycle.
  LifecycleSettings lifecycle;
  // Tests only.
  std::optional<int64_t> fixed_clock_ms;
  std::chrono::milliseconds tick_period{100};
};

UnicomSettings settings_from(const SimulatorConfig& config);

class UnicomSimulator final : public CarrierSimulator {
 public:
  UnicomSimulator(boost::asio::any_io_executor executor, UnicomSettings settings);

  std::string_view carrier() const override { return "unicom"; }
  net::Handler handler() override;
  void start() override { ctx_.start(); }
  void stop() override { ctx_.stop(); }

  // The `method` form parameter (e.g. "number.lock"); the path when the
  // request is not a readable router call.
  std::string operation_of(const net::Request& req) const override;
  // The protocol's methods (plan.list ... order.query, then the after-sales
  // ones: order.cancel ... user.restart).
  std::vector<std::string> operations() const override { return operation_names(); }
  // Request matching (request_matching.cpp): correlation fields, journal masking.
  Correlation correlate(const net::Request& req, const net::Response* res) const override;
  JournalMasking journal_masking() const override;
  // Saved namespaces: the applicant key and the cancel reasons.
  boost::json::value save_state() const override;
  std::string restore_state(const boost::json::value& saved) override;
  static std::vector<std::string> operation_names();
  // None: the partner polls order.query.
  bool sends_callbacks() const override { return kSendsCallbacks; }
  static constexpr bool kSendsCallbacks = false;
  // HTTP 200 with {"code": code, "msg": "injected fault"}, as the router
  // answers every business error.
  net::Response business_error(const net::Request& req, std::string_view code) const override;

  // Serves one request synchronously: the simulator never waits on I/O.
  net::Response handle(const net::Request& req);
  SimContext& context() { return ctx_; }

 private:
  struct Reply {
    std::string code = "0000";
    boost::json::object data;
    int http_status = 200;
  };
  static Reply error(std::string code, int http_status = 200);

  UnicomSimulator(boost::asio::any_io_executor executor, UnicomSettings settings,
                  std::vector<NumberRecord> pool);

  net::Response handle_router(const net::Request& req);
  Reply route(const FormParams& params);

  // Methods (inventory.cpp, orders.cpp).
  Reply list_products();
  Reply query_numbers(const FormParams& params);
  Reply lock_number(const FormParams& params);
  Reply unlock_number(const FormParams& params);
  Reply check_cert(const FormParams& params);
  Reply create_order(const FormParams& params);
  Reply query_order(const FormParams& params);
  void on_order_final(const Order& order);
  // order_state and what comes with it (courier, first top-up, cancel reason).
  void put_order_state(boost::json::object& data, const Order& o) const;
  // After-sales (aftersales.cpp).
  Reply cancel_order(const FormParams& params);
  Reply query_user(const FormParams& params);
  Reply change_user(const FormParams& params, bool stop);  // user.stop / user.restart
  Reply create_recharge(const FormParams& params);
  Reply query_recharge(const FormParams& params);
  static void put_recharge(boost::json::object& data, const Recharge& rc);
  // The partner's reason of a cancelled order ("" for none).
  std::string cancel_reason(const std::string& order_id) const;

  // An opaque per-process key for an applicant: the ledger never holds ID
  // numbers, and a keyed hash cannot be reversed by enumerating IDs.
  std::string applicant_key(std::string_view normalized_id) const;

  UnicomSettings settings_;
  std::string applicant_salt_;
  std::vector<std::string> numbers_;  // the pool in ledger order: page offsets
  mutable std::mutex cancel_mu_;
  std::map<std::string, std::string> cancel_reasons_;  // order id -> the partner's reason
  SimContext ctx_;
};

// The msg of a business code (docs/carriers/unicom.md).
std::string_view code_message(std::string_view code);

}  // namespace cgw::sim::unicom
