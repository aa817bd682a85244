// Reading reservation rows: one column list and one reader, shared by the
// store's source files (sqlite/reservations.cpp).
#pragma once

#include "store/records.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace cgw::gw::sqlite {

inline constexpr const char* kReservationColumns =
    "id, tenant, carrier, msisdn, carrier_reservation_id, status, expires_at, created_at, "
    "carrier_expires_at, release_to, release_attempts";

inline Reservation read_reservation_row(const db::Stmt& s) {
  Reservation r;
  r.id = s.text(0);
  r.tenant = s.text(1);
  r.carrier = s.text(2);
  r.msisdn = s.text(3);
  r.carrier_reservation_id = s.opt_text(4).value_or("");
  r.status = s.text(5);
  r.expires_at_ms = s.integer(6);
  r.created_at_ms = s.integer(7);
  r.carrier_expires_at_ms = s.integer(8);  // NULL reads 0: unknown
  r.release_to = s.opt_text(9).value_or("");
  r.release_attempts = s.integer(10);
  return r;
}

}  // namespace cgw::gw::sqlite
