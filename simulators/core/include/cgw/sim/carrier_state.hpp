// Helpers for the carriers' CarrierSimulator::save_state() and
// restore_state() (saved namespaces, docs/simulators-reference.md).
//
// Every carrier keeps its applicants by a keyed hash of the ID number
// (applicant_salt_, random per instance). A restored namespace must hash an
// applicant as before, or quotas and "is this the line's holder" checks
// would forget everyone, so the key is saved with the state; the file is
// written readable by its owner only.
#pragma once

#include "cgw/common/crypto.hpp"

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>

namespace cgw::sim {

inline boost::json::object carrier_state_with_salt(std::string_view salt) {
  return boost::json::object{{"applicant_salt", crypto::to_hex(salt)}};
}

// The saved state as an object holding the salt: "" or what is wrong
// (carrier_state.cpp).
std::string restore_carrier_salt(const boost::json::value& saved, std::string& salt);

// A map of strings as an object, and back ("" or what is wrong).
template <typename Map>
boost::json::object string_map_json(const Map& m) {
  boost::json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
template <typename Map>
std::string restore_string_map(const boost::json::value& saved, std::string_view key, Map& out) {
  const auto* o = saved.if_object();
  const auto* v = o ? o->if_contains(key) : nullptr;
  if (!v || !v->is_object()) return std::string(key) + ": missing or not an object";
  for (const auto& [k, s] : v->as_object()) {
    if (!s.is_string()) return std::string(key) + "." + std::string(k) + ": must be a string";
    out[std::string(k)] = std::string(s.as_string());
  }
  return {};
}

}  // namespace cgw::sim
