// The server side of the simulated 170/171 MVNO partner protocol
// (docs/carriers/mvno.md), plus the shared admin API under /admin.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/mvno/signature.hpp"
#include "cgw/sim/nonce_store.hpp"
#include "cgw/sim/sim_context.hpp"
#include "cgw/sim/simulator.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cgw::sim::mvno {

struct MvnoSettings {
  std::string partner_id;
  std::string gateway_public_key_pem;   // verifies the partner's requests
  std::string carrier_private_key_pem;  // signs callbacks
  std::string id_field_key;             // 64 hex digits or base64 of 32 bytes
  uint64_t seed = 42;
  size_t pool_size = 20'000;
  int64_t activation_delay_ms = 2'000;
  int64_t reservation_ttl_s = 1'800;
  LifecycleSettings lifecycle;  // shipping, first top-up, SIM replacement delays
  // Tests only.
  std::optional<int64_t> fixed_clock_ms;
  std::chrono::milliseconds tick_period{100};
  CallbackPolicy callback_policy;
};

// app_id is the partner id, secret the ID field key; settings hold the two
// PEM keys (gateway_public_key, carrier_private_key). Throws
// std::invalid_argument naming a missing setting.
MvnoSettings settings_from(const SimulatorConfig& config);

class MvnoSimulator final : public CarrierSimulator {
 public:
  // Throws std::invalid_argument for an unreadable key.
  MvnoSimulator(boost::asio::any_io_executor executor, MvnoSettings settings);

  std::string_view carrier() const override { return "mvno"; }
  net::Handler handler() override;
  void start() override { ctx_.start(); }
  void stop() override { ctx_.stop(); }
  // "number.occupy", "order.create", ... (the path's last two segments).
  std::string operation_of(const net::Request& req) const override;
  std::vector<std::string> operations() const override { return operation_names(); }
  // Request matching (request_matching.cpp): correlation fields, journal masking.
  Correlation correlate(const net::Request& req, const net::Response* res) const override;
  JournalMasking journal_masking() const override;
  // Saved namespaces: the applicant key and the cancel reasons.
  boost::json::value save_state() const override;
  std::string restore_state(const boost::json::value& saved) override;
  static std::vector<std::string> operation_names();
  // This carrier's envelope: HTTP 200, {"code","msg"}.
  net::Response business_error(const net::Request& req, std::string_view code) const override;

  // Serves one request synchronously: the simulator never waits on I/O
  // while answering, only callbacks are asynchronous.
  net::Response handle(const net::Request& req);
  SimContext& context() { return ctx_; }

 private:
  struct Reply {
    std::string code = "0000";
    boost::json::object data;
    int http_status = 200;
  };
  static Reply error(std::string code, int http_status = 200);

  net::Response handle_open(const net::Request& req);
  Reply route(const net::Request& req);

  // Endpoints (inventory.cpp, orders.cpp).
  Reply list_products();
  Reply query_numbers(const boost::json::object& body);
  Reply occupy_number(const boost::json::object& body);
  Reply release_number(const boost::json::object& body);
  Reply check_real_name(const boost::json::object& body);
  Reply create_order(const boost::json::object& body);
  Reply query_order(const boost::json::object& body);
  // After-sales endpoints (after_sales.cpp).
  Reply cancel_order(const boost::json::object& body);
  Reply query_subscriber(const boost::json::object& body);
  Reply create_recharge(const boost::json::object& body);
  Reply query_recharge(const boost::json::object& body);
  Reply replace_sim(const boost::json::object& body);
  Reply suspend_subscriber(const boost::json::object& body);
  Reply resume_subscriber(const boost::json::object& body);
  Reply change_subscriber(const boost::json::object& body, bool suspend);
  // Callbacks (notify.cpp): one per reported stage of an order, and one per
  // line the carrier itself suspends or resumes (the admin API).
  void on_order_stage(const StageChange& change);
  void on_line_change(const Line& line);
  // orderStatus and the fields that come with it, as order/query answers
  // them and the callbacks send them.
  void put_order_fields(const Order& order, OrderStage stage, boost::json::object& out) const;
  std::string cancel_reason_of(const std::string& order_id) const;

  // certNoEnc -> the ID number; nullopt when it does not open with our key.
  std::optional<std::string> open_id_number(std::string_view cert_no_enc) const;
  // An opaque per-process key for an applicant: the ledger never holds ID
  // numbers, and a keyed hash cannot be reversed by enumerating IDs.
  std::string applicant_key(std::string_view normalized_id) const;

  MvnoSettings settings_;
  KeyHandle gateway_public_key_, carrier_private_key_;
  std::string field_key_;  // 32 raw bytes
  std::string applicant_salt_;
  NonceStore nonces_;
  // The partner's cancelReason per cancelled order id (the ledger keeps
  // no reason words of a carrier's).
  mutable std::mutex cancel_mu_;
  std::unordered_map<std::string, std::string> cancel_reasons_;
  SimContext ctx_;
};

// The message of a business code (docs/carriers/mvno.md).
std::string_view code_message(std::string_view code);
// Ledger states in this protocol's words.
std::string_view order_status_name(OrderStage s);  // ACCEPTED, SHIPPED, ... (mvno.md)
std::string_view line_status_name(LineStatus s);   // NORMAL, SUSPENDED, CLOSED
// A carrier-neutral word ("already_shipped", "reverification") as this
// protocol's code: upper case, [A-Z0-9_], at most 32 characters.
std::string protocol_code(std::string_view word);
// A line as subscriber/query, suspend and resume answer it.
boost::json::object line_data(const Line& line);
std::string_view number_status_name(NumberState s);  // FREE, OCCUPIED, SOLD

}  // namespace cgw::sim::mvno
