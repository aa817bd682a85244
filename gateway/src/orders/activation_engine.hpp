// Drives every activation from the store to a final status: submit, then
// wait for the carrier's callback with polling (activation.query) as the
// fallback. Work is always re-read from the store, so a restart resumes
// every order that is not final; an order whose submit may or may not have
// reached the carrier (`unknown`) is resolved by a query, never resubmitted
// blindly (the carrier also deduplicates on our order id). When the query
// finds nothing and the resubmission is refused, the order stays `unknown`
// for an operator (POST /v1/activations/{id}/resolve): the first submit may
// have opened the line at a carrier that cannot be asked by our id.
#pragma once

#include "carriers/services.hpp"
#include "core/background_tasks.hpp"
#include "core/host_clock.hpp"

#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace cgw::gw {

class ActivationEngine {
 public:
  // Each activation is driven as one task of `tasks`: the shutdown cancels
  // it at its current step and nothing is written for a step cut short (a
  // submit in flight stays `pending` with its attempt counted, and the next
  // start resolves it by query).
  ActivationEngine(Services& svc, BackgroundTasks& tasks) : svc_(svc), tasks_(tasks) {}
  // Resumes every open activation this instance owns (store/
  // activation_repository.hpp owned_open_ids).
  void start();
  // Starts (or ignores, if already running) the work on one activation.
  void kick(const std::string& activation_id);
  // The order became settled (activated or final) outside the engine's own
  // queries (a callback, a cancel): its drive, asleep until its next
  // query, wakes and ends now instead of holding its memory until then.
  void settled(const std::string& activation_id);
  // Applies a carrier's status report (query or submit reply).
  bool apply_status(const std::string& activation_id, const ActivationStatusOutput& status,
                    const std::string& cause);
  // The store change a carrier status report means (empty status: none).
  static StatusChange change_for(const ActivationStatusOutput& status, const std::string& cause);
  void stop() { stopping_ = true; }

 private:
  boost::asio::awaitable<void> drive(std::string id);
  boost::asio::awaitable<void> drive_once(const std::string& id);
  boost::asio::awaitable<bool> submit(const std::string& id, Carrier& carrier);
  boost::asio::awaitable<void> poll(const std::string& id, Carrier& carrier);
  // Sleeps on the gateway's clock; settled(id) ends it early.
  boost::asio::awaitable<void> sleep_ms(const std::string& id, int64_t ms);
  // The carrier took the order (its reply may already be final).
  void accepted(const std::string& id, const ActivationStatusOutput& status);
  // What a failed submit means: true (follow it up by query), false (the
  // order is settled or left for an operator), nullopt (retry).
  std::optional<bool> settle_failure(const std::string& id, const Error& failure,
                                     bool resubmission);
  // Retries exhausted: an unknown order stays for an operator, a pending
  // one fails.
  void give_up(const std::string& id);
  // Leaves an `unknown` activation for an operator, with why in its history.
  void hold_unknown(const std::string& id, const std::string& cause);

  Services& svc_;
  BackgroundTasks& tasks_;
  std::mutex mu_;
  // The activations being driven, each with the wakeup of its sleeps.
  std::map<std::string, std::shared_ptr<HostClock::Wakeup>> running_;
  std::atomic<bool> stopping_{false};
};

}  // namespace cgw::gw
