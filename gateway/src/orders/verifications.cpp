#include "orders/verifications.hpp"

#include "carriers/typed_call.hpp"
#include "cgw/common/id_number.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <cgw/types.hpp>

namespace cgw::gw {

namespace json = boost::json;

std::optional<KycVerifyOutput> local_verdict(KycVerifyInput& in, int64_t now_ms) {
  const id::Date today = id::beijing_date(now_ms);
  auto check = id::check_id_number(in.id_number, today);
  if (!check.ok()) return KycVerifyOutput{KycResult::rejected, {code::kIdInvalid}, {}};
  in.id_number = check.normalized;
  // The birth date is in the number: an applicant under 16 cannot open a
  // line online with any carrier, so the (paid) carrier call is saved. A
  // carrier with a higher minimum still refuses on its own check.
  if (id::age_on(check.birth, today) < id::kMinimumApplicantAge)
    return KycVerifyOutput{KycResult::rejected, {code::kUnderage}, {}};
  return std::nullopt;
}

namespace {

boost::asio::awaitable<Result<KycVerifyOutput>> carrier_verdict(Carrier& carrier,
                                                                const KycVerifyInput& in) {
  auto outcome = co_await call<KycVerifyOutput>(carrier, op::kKycVerify, in);
  if (!outcome.ok()) co_return outcome.error();
  // A missing verdict is CARRIER_BAD_RESPONSE already (missing_verdict).
  KycVerifyOutput out = std::move(outcome.value());
  if (*out.result == KycResult::review && out.reasons.empty()) out.reasons = {code::kManualReview};
  co_return out;
}

}  // namespace

boost::asio::awaitable<Result<Verification>> verify(Services& svc, std::string tenant,
                                                    Carrier& carrier, KycVerifyInput in,
                                                    std::function<Status()> admit_carrier_call) {
  std::optional<KycVerifyOutput> out = local_verdict(in, svc.now());
  if (!out) {
    // Each carrier verification is paid: a tenant has a budget.
    if (auto admitted = admit_carrier_call(); !admitted) co_return admitted.error();
    auto verdict = co_await carrier_verdict(carrier, in);
    if (!verdict) co_return verdict.error();
    out = std::move(verdict.value());
  }
  auto v = svc.store.verifications->save(tenant, carrier.config().id, in, *out, svc.now());
  spdlog::info("kyc verification={} carrier={} id={} result={}", v.id, v.carrier,
               v.id_number_masked, v.result);
  co_return v;
}

}  // namespace cgw::gw
