// KYC verifications: the verdict, masked copies for display and the
// sealed PII (core/pii.hpp) the carrier needs at submit time.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cgw/types.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cgw::gw {

class VerificationRepository {
 public:
  virtual ~VerificationRepository() = default;
  virtual Verification save(const std::string& tenant, const std::string& carrier,
                            const KycVerifyInput& input, const KycVerifyOutput& outcome,
                            int64_t now_ms) = 0;
  virtual std::optional<Verification> get(const std::string& tenant, const std::string& id) = 0;
  // Inside a write: carrier and result only (what an activation checks).
  virtual std::optional<Verification> get_in(Tx& tx, const std::string& tenant,
                                             const std::string& id) = 0;
  // Verifications made for this ID number, any tenant or carrier: the
  // equality lookup behind per-ID checks. It matches the hash under every
  // configured key, so rows a rotation has not reached yet still count.
  virtual int64_t count_for_id_number(const std::string& id_number) = 0;
};

}  // namespace cgw::gw
