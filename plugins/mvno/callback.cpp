// Inbound order callbacks (docs/carriers/mvno.md, "Callbacks"), signed with
// the carrier's private key and verified here with its public key. Nonce
// replay memory is the host's job (it records events by id): the plugin
// keeps no mutable state.
#include "mvno_plugin.hpp"
#include "reply.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace cgw::mvno {
namespace {

constexpr int64_t kClockSkewMs = 300'000;

// Refusals answer in the protocol's own format; any answer but the
// acknowledgement makes the carrier retry, which is right for a transient
// clock skew. Reasons are fixed texts, so no personal data from the body
// can reach logs.
CallbackResult refuse(std::string reason, int status = 401) {
  CallbackResult r = CallbackResult::refuse("mvno callback: " + std::move(reason));
  r.ack_status = status;
  r.ack_content_type = "text/plain";
  r.ack_body = "FAIL";
  return r;
}

std::optional<int64_t> parse_millis(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || s.size() > 15 || s.front() == '-' || s.front() == '+') return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool plausible_nonce(std::string_view n) {
  if (n.size() < 16 || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

// An order's (activation's or SIM replacement's) new status.
CallbackEvent order_event(const json::object& o) {
  CallbackEvent ev;
  ev.type = event::kActivationStatus;
  ev.event_id = req_id(o, "notifyId");
  ev.carrier_order_id = req_id(o, "orderNo");
  ev.gateway_order_id = req_id(o, "partnerOrderNo");
  OrderState st = read_order_state(o);
  ev.status = st.status;
  ev.reason = std::move(st.reason);
  ev.courier = std::move(st.courier);
  ev.waybill = std::move(st.waybill);
  ev.amount_fen = st.amount_fen;
  ev.occurred_at_ms = req_int(o, "notifyTime");
  return ev;
}

// A line suspended or resumed by the carrier itself (anti-fraud
// re-verification) or at the partner's request.
CallbackEvent line_event(const json::object& o) {
  CallbackEvent ev;
  ev.type = event::kSubscriberStatus;
  ev.event_id = req_id(o, "notifyId");
  ev.msisdn = req_id(o, "msisdn");
  const auto status = line_status(req_string(o, "lineStatus"));
  if (!status) throw BadReply("field 'lineStatus' has an unknown value");
  ev.subscriber_status = *status;
  ev.reason = read_reason(o, "reasonCode");
  ev.occurred_at_ms = req_int(o, "notifyTime");
  return ev;
}

}  // namespace

CallbackResult MvnoPlugin::parse_callback(const HttpRequest& request) {
  const auto partner = request.header("X-Partner-Id");
  const auto timestamp = request.header("X-Timestamp");
  const auto nonce = request.header("X-Nonce");
  const auto sign_type = request.header("X-Sign-Type");
  const auto sig = request.header("X-Signature");
  if (!partner || !timestamp || !nonce || !sign_type || !sig)
    return refuse("missing signature headers");
  if (*partner != settings_.partner_id) return refuse("addressed to another partner");
  if (*sign_type != kSignType) return refuse("unsupported sign type");
  if (!plausible_nonce(*nonce)) return refuse("malformed nonce");
  const auto ts = parse_millis(*timestamp);
  const int64_t now = host().now_ms();
  // Compared without subtracting first: a huge timestamp must not overflow.
  if (!ts || *ts > now + kClockSkewMs || *ts < now - kClockSkewMs)
    return refuse("timestamp out of window");

  // The host hands over the path and query it received; an absolute URL is
  // accepted too. Either way TARGET is the path+query exactly as sent.
  auto ref = boost::urls::parse_uri_reference(request.url);
  if (!ref) return refuse("malformed request target", 400);
  const std::string signed_text =
      canonical_string(request.method, ref->encoded_target(), *timestamp, *nonce, request.body);
  if (!verify_base64(settings_.carrier_public_key.get(), signed_text, *sig))
    return refuse("bad signature");

  boost::system::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return refuse("body is not a JSON object", 400);
  CallbackEvent ev;
  try {
    const json::object& o = body.get_object();
    // Callbacks of the first release carry no notifyType: order statuses.
    const std::string type = opt_string(o, "notifyType");
    if (type.empty() || type == "ORDER_STATUS")
      ev = order_event(o);
    else if (type == "LINE_STATUS")
      ev = line_event(o);
    else
      throw BadReply("field 'notifyType' has an unknown value");
  } catch (const BadReply& e) {
    return refuse(std::string("malformed body: ") + e.what(), 400);
  }

  CallbackResult r;
  r.verified = true;
  r.events.push_back(std::move(ev));
  r.ack_status = 200;
  r.ack_content_type = "text/plain";
  r.ack_body = "SUCCESS";
  return r;
}

}  // namespace cgw::mvno
