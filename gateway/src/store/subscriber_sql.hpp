// Status terms of the subscriber services' SQL (both backends), built from
// the status constants like store/status_sql.hpp: each repeats the
// condition of its partial index in migration 7 (SQLite) and 5
// (PostgreSQL), so that the index serves it.
#pragma once

#include "core/activation_status.hpp"
#include "core/recharge_status.hpp"
#include "store/status_sql.hpp"

#include <string>

namespace cgw::gw {

// Top-ups the carrier has not settled yet: recharges_submitting.
inline const std::string& submitting_recharge_term() {
  static const std::string term = "status = " + sql_literal(recharge::kSubmitting);
  return term;
}

// SIM replacements still tracked (not settled): sim_replacements_open.
inline const std::string& open_replacement_term() {
  static const std::string term =
      status_in({activation::kPending, activation::kUnknown, activation::kSubmitted,
                 activation::kReviewing, activation::kShipped, activation::kDelivered});
  return term;
}

// Activations that sold their number: at activated or later.
inline const std::string& sold_activation_term() {
  static const std::string term = status_in({activation::kActivated, activation::kFirstTopup});
  return term;
}

}  // namespace cgw::gw
