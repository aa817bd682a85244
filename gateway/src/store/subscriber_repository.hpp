// Subscriber services (docs/after-sales.md "Subscriber services"): which
// numbers a tenant sold, top-ups kept exactly once at the carrier, SIM
// replacement orders and their history. Each row carries its tenant.
#pragma once

#include "core/recharge_status.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cgw::gw {

// A number a tenant sold: its activation at `activated` or later.
struct SoldLine {
  std::string tenant, activation_id, carrier, msisdn;
};

struct Recharge {
  std::string id, tenant, idempotency_key, request_hash, carrier, msisdn, status;
  int64_t amount_fen = 0;
  std::string carrier_recharge_id, failure_reason;
  std::optional<int64_t> balance_fen;
  int64_t attempts = 0;  // sends started, counted before each one
  int64_t created_at_ms = 0, updated_at_ms = 0;
};

// What settles a submitting top-up: the carrier's verdict.
struct RechargeSettlement {
  std::string status;  // succeeded | failed
  std::string carrier_recharge_id, failure_reason;
  std::optional<int64_t> balance_fen;
};

// A SIM replacement order: statuses and forward-only moves are those of an
// activation (core/activation_status.hpp, activation_moves_forward). The
// holder's name and ID number are never stored: the request carries them
// and a retry of its key carries them again.
struct SimReplacement {
  std::string id, tenant, idempotency_key, request_hash, carrier, msisdn, activation_id;
  std::string reason, status, carrier_order_id, plugin_data, failure_code, failure_message;
  std::string courier, waybill;
  int64_t created_at_ms = 0, updated_at_ms = 0;
  std::vector<HistoryEntry> history;
};

struct ReplacementChange {
  std::string status, cause;
  std::string carrier_order_id = {}, failure_code = {}, failure_message = {};
  std::string courier = {}, waybill = {};  // kept when empty
  std::optional<std::string> plugin_data = std::nullopt;
};

class SubscriberRepository {
 public:
  virtual ~SubscriberRepository() = default;

  // The tenant's latest activation of `msisdn` at activated or later;
  // nullopt when the tenant did not sell the number.
  virtual std::optional<SoldLine> sold_line(const std::string& tenant,
                                            const std::string& msisdn) = 0;
  // The same for the carrier's number, whichever tenant sold it (carrier
  // events name a number, not a tenant).
  virtual std::optional<SoldLine> seller(const std::string& carrier, const std::string& msisdn) = 0;
  // Whether `name` and `id_number` are the holder the activation's
  // verification checked: the ID number by its lookup hash under every
  // configured key, the name opened from its seal. False when the sealed
  // name does not open.
  virtual bool holder_matches(const std::string& activation_id, const std::string& name,
                              const std::string& id_number) = 0;

  // Inserts `r` (submitting) unless the tenant has a top-up under the same
  // key: then that one is returned, as stored, and nothing is written.
  virtual Recharge insert_recharge(const Recharge& r) = 0;
  virtual std::optional<Recharge> recharge(const std::string& tenant, const std::string& id) = 0;
  // Counted durably before each send (the first and any resend).
  virtual void note_recharge_attempt(const std::string& id, int64_t now_ms) = 0;
  // Settles a submitting top-up; false when it was settled already (the
  // first verdict stays).
  virtual bool settle_recharge(const std::string& id, const RechargeSettlement& s,
                               int64_t now_ms) = 0;
  // Submitting top-ups not touched since `idle_since_ms`, oldest first:
  // the recovery pass resolves them by the carrier's recharge query.
  virtual std::vector<Recharge> submitting_recharges(int64_t idle_since_ms, size_t limit) = 0;

  // Inserts `r` (its status, first history line) unless the tenant has a
  // replacement under the same key: then that one is returned.
  virtual SimReplacement insert_replacement(const SimReplacement& r) = 0;
  virtual std::optional<SimReplacement> replacement(const std::string& tenant,
                                                    const std::string& id) = 0;
  virtual std::optional<SimReplacement> replacement_by_id(const std::string& id) = 0;
  // Moves the replacement forward only (activation_moves_forward), with a
  // history line; false when the move is not forward (nothing written but
  // a carrier order id or plugin data learnt late).
  virtual bool advance_replacement(const std::string& id, const ReplacementChange& change,
                                   int64_t now_ms) = 0;
  // Ids of replacements not settled (is_settled_status), to track.
  virtual std::vector<std::string> open_replacements() = 0;

  // A webhook event about a line (subscriber.suspended, ...), in the
  // webhook outbox under the line's activation, in the caller's
  // transaction (the callback's event record).
  virtual void enqueue_line_event(Tx& tx, const SoldLine& line, const std::string& event_id,
                                  const std::string& type, const std::string& payload,
                                  int64_t now_ms) = 0;
};

}  // namespace cgw::gw
