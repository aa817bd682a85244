#include "cgw/sim/carrier_state.hpp"

namespace cgw::sim {

// GCC 12 at -O3 reports a false -Wstringop-overread for copying the
// decoded bytes into `salt` (it mixes up the small-string buffer). Clang
// has no such warning (and refuses to ignore an unknown one).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
std::string restore_carrier_salt(const boost::json::value& saved, std::string& salt) {
  const auto* o = saved.if_object();
  const auto* v = o ? o->if_contains("applicant_salt") : nullptr;
  if (!v || !v->is_string()) return "applicant_salt: missing";
  auto bytes = crypto::from_hex(v->as_string());
  if (!bytes || bytes->size() != 32) return "applicant_salt: not 32 bytes of hex";
  salt = std::move(*bytes);
  return {};
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace cgw::sim
