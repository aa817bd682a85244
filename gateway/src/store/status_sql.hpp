// Status terms of the SQL of both backends, built from the constants of
// core/*_status.hpp so that no status is spelled twice. A status goes into
// the SQL text as a literal rather than as a bound parameter: SQLite uses a
// partial index (reservations_live, activations_open, webhook_outbox_due)
// only for a WHERE term that repeats the index's own condition with the same
// literals, and PostgreSQL likewise for a prepared statement's generic plan.
// Each statement's text is built once (a function-local static), so it
// stays one prepared statement per connection.
#pragma once

#include "core/activation_status.hpp"
#include "core/reservation_status.hpp"
#include "core/webhook_event_status.hpp"

#include <initializer_list>
#include <string>
#include <string_view>

namespace cgw::gw {

// `value` as an SQL string literal: 'held' (a quote inside is doubled).
inline std::string sql_literal(std::string_view value) {
  std::string out = "'";
  for (char ch : value) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

// status IN ('a', 'b', ...), in the order given.
inline std::string status_in(std::initializer_list<std::string_view> statuses) {
  std::string out = "status IN (";
  for (auto s : statuses) out += (out.back() == '(' ? "" : ", ") + sql_literal(s);
  return out + ")";
}

// The reservations that claim their number: the condition of the partial
// unique index reservations_live, which queries that must use it repeat.
inline const std::string& live_reservation_term() {
  static const std::string term = status_in(
      {reservation::kPending, reservation::kHeld, reservation::kConsumed, reservation::kReleasing});
  return term;
}

// Activations the engine drives (not activated, not final): the condition
// of the partial index activations_open (and, on PostgreSQL,
// activations_open_by_owner), in the same order.
inline const std::string& open_activation_term() {
  static const std::string term =
      status_in({activation::kPending, activation::kSubmitted, activation::kUnknown,
                 activation::kReviewing, activation::kShipped, activation::kDelivered});
  return term;
}

// Webhook events still to deliver: the condition of webhook_outbox_due.
inline const std::string& due_event_term() {
  static const std::string term = "status = " + sql_literal(webhook_event::kPending);
  return term;
}

}  // namespace cgw::gw
