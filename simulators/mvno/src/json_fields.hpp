// Strict readers for request fields: a field of the wrong type is a
// parameter error (1101), never a silent default.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim::mvno {

enum class Field { kMissing, kBad, kOk };

// A string of 1..max_len bytes.
inline Field read_string(const boost::json::object& o, std::string_view key, std::string& out,
                         size_t max_len = 256) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return Field::kMissing;
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > max_len)
    return Field::kBad;
  out.assign(v->as_string().data(), v->as_string().size());
  return Field::kOk;
}

inline bool required_string(const boost::json::object& o, std::string_view key, std::string& out,
                            size_t max_len = 256) {
  return read_string(o, key, out, max_len) == Field::kOk;
}

inline Field read_int(const boost::json::object& o, std::string_view key, int64_t& out) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return Field::kMissing;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= INT64_MAX) {
    out = static_cast<int64_t>(v->as_uint64());
  } else {
    return Field::kBad;
  }
  return Field::kOk;
}

inline bool is_number_format(std::string_view n) {
  if (n.size() != 11) return false;
  for (char c : n)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace cgw::sim::mvno
