// The PostgreSQL subscriber repository (store/subscriber_repository.hpp).
#pragma once

#include "core/pii.hpp"
#include "store/postgres/database.hpp"
#include "store/subscriber_repository.hpp"

#include <set>

namespace cgw::gw::pg {

class PgSubscribers final : public SubscriberRepository {
 public:
  PgSubscribers(PgDatabase& db, const PiiCipher& pii) : db_(db), pii_(pii) {}
  std::optional<SoldLine> sold_line(const std::string& tenant, const std::string& msisdn) override;
  std::optional<SoldLine> seller(const std::string& carrier, const std::string& msisdn) override;
  bool holder_matches(const std::string& activation_id, const std::string& name,
                      const std::string& id_number) override;
  Recharge insert_recharge(const Recharge& r) override;
  std::optional<Recharge> recharge(const std::string& tenant, const std::string& id) override;
  void note_recharge_attempt(const std::string& id, int64_t now_ms) override;
  bool settle_recharge(const std::string& id, const RechargeSettlement& s, int64_t now_ms) override;
  std::vector<Recharge> submitting_recharges(int64_t idle_since_ms, size_t limit) override;
  SimReplacement insert_replacement(const SimReplacement& r) override;
  std::optional<SimReplacement> replacement(const std::string& tenant,
                                            const std::string& id) override;
  std::optional<SimReplacement> replacement_by_id(const std::string& id) override;
  bool advance_replacement(const std::string& id, const ReplacementChange& change,
                           int64_t now_ms) override;
  std::vector<std::string> open_replacements() override;
  void enqueue_line_event(Tx& tx, const SoldLine& line, const std::string& event_id,
                          const std::string& type, const std::string& payload,
                          int64_t now_ms) override;

 private:
  std::optional<Recharge> recharge_where(const std::string& where, const std::string& a,
                                         const std::string& b);
  std::optional<SimReplacement> replacement_where(const std::string& where, const std::string& a,
                                                  const std::string& b);
  PgDatabase& db_;
  const PiiCipher& pii_;
};

}  // namespace cgw::gw::pg
