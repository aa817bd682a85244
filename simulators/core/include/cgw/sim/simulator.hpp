// The interface cgw-sim drives: one object per configured carrier.
#pragma once

#include "cgw/common/http_server.hpp"
#include "cgw/sim/correlation.hpp"
#include "cgw/sim/journal_masking.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

class CarrierSimulator {
 public:
  virtual ~CarrierSimulator() = default;
  virtual std::string_view carrier() const = 0;
  // The HTTP handler to serve (the carrier API and /admin).
  virtual net::Handler handler() = 0;
  virtual void start() = 0;  // background work
  virtual void stop() = 0;   // no new background work

  // For the fault injector of the simulator kit: the carrier operation a
  // request is (e.g. "number.lock"; the path by default) and a business
  // error reply in this carrier's own format (its envelope, HTTP status and
  // content type) for a given carrier code.
  virtual std::string operation_of(const net::Request& req) const {
    auto target = req.target();
    return std::string(target.substr(0, target.find('?')));
  }
  // Every name operation_of() gives a carrier call, so that a fault rule
  // for a name that never occurs (a typo) is refused instead of never
  // firing. Empty: not declared, any name is accepted.
  virtual std::vector<std::string> operations() const { return {}; }
  // Whether the carrier sends callbacks at all: callback chaos on one that
  // does not would be accepted and never apply, so it is refused.
  virtual bool sends_callbacks() const { return true; }
  // Request matching (correlation.hpp): the msisdn, partner order id,
  // carrier order id and lock id of a call, read in this carrier's own
  // protocol from the request and, when given, its reply (null: before the
  // call is served, for a fault rule's match). None by default.
  virtual Correlation correlate(const net::Request& req, const net::Response* res) const {
    (void)req;
    (void)res;
    return {};
  }
  // Which of this carrier's fields the journal masks (journal_masking.hpp).
  // None by default: then only the generic secret headers are hidden.
  virtual JournalMasking journal_masking() const { return {}; }
  // For a saved namespace (docs/simulators-reference.md): the carrier's own
  // state beyond its SimContext (null: none), and back into a carrier just
  // built from the same config ("" or what is wrong).
  virtual boost::json::value save_state() const { return nullptr; }
  virtual std::string restore_state(const boost::json::value& saved) {
    return saved.is_null() ? std::string() : "the carrier keeps no state of its own";
  }
  virtual net::Response business_error(const net::Request& req, std::string_view code) const {
    net::Response res{net::http::status::ok, req.version()};
    res.set(net::http::field::content_type, "application/json");
    res.body() = "{\"code\":\"" + std::string(code) + "\",\"message\":\"injected fault\"}";
    res.prepare_payload();
    return res;
  }
};

}  // namespace cgw::sim
