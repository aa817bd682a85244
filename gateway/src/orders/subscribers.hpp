// Subscriber services (docs/after-sales.md "Subscriber services"): the line
// of a number the tenant sold, top-ups exactly once at the carrier, SIM
// replacements tracked like orders, suspensions at the holder's request, and
// the carrier's own suspensions pushed to the tenant as webhooks.
//
// Expected errors are values: SUBSCRIBER_NOT_FOUND (not a number the tenant
// sold, or one the carrier does not know), NOT_SUPPORTED (the carrier lacks
// the capability), IDENTITY_MISMATCH (the holder is not the number's owner),
// the Idempotency-Key codes and the carrier's.
#pragma once

#include "carriers/services.hpp"
#include "store/records.hpp"
#include "store/subscriber_repository.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cgw/types.hpp>

#include <functional>
#include <string>

namespace cgw::gw {

// The tenant's line of `msisdn` on a carrier that offers `capability`.
struct LineAccess {
  SoldLine line;
  Carrier* carrier = nullptr;
};
Result<LineAccess> line_for(Services& svc, const std::string& tenant, const std::string& msisdn,
                            uint64_t capability);

// subscriber.query for a number the tenant sold.
boost::asio::awaitable<Result<SubscriberInfo>> query_subscriber(Services& svc,
                                                                const std::string& tenant,
                                                                const std::string& msisdn);

struct RechargeRequest {
  std::string tenant, key, request_hash, msisdn;
  int64_t amount_fen = 0;
};
struct RechargeAnswer {
  Recharge recharge;
  bool replayed = false;  // the key's top-up, made by an earlier request
};
// Tops up exactly once per (tenant, key): the top-up is stored `submitting`
// (durably) before the carrier is called; a retry of the key that finds it
// submitting asks the carrier (subscriber.recharge_query) and sends it again,
// under the same id, only when the carrier answers not_found. A carrier
// answer that is lost leaves it submitting (answered as such).
boost::asio::awaitable<Result<RechargeAnswer>> recharge_subscriber(Services& svc,
                                                                   const RechargeRequest& req);

// The recovery pass: resolves submitting top-ups untouched since
// `idle_since_ms` as a retry of their key would. Returns how many settled.
boost::asio::awaitable<size_t> recover_recharges(Services& svc, int64_t idle_since_ms);

struct SimReplaceRequest {
  std::string tenant, key, request_hash, msisdn, name, id_number, reason;
  Delivery delivery;
};
struct ReplacementAnswer {
  SimReplacement replacement;
  bool replayed = false;
};
// Checks the holder against the number's activation (its verification's
// hashed ID number and sealed name) before the carrier is asked:
// IDENTITY_MISMATCH when they differ. Then stores the replacement
// (`pending`) under the key and sends subscriber.sim_replace under its id; a
// lost answer makes it `unknown` (tracked by activation.query). A retry of
// the key that finds it pending or unknown sends it again under the same
// id (the carrier deduplicates on it).
boost::asio::awaitable<Result<ReplacementAnswer>> replace_sim(Services& svc,
                                                              const SimReplaceRequest& req);

// One pass over the open replacements: activation.query with the
// replacement id moves each forward. Returns how many moved.
boost::asio::awaitable<size_t> track_replacements(Services& svc);

// Suspend or resume at the holder's request, under the request's key: the
// first answer is stored (as `answer_for` / `accepted` give it) and
// replayed; a retryable failure frees the key.
struct LineChangeRequest {
  std::string tenant, key, request_hash, msisdn, reason;
  bool suspend = true;
};
using LineAnswer = std::function<IdempotentReplay(const SubscriberInfo&)>;
using LineErrorAnswer = std::function<IdempotentReplay(const Error&)>;
struct StoredAnswer {
  IdempotentReplay answer;
  bool replayed = false;  // the key's answer to an earlier request
};
boost::asio::awaitable<Result<StoredAnswer>> change_line(Services& svc,
                                                         const LineChangeRequest& req,
                                                         const LineErrorAnswer& answer_for,
                                                         const LineAnswer& accepted);

// A callback event for the subscriber services: a "subscriber.status" event
// (a webhook subscriber.suspended / subscriber.resumed to the tenant that
// sold the number, recorded with the event in one transaction), or an
// "activation.status" event whose gateway_order_id is a SIM replacement.
// False for any other event (an activation's).
bool apply_subscriber_event(Services& svc, const std::string& carrier_id, const CallbackEvent& e,
                            const boost::json::value& raw);

// The background loop: the recovery pass over submitting top-ups (at start
// every top-up a previous process left; then those idle 30 s), and the
// replacements' tracking. On a shared store only the holder of the
// housekeeping lease does the rounds.
boost::asio::awaitable<void> subscriber_services_loop(Services& svc);

}  // namespace cgw::gw
