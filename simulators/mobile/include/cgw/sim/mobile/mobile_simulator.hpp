// The server side of the simulated China Mobile partner protocol
// (docs/carriers/mobile.md), plus the shared admin API under /admin.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/nonce_store.hpp"
#include "cgw/sim/sim_context.hpp"
#include "cgw/sim/simulator.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <boost/url/url_view.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cgw::sim::mobile {

struct MobileSettings {
  std::string app_id, secret;
  uint64_t seed = 42;
  size_t pool_size = 20'000;
  int64_t activation_delay_ms = 2'000;
  int64_t reservation_ttl_s = 1'800;
  LifecycleSettings lifecycle;
  // Tests only.
  std::optional<int64_t> fixed_clock_ms;
  std::chrono::milliseconds tick_period{100};
  CallbackPolicy callback_policy;
};

MobileSettings settings_from(const SimulatorConfig& config);

class MobileSimulator final : public CarrierSimulator {
 public:
  MobileSimulator(boost::asio::any_io_executor executor, MobileSettings settings);

  std::string_view carrier() const override { return "mobile"; }
  net::Handler handler() override;
  void start() override { ctx_.start(); }
  void stop() override { ctx_.stop(); }
  // The endpoint paths ("/open/v1/numbers/lock", ...): operation_of() is
  // the path.
  std::vector<std::string> operations() const override { return operation_names(); }
  // Request matching (request_matching.cpp): correlation fields, journal masking.
  Correlation correlate(const net::Request& req, const net::Response* res) const override;
  JournalMasking journal_masking() const override;
  // Saved namespaces: the applicant key.
  boost::json::value save_state() const override;
  std::string restore_state(const boost::json::value& saved) override;
  static std::vector<std::string> operation_names();

  // Serves one request synchronously: the simulator never waits on I/O
  // while answering, only callbacks are asynchronous.
  net::Response handle(const net::Request& req);
  SimContext& context() { return ctx_; }

 private:
  struct Reply {
    std::string code = "0";
    boost::json::object data;
    int http_status = 200;
  };
  static Reply error(std::string code, int http_status = 200);

  net::Response handle_open(const net::Request& req);
  Reply route(const net::Request& req, boost::urls::url_view url);

  // Endpoints (inventory.cpp, orders.cpp).
  Reply list_plans();
  Reply list_numbers(boost::urls::url_view url);
  Reply lock_number(const boost::json::object& body);
  Reply unlock_number(const boost::json::object& body);
  Reply verify_identity(const boost::json::object& body);
  Reply submit_order(const boost::json::object& body);
  Reply query_order(boost::urls::url_view url);
  // After-sales (after_sales.cpp, subscribers.cpp).
  Reply cancel_order(const boost::json::object& body);
  Reply query_subscriber(boost::urls::url_view url);
  Reply recharge(const boost::json::object& body);
  Reply query_recharge(boost::urls::url_view url);
  Reply replace_sim(const boost::json::object& body);
  Reply change_line(const boost::json::object& body, bool suspend);
  // One callback per stage change (the carrier reports every stage), and
  // one per carrier-initiated suspension or resumption.
  void on_stage(const StageChange& change);
  void on_line_change(const Line& line);

  // An opaque per-process key for an applicant: the ledger never holds ID
  // numbers, and a keyed hash cannot be reversed by enumerating IDs.
  std::string applicant_key(std::string_view normalized_id) const;

  MobileSettings settings_;
  std::string applicant_salt_;
  NonceStore nonces_;
  SimContext ctx_;
};

// The message of a business code (docs/carriers/mobile.md).
std::string_view code_message(std::string_view code);

// The order's `orderState` word for its stage (docs/carriers/mobile.md):
// PROCESSING, REVIEWING, SHIPPED, DELIVERED, SUCCESS, FIRST_TOPUP, FAILED,
// CANCELLED, RETURNED.
std::string_view order_state_word(OrderStage stage);
// The fields of an order shared by the query answer and the callbacks.
boost::json::object order_fields(const Order& order);

}  // namespace cgw::sim::mobile
