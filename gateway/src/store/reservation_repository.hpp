// Reservations: a number claimed for a tenant, held at the carrier, then
// consumed by an activation or ended; and the durable queue of carrier
// locks to release (docs/reliability.md "Carrier locks"), due when
// next_release_at <= now. Writes that free or hide a number return it, for
// the caller to set the number's local hold in the same transaction.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cgw::gw {

class ReservationRepository {
 public:
  virtual ~ReservationRepository() = default;

  // A new pending reservation of the number (under `key`, "" for none).
  // kNumberUnavailable when the number already has a live reservation; the
  // failed insert undoes only itself, `tx` goes on.
  virtual Result<Reservation> insert_pending(Tx& tx, const std::string& tenant,
                                             const std::string& carrier, const std::string& msisdn,
                                             const std::string& key, int64_t now_ms) = 0;
  // The live reservation of the number made by `tenant` under `key`.
  virtual std::optional<Reservation> live_by_key(Tx& tx, const std::string& carrier,
                                                 const std::string& msisdn,
                                                 const std::string& tenant,
                                                 const std::string& key) = 0;
  // A retry of the key adopts its pending reservation: no recovery is due.
  virtual void adopt(Tx& tx, const std::string& id, int64_t now_ms) = 0;
  // pending -> held with the carrier's lock. False when it was not pending.
  virtual bool hold(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
                    int64_t expires_at_ms, int64_t carrier_expires_at_ms, int64_t now_ms) = 0;
  // Unconditional hold (tests and tools): the row as it is now.
  virtual Reservation force_hold(Tx& tx, const std::string& id,
                                 const std::string& carrier_reservation_id, int64_t expires_at_ms,
                                 int64_t now_ms) = 0;
  // Records the carrier's lock on a row (NULL when empty / 0). With
  // `only_releasing`, only on a row being released.
  virtual void set_lock(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
                        int64_t carrier_expires_at_ms, bool only_releasing) = 0;
  // A pending reservation whose carrier answer is unknown: recovered at
  // `recover_at_ms` unless a retry of its key adopts it first.
  virtual void schedule_recovery(Tx& tx, const std::string& id, int64_t recover_at_ms) = 0;
  // -> failed (any status). The number to show again, if the row exists.
  virtual std::optional<NumberKey> fail(Tx& tx, const std::string& id, int64_t now_ms) = 0;
  // held|pending -> released. The number to show again, if it moved.
  virtual std::optional<NumberKey> release(Tx& tx, const std::string& id, int64_t now_ms) = 0;
  // held -> consumed by an activation.
  virtual void consume(Tx& tx, const std::string& id, int64_t now_ms) = 0;
  // A live reservation ends while the carrier may still hold its lock: it
  // shows `releasing` until finish_release, then `release_to`. False when
  // it is not live (nothing changed). The number stays hidden meanwhile.
  virtual bool queue_release(Tx& tx, const std::string& id, const std::string& release_to,
                             int64_t now_ms) = 0;
  // Held reservations past their expiry: `expired`, or `releasing` (to
  // expired) when the carrier's lock outlives the gateway's; optionally
  // only those of one number. Returns how many, and the numbers to show.
  struct Expired {
    int64_t count = 0;
    std::vector<NumberKey> freed;
  };
  virtual Expired expire_held(Tx& tx, int64_t now_ms, const NumberKey* only = nullptr) = 0;
  // Due interrupted pending rows turn releasing (to failed); then up to
  // `limit` due releasing rows are leased until `lease_until_ms`.
  virtual std::vector<Reservation> lease_due_releases(Tx& tx, int64_t now_ms, size_t limit,
                                                      int64_t lease_until_ms) = 0;
  // releasing -> its release_to. The number to show again, if it moved.
  virtual std::optional<NumberKey> finish_release(Tx& tx, const std::string& id,
                                                  int64_t now_ms) = 0;
  // One more failed release attempt; tried again at `next_at_ms`.
  virtual void retry_release(const std::string& id, int64_t next_at_ms,
                             const std::string& error) = 0;
  // The lock id found for a releasing row that had none.
  virtual void note_carrier_lock(const std::string& id,
                                 const std::string& carrier_reservation_id) = 0;
  // Pending rows left by processes that are gone get a recovery time
  // `now + grace`: on SQLite (called at start) every one; on PostgreSQL
  // those of instances that are not alive, which this instance adopts.
  // Returns how many.
  virtual int64_t schedule_interrupted(Tx& tx, int64_t now_ms, int64_t grace_ms) = 0;

  // Reads. As GET shows it: a hold past its expiry, or one whose leftover
  // lock is being released after it expired, reads `expired`.
  virtual std::optional<Reservation> get(const std::string& tenant, const std::string& id,
                                         int64_t now_ms) = 0;
  // Inside a write: the row as stored (no expiry applied).
  virtual std::optional<Reservation> get_in(Tx& tx, const std::string& tenant,
                                            const std::string& id) = 0;
};

}  // namespace cgw::gw
