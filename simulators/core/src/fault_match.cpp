// A fault rule's "match": which calls of its operation it applies to.
#include "cgw/sim/fault_injector.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace cgw::sim {

namespace json = boost::json;

namespace {

constexpr size_t kMaxMatchValue = 256;
constexpr size_t kMaxMatchEntries = 16;

// An HTTP header name (RFC 9110 token).
bool valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// {"name": "value", ...} of strings; "" or what is wrong.
std::string pairs_from_json(const json::value& v, const char* what, bool header,
                            std::vector<std::pair<std::string, std::string>>& out) {
  const std::string key = std::string("match.") + what;
  if (!v.is_object() || v.as_object().empty())
    return key + " must be a non-empty object of " + (header ? "header names" : "field names") +
           " to string values";
  if (v.as_object().size() > kMaxMatchEntries)
    return key + " takes at most " + std::to_string(kMaxMatchEntries) + " entries";
  for (const auto& [name, value] : v.as_object()) {
    if (header ? !valid_header_name(name) : (name.empty() || name.size() > kMaxMatchValue))
      return key + ": '" + std::string(name) + "' is not a valid " +
             (header ? "header name" : "field name (1-256 characters)");
    if (!value.is_string() || value.as_string().size() > kMaxMatchValue)
      return key + "." + std::string(name) + " must be a string of at most 256 characters";
    out.emplace_back(std::string(name), std::string(value.as_string()));
  }
  return {};
}

std::string id_from_json(const json::object& o, const char* name, std::string& out) {
  const auto* v = o.if_contains(name);
  if (!v) return {};
  const std::string key = std::string("match.") + name;
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > 64)
    return key + " must be a non-empty string of at most 64 characters";
  out = v->as_string();
  return {};
}

json::object pairs_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json::object o;
  for (const auto& [k, v] : pairs) o[k] = v;
  return o;
}

}  // namespace

std::string fault_match_from_json(const json::value& v, FaultMatch& out) {
  constexpr const char* kKnown = "msisdn, order_id, header, body";
  if (!v.is_object()) return std::string("match must be an object with any of ") + kKnown;
  const auto& o = v.as_object();
  for (const auto& [key, unused] : o) {
    (void)unused;
    if (key != "msisdn" && key != "order_id" && key != "header" && key != "body")
      return "match: unknown key '" + std::string(key) + "' (known: " + kKnown + ")";
  }
  if (o.empty()) return std::string("match must name at least one of ") + kKnown;
  std::string err;
  if (!(err = id_from_json(o, "msisdn", out.msisdn)).empty()) return err;
  if (!out.msisdn.empty() &&
      (out.msisdn.size() != 11 || !std::all_of(out.msisdn.begin(), out.msisdn.end(),
                                               [](char c) { return c >= '0' && c <= '9'; })))
    return "match.msisdn must be 11 digits";
  if (!(err = id_from_json(o, "order_id", out.order_id)).empty()) return err;
  if (const auto* h = o.if_contains("header"))
    if (!(err = pairs_from_json(*h, "header", true, out.headers)).empty()) return err;
  if (const auto* b = o.if_contains("body"))
    if (!(err = pairs_from_json(*b, "body", false, out.body)).empty()) return err;
  return {};
}

json::object to_json(const FaultMatch& m) {
  json::object o;
  if (!m.msisdn.empty()) o["msisdn"] = m.msisdn;
  if (!m.order_id.empty()) o["order_id"] = m.order_id;
  if (!m.headers.empty()) o["header"] = pairs_json(m.headers);
  if (!m.body.empty()) o["body"] = pairs_json(m.body);
  return o;
}

bool fault_match_holds(const FaultMatch& m, const MatchSubject& s) {
  const Correlation& c = s.correlation;
  if (!m.msisdn.empty() && c.msisdn != m.msisdn) return false;
  if (!m.order_id.empty() && c.partner_order_id != m.order_id && c.carrier_order_id != m.order_id)
    return false;
  for (const auto& [name, value] : m.headers) {
    auto got = s.header ? s.header(name) : std::nullopt;
    if (!got || *got != value) return false;
  }
  for (const auto& [field, value] : m.body) {
    auto got = s.field ? s.field(field) : std::nullopt;
    if (!got || *got != value) return false;
  }
  return true;
}

}  // namespace cgw::sim
