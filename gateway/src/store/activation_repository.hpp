// Activations and their history. Status moves forward only; the rules of
// which moves are allowed live in store/operations.cpp (one place for every
// backend); this interface reads and writes rows.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cgw/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw {

class ActivationRepository {
 public:
  virtual ~ActivationRepository() = default;

  // Inserts `a` (status pending) with its delivery address sealed.
  virtual void insert(Tx& tx, const Activation& a, const Delivery& delivery) = 0;
  // The next history line (seq = last + 1).
  virtual void add_history(Tx& tx, const std::string& id, const HistoryEntry& entry) = 0;
  // Inside a write: the row without history (nullopt: none), of `tenant`
  // when it is not empty.
  virtual std::optional<Activation> get_in(Tx& tx, const std::string& id,
                                           const std::string& tenant = {}) = 0;
  // Writes the change's status, order id (kept when empty), failure and
  // updated_at.
  virtual void set_status(Tx& tx, const std::string& id, const StatusChange& change,
                          int64_t now_ms) = 0;
  // Replaces the plugin's per-order data.
  virtual void set_plugin_data(Tx& tx, const std::string& id, const std::string& data) = 0;
  // A carrier order id learnt late, kept when the row has none.
  virtual void keep_order_id(Tx& tx, const std::string& id, const std::string& order_id) = 0;
  virtual void touch(Tx& tx, const std::string& id, int64_t now_ms) = 0;
  virtual void schedule_poll(const std::string& id, int64_t next_poll_at_ms) = 0;
  // Counted durably before each submit is sent: after a crash, a pending
  // order with attempts may have reached the carrier and is resolved by a
  // query first (see ActivationEngine). False, and nothing counted, when
  // this instance no longer owns the activation (PostgreSQL: the fleet
  // declared it dead and another instance adopted the order), or the order
  // is no longer pending or unknown (cancelled before its first submit):
  // then it must not send the submit.
  virtual bool note_submit_attempt(const std::string& id) = 0;

  virtual std::optional<Activation> get(const std::string& tenant, const std::string& id) = 0;
  // `with_history`: false leaves `history` empty (one query less).
  virtual std::optional<Activation> by_id(const std::string& id, bool with_history = true) = 0;
  // With the applicant's data opened; nullopt when it does not open (an
  // unknown key id or an altered row: logged).
  virtual std::optional<ActivationSubmission> submission(const std::string& id) = 0;
  // Ids of every activation that is not final, of every instance.
  virtual std::vector<std::string> open_ids() = 0;
  // Those this instance drives (store/fleet_repository.hpp): on SQLite
  // every one (work to resume at start); on PostgreSQL those it created or
  // adopted (none at start: its id is new).
  virtual std::vector<std::string> owned_open_ids() = 0;
  // PostgreSQL: the open activations of instances that are not alive
  // become this instance's; returns their ids, to drive. SQLite: none (the
  // start resumes them all).
  virtual std::vector<std::string> adopt_orphaned(Tx& tx) = 0;
  // PostgreSQL: `id` becomes this instance's, which drives it on from now
  // (an operator's resolution, received by any instance). SQLite: nothing.
  virtual void take_over(Tx& tx, const std::string& id) = 0;

  // A page of the tenant's activations in `status`, one of the open
  // statuses (pending, submitted, unknown), oldest first, after `cursor` (a
  // previous page's next_cursor, "" for the first page); next_cursor is ""
  // on the last page (docs/reliability.md "Unknown outcomes").
  struct Page {
    std::vector<Activation> items;
    std::string next_cursor;
  };
  virtual Page list(const std::string& tenant, const std::string& status, const std::string& cursor,
                    size_t limit) = 0;
  // How many activations are `unknown`, per carrier (carriers with none
  // are absent).
  virtual std::map<std::string, int64_t> unknown_by_carrier() = 0;
};

// "<created_at ms>.<activation id>", the form of a page's next_cursor.
bool valid_activation_cursor(std::string_view cursor);

}  // namespace cgw::gw
