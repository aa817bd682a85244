// After-sales types of the simulated carrier (docs/after-sales.md): the
// fine-grained stages of an order, the lines (subscribers) that activated
// orders create, top-ups, SIM replacements, suspensions. Carrier-neutral:
// each carrier maps these to its own status words and chooses which stages
// it reports.
#pragma once

#include <cstdint>
#include <string>

namespace cgw::sim {

// The stage of an order. OrderState stays the coarse view (PROCESSING
// until activated, failed, cancelled or returned); the stage is what a
// carrier reports in its query answers and callbacks.
enum class OrderStage {
  kAccepted,    // taken, not yet shipped
  kReviewing,   // the KYC verdict was "review": a person checks the data
  kShipped,     // with a courier (courier and waybill set)
  kDelivered,   // signed for
  kActivated,   // the line is open (OrderState SUCCESS)
  kFirstTopup,  // the subscriber's first top-up (after activation)
  kFailed,      // refused (OrderState FAILED)
  kCancelled,   // cancelled before shipping (OrderState FAILED)
  kReturned,    // shipped, came back undelivered (OrderState FAILED)
};
// accepted, reviewing, shipped, delivered, activated, first_topup, failed,
// cancelled, returned
const char* to_string(OrderStage s);

enum class OrderKind { kActivation, kSimReplacement };
const char* to_string(OrderKind k);  // activation, sim_replacement

// The delays of the lifecycle. Shipping and delivery happen at fractions of
// an order's activation delay (so an order that activates after 2 s ships
// after 0.67 s); the first top-up follows activation after its own delay.
struct LifecycleSettings {
  // false: orders are not shipped through the partner (no shipped,
  // delivered or first top-up stages): accepted -> activated, as a carrier
  // without fulfilment reports them; also for tests that count one
  // callback per order.
  bool fulfilment = true;
  double ship_fraction = 1.0 / 3;
  double deliver_fraction = 2.0 / 3;
  // Long enough that a partner that waits for `activated` sees it before the
  // first top-up moves the order on.
  int64_t first_topup_delay_ms = 60'000;  // < 0: no first top-up
  int64_t first_topup_fen = 5'000;
  int64_t replacement_delay_ms = 3'000;  // a SIM replacement's activation
  // What a new line starts with.
  int64_t initial_balance_fen = 0;
  int64_t initial_data_mb = 30 * 1024;
  int64_t initial_voice_minutes = 100;
};

enum class LineStatus { kActive, kSuspended, kCancelled };
enum class SuspendedBy { kNone, kCarrier, kHolder };
const char* to_string(LineStatus s);   // active, suspended, cancelled
const char* to_string(SuspendedBy s);  // "", carrier, holder

// A subscriber line, created when an activation order is activated. The
// owner is the applicant's opaque key (no PII).
struct Line {
  std::string msisdn, owner_key, plan_code, order_id;
  int64_t balance_fen = 0, data_left_mb = 0, voice_left_minutes = 0;
  LineStatus status = LineStatus::kActive;
  SuspendedBy suspended_by = SuspendedBy::kNone;
  std::string reason;  // why suspended (the holder's or the carrier's reason)
  int64_t activated_ms = 0, changed_ms = 0;
  int replacements = 0;  // SIM replacements activated
};

// A top-up: the partner's request, or the simulated first top-up (empty
// partner id, first_topup set).
struct Recharge {
  std::string recharge_id, partner_recharge_id, msisdn;
  int64_t amount_fen = 0, balance_after_fen = 0, at_ms = 0;
  bool succeeded = true;
  std::string fail_reason;
  bool first_topup = false;
  int request_count = 1;  // how often the partner sent it (dedupe tests)
};

struct RechargeDraft {
  std::string recharge_id;  // used only if the top-up is new
  std::string partner_recharge_id, msisdn;
  int64_t amount_fen = 0;
  // Non-empty: the carrier refuses this top-up (a magic amount, a limit);
  // it is recorded, so a retry answers the same refusal.
  std::string fail_reason;
};
enum class RechargeResult { kDone, kDuplicate, kLineNotFound };
struct RechargeOutcome {
  RechargeResult result = RechargeResult::kLineNotFound;
  Recharge recharge;  // kDone, kDuplicate (the first top-up)
};

enum class CancelResult { kCancelled, kNotFound, kRefused };
struct CancelReasons {
  // The refusal reasons (carrier-neutral words, docs/after-sales.md).
  static constexpr const char* kAlreadyShipped = "already_shipped";
  static constexpr const char* kAlreadyActivated = "already_activated";
  static constexpr const char* kAlreadyFinished = "already_finished";
};

struct ReplacementDraft {
  std::string order_id;  // used only if the replacement is created
  std::string partner_replacement_id, msisdn, holder_key, notify_url;
};
enum class ReplaceResult {
  kCreated,
  kDuplicate,
  kLineNotFound,
  kIdentityMismatch,  // the holder is not the line's owner
  kLineCancelled,
  kIdConflict,  // the partner id names an order of another kind or number
};

enum class LineChangeResult { kOk, kNotFound, kCarrierSuspended, kCancelled };
struct LineOutcome {
  LineChangeResult result = LineChangeResult::kNotFound;
  Line line;             // kOk, kCarrierSuspended, kCancelled
  bool changed = false;  // false: already in the asked state (idempotent)
};

}  // namespace cgw::sim
