// Request matching: the correlation fields a carrier call carries (msisdn,
// partner and carrier order ids, lock id), read in each carrier's own
// protocol, and the generic lookup of a named field in a message (a JSON
// key or dotted path, a form parameter, an XML element, or a query
// parameter). The journal records the correlation of every call; fault
// rules match on it (fault_injector.hpp, FaultMatch).
#pragma once

#include "cgw/common/http_server.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct Correlation {
  std::string msisdn;
  std::string partner_order_id;  // the partner's own order reference
  std::string carrier_order_id;
  std::string lock_id;
  bool empty() const {
    return msisdn.empty() && partner_order_id.empty() && carrier_order_id.empty() &&
           lock_id.empty();
  }
};

// The value of `field` in a message body of `content_type`:
//   JSON (application/json, */*+json): a top-level key or a dotted path
//     ("contact.phone"); a string, number or boolean value as text;
//   form (application/x-www-form-urlencoded): a parameter;
//   XML (application/xml, text/xml, */*+xml): an element's text, by dotted
//     path below the root ("Order.Number") or, undotted, the first element
//     of that name anywhere.
// nullopt when absent or the body does not parse as its type.
std::optional<std::string> body_field(std::string_view content_type, std::string_view body,
                                      std::string_view field);
// A query parameter of the target (decoded), nullopt when absent.
std::optional<std::string> query_field(std::string_view target, std::string_view field);
// body_field of the request, else its query parameter: what a fault rule's
// `match.body` names.
std::optional<std::string> request_field(const net::Request& req, std::string_view field);

// The field names a carrier's correlation is read from, tried in order,
// each in the request (body, then query) and then in the reply body.
struct CorrelationFields {
  std::vector<std::string> msisdn, partner_order_id, carrier_order_id, lock_id;
};
// `res` may be null (before the call is served: a fault rule's match).
Correlation correlate_by_fields(const CorrelationFields& fields, const net::Request& req,
                                const net::Response* res);

}  // namespace cgw::sim
