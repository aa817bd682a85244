// The server side of the simulated China Telecom partner protocol
// (docs/carriers/telecom.md): OAuth2 tokens, XML calls under /api/v1/,
// activation in three calls (create, photos, confirm), signed XML callbacks;
// plus the shared admin API under /admin and GET /admin/telecom/orders.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/sim_context.hpp"
#include "cgw/sim/simulator.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pugi {
class xml_node;
}

namespace cgw::sim::telecom {

// A top-up of exactly this amount (fen) is refused by the carrier's billing
// (Status FAILED, FailCode kRechargeRefusedCode): a magic value for tests.
inline constexpr int64_t kRechargeRefusedFen = 6666;
inline constexpr std::string_view kRechargeRefusedCode = "60201";

struct TelecomSettings {
  std::string client_id, client_secret, callback_secret;
  uint64_t seed = 42;
  size_t pool_size = 20'000;
  int64_t activation_delay_ms = 2'000;
  int64_t reservation_ttl_s = 1'800;
  // The after-sales lifecycle (shipping, delivery, first top-up, SIM
  // replacement delays): SimulatorConfig::lifecycle.
  LifecycleSettings lifecycle;
  int64_t token_ttl_s = 300;
  // Tests only.
  std::optional<int64_t> fixed_clock_ms;
  std::chrono::milliseconds tick_period{100};
  CallbackPolicy callback_policy;
};

// app_id -> client id, secret -> client secret; settings: callback_secret
// (required), token_ttl_s (1-86400, default 300). Throws
// std::invalid_argument naming the setting, never its value.
TelecomSettings settings_from(const SimulatorConfig& config);

class TokenStore;

class TelecomSimulator final : public CarrierSimulator {
 public:
  TelecomSimulator(boost::asio::any_io_executor executor, TelecomSettings settings);
  ~TelecomSimulator() override;

  std::string_view carrier() const override { return "telecom"; }
  net::Handler handler() override;
  void start() override { ctx_.start(); }
  void stop() override { ctx_.stop(); }
  // "oauth.token", "numbers.reserve", ... (one per endpoint path).
  std::string operation_of(const net::Request& req) const override;
  std::vector<std::string> operations() const override { return operation_names(); }
  // Request matching (request_matching.cpp): correlation fields, journal masking.
  Correlation correlate(const net::Request& req, const net::Response* res) const override;
  JournalMasking journal_masking() const override;
  // Saved namespaces: the applicant key, the order drafts and the access tokens.
  boost::json::value save_state() const override;
  std::string restore_state(const boost::json::value& saved) override;
  static std::vector<std::string> operation_names();
  net::Response business_error(const net::Request& req, std::string_view code) const override;

  // Serves one request synchronously: only callbacks are asynchronous.
  net::Response handle(const net::Request& req);
  SimContext& context() { return ctx_; }

  // An order between orders/create and orders/confirm, and after it (then
  // the ledger holds the order under the same id). No PII: the applicant is
  // a keyed hash.
  // kCancelled: cancelled before confirmation (it never reached the ledger).
  enum class DraftStatus { kCreated, kPhotosUploaded, kConfirmed, kCancelled };
  struct Draft {
    std::string order_id, partner_order_id, number, reserve_id, plan_code, notify_url;
    std::string applicant_key;
    DraftStatus status = DraftStatus::kCreated;
    int create_count = 1, photo_uploads = 0;
    bool review = false;  // the real-name verdict was REVIEW: REVIEWING once confirmed
  };

 private:
  using Code = std::string;  // "0" or the carrier error code
  using Endpoint = Code (TelecomSimulator::*)(pugi::xml_node request, pugi::xml_node data);

  net::Response handle_token(const net::Request& req);
  net::Response handle_api(const net::Request& req);
  net::Response admin_orders(const net::Request& req);
  std::string next_request_id();

  // Endpoints (inventory.cpp, orders.cpp): fill <Data> and return "0", or
  // return an error code.
  Code list_plans(pugi::xml_node request, pugi::xml_node data);
  Code query_numbers(pugi::xml_node request, pugi::xml_node data);
  Code reserve_number(pugi::xml_node request, pugi::xml_node data);
  Code release_number(pugi::xml_node request, pugi::xml_node data);
  Code check_realname(pugi::xml_node request, pugi::xml_node data);
  Code create_order(pugi::xml_node request, pugi::xml_node data);
  Code upload_photos(pugi::xml_node request, pugi::xml_node data);
  Code confirm_order(pugi::xml_node request, pugi::xml_node data);
  Code query_order(pugi::xml_node request, pugi::xml_node data);
  void on_order_final(const Order& order);
  // After-sales (aftersales.cpp).
  Code cancel_order(pugi::xml_node request, pugi::xml_node data);
  Code query_subscriber(pugi::xml_node request, pugi::xml_node data);
  Code create_recharge(pugi::xml_node request, pugi::xml_node data);
  Code query_recharge(pugi::xml_node request, pugi::xml_node data);
  Code replace_sim(pugi::xml_node request, pugi::xml_node data);
  // One ORDER_STATUS callback per stage this carrier reports.
  void on_stage(const StageChange& change);
  // The draft named by either id (nullptr if none). drafts_mu_ held.
  Draft* find_draft_locked(const std::string& order_id, const std::string& partner_id);

  // The protocol's status of a draft (CREATED ... FAILED). drafts_mu_ held.
  std::string status_of(const Draft& d, std::string* fail_code) const;
  // An opaque per-process key for an applicant: a keyed hash that cannot be
  // reversed by enumerating ID numbers.
  std::string applicant_key(std::string_view normalized_id) const;

  TelecomSettings settings_;
  std::string applicant_salt_;
  std::unique_ptr<TokenStore> tokens_;
  std::atomic<uint64_t> request_seq_{0};
  mutable std::mutex drafts_mu_;
  std::unordered_map<std::string, Draft> drafts_;               // by order id
  std::unordered_map<std::string, std::string> by_partner_id_;  // partner order id -> order id
  std::vector<std::string> draft_seq_;                          // order ids, creation order
  SimContext ctx_;
};

// The protocol's Status of an order's stage (PROCESSING, REVIEWING, SHIPPED,
// ACTIVATED, FAILED, CANCELLED, RETURNED: no delivered, no first top-up).
const char* order_stage_name(OrderStage s);
// OrderId, PartnerOrderId, Status and what comes with it (FailCode, Reason,
// LogisticsCompany, WaybillNo) into a <Data> or <Notify>.
void put_order(pugi::xml_node data, const Order& o);

// The message of a carrier code (docs/carriers/telecom.md) and the HTTP
// status the carrier answers it with.
std::string_view code_message(std::string_view code);
int http_status_for(std::string_view code);

}  // namespace cgw::sim::telecom
