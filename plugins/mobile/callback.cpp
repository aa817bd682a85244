// Inbound order callbacks (docs/carriers/mobile.md, "Callbacks"). Nonce
// replay memory is the host's job: the plugin keeps no mutable state.
#include "mobile_plugin.hpp"
#include "operations.hpp"
#include "reply.hpp"
#include "signing.hpp"

#include <cgw/encoding.hpp>

#include <boost/url/parse.hpp>

namespace cgw::mobile {
namespace {

constexpr int64_t kClockSkewSeconds = 300;

// Refusals answer in the protocol's own envelope; any non-success makes the
// carrier retry, which is right for a transient clock skew. Reasons are fixed
// texts, so no personal data from the body can reach logs.
CallbackResult refuse(std::string reason, int status = 401) {
  CallbackResult r = CallbackResult::refuse("mobile callback: " + std::move(reason));
  r.ack_status = status;
  r.ack_content_type = "application/json";
  r.ack_body = R"({"code":"1","message":"refused"})";
  return r;
}

bool plausible_nonce(std::string_view n) {
  if (n.size() < 16 || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

// An order's stage (eventType ORDER, or none: the release before ABI 1.3)
// or a line's status change (eventType SUBSCRIBER: a carrier-initiated
// suspension or resumption).
CallbackEvent read_event(const json::object& o) {
  CallbackEvent ev;
  ev.event_id = req_id(o, "eventId");
  ev.occurred_at_ms = req_int(o, "eventTime");
  const std::string type = opt_string(o, "eventType");
  if (type == "SUBSCRIBER") {
    ev.type = event::kSubscriberStatus;
    ev.msisdn = req_id(o, "msisdn");
    const std::string status = req_string(o, "status");
    if (status == "ACTIVE")
      ev.subscriber_status = SubscriberStatus::active;
    else if (status == "SUSPENDED")
      ev.subscriber_status = SubscriberStatus::suspended;
    else if (status == "CANCELLED")
      ev.subscriber_status = SubscriberStatus::cancelled;
    else
      throw BadReply("field 'status' has an unknown value");
    ev.reason = opt_string(o, "reason");
    return ev;
  }
  if (!type.empty() && type != "ORDER") throw BadReply("field 'eventType' has an unknown value");
  ev.carrier_order_id = req_id(o, "orderId");
  ev.gateway_order_id = req_id(o, "partnerOrderId");
  ActivationStatusOutput fields;
  read_order_fields(o, fields);
  ev.status = fields.status;
  ev.reason = fields.reason.empty() ? opt_string(o, "failReason") : fields.reason;
  ev.courier = fields.courier;
  ev.waybill = fields.waybill;
  ev.amount_fen = fields.amount_fen;
  return ev;
}

}  // namespace

CallbackResult MobilePlugin::parse_callback(const HttpRequest& request) {
  const auto app_id = request.header("X-App-Id");
  const auto timestamp = request.header("X-Timestamp");
  const auto nonce = request.header("X-Nonce");
  const auto sig = request.header("X-Signature");
  if (!app_id || !timestamp || !nonce || !sig) return refuse("missing signature headers");
  if (*app_id != settings_.app_id) return refuse("unknown app id");
  if (!plausible_nonce(*nonce)) return refuse("malformed nonce");
  const auto ts = encoding::parse_decimal(*timestamp);
  if (!ts || !encoding::within_window(host().now_ms() / 1000, *ts, kClockSkewSeconds))
    return refuse("timestamp out of window");

  // The host hands over the path and query it received; an absolute URL is
  // accepted too. Either way TARGET is the path+query exactly as sent.
  auto ref = boost::urls::parse_uri_reference(request.url);
  if (!ref) return refuse("malformed request target", 400);
  const std::string expected = signature(settings_.secret, request.method, ref->encoded_target(),
                                         *timestamp, *nonce, request.body);
  if (!equal_constant_time(expected, *sig)) return refuse("bad signature");

  boost::system::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return refuse("body is not a JSON object", 400);
  CallbackEvent ev;
  try {
    ev = read_event(body.get_object());
  } catch (const BadReply& e) {
    return refuse(std::string("malformed body: ") + e.what(), 400);
  }

  CallbackResult r;
  r.verified = true;
  r.events.push_back(std::move(ev));
  r.ack_status = 200;
  r.ack_content_type = "application/json";
  r.ack_body = R"({"code":"0","message":"success"})";
  return r;
}

}  // namespace cgw::mobile
