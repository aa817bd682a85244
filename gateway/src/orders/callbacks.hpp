// Carrier callbacks: a carrier's report that an activation moved on. The
// carrier's plugin verifies the request (signature, timestamp, shape) and
// turns it into events; each event is recorded by (carrier, event id) and
// applied to its activation in one store transaction, so a duplicate
// changes nothing. No HTTP statuses here: the API maps the errors.
#pragma once

#include "carriers/services.hpp"
#include "core/error.hpp"

#include "cgw/common/http_server.hpp"

#include <string>

namespace cgw::gw {

class ActivationEngine;

// The callback request as the carrier sent it.
struct CallbackRequest {
  std::string method, target;
  net::HeaderList headers;
  std::string body;
};

// The acknowledgement the carrier's protocol expects, to be sent once the
// events are durable.
struct CallbackAck {
  int http_status = 200;
  std::string content_type, body;
};

// UNKNOWN_CARRIER: no carrier `carrier_id`, or one that sends no callbacks;
// CALLBACK_REJECTED: the request failed the plugin's verification;
// PLUGIN_ERROR: the plugin returned malformed events. An order the events
// settle is told to `engine` (ActivationEngine::settled).
Result<CallbackAck> receive_callback(Services& svc, ActivationEngine& engine,
                                     const std::string& carrier_id, const CallbackRequest& request);

}  // namespace cgw::gw
