// Real-name verification (KYC) of an applicant: the ID number's structure,
// check digit and birth date are checked here (a bad number or an applicant
// under the minimum age never costs a paid carrier call), then the carrier
// gives its verdict, which is stored with the ID number and name sealed.
// No HTTP here: the API parses and validates the request and maps errors.
#pragma once

#include "carriers/services.hpp"
#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>

namespace cgw::gw {

// The verdict the gateway reaches without the carrier (rejected with
// ID_INVALID or UNDERAGE), or nullopt when the carrier must be asked. A
// valid ID number is normalized in `in` (full-width digits, a lowercase x).
std::optional<KycVerifyOutput> local_verdict(KycVerifyInput& in, int64_t now_ms);

// Verifies `in` for `tenant` with `carrier` (which offers KYC) and stores
// the verdict. `admit_carrier_call` is asked before the paid carrier call
// (the tenant's budget); its error is returned as is, as is a carrier's.
// PLUGIN_ERROR when the plugin's verdict is none of passed, rejected, review.
boost::asio::awaitable<Result<Verification>> verify(Services& svc, std::string tenant,
                                                    Carrier& carrier, KycVerifyInput in,
                                                    std::function<Status()> admit_carrier_call);

}  // namespace cgw::gw
