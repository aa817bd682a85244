// Inbound order callbacks (docs/carriers/telecom.md, "Callbacks"): an XML
// <Notify> signed with HMAC-SHA256(callback_secret, TIMESTAMP "\n" BODY).
#include "reply.hpp"
#include "telecom_plugin.hpp"

#include <cgw/crypto.hpp>

namespace cgw::telecom {
namespace {

constexpr int64_t kClockSkewSeconds = 300;

std::string ack(const char* code, const char* message) {
  // Built with pugixml like every other document, without a declaration so
  // the acknowledgement is exactly <Response><Code>0</Code></Response>.
  pugi::xml_document doc;
  pugi::xml_node r = doc.append_child("Response");
  r.append_child("Code").text().set(code);
  if (message) r.append_child("Message").text().set(message);
  struct Writer final : pugi::xml_writer {
    std::string out;
    void write(const void* d, size_t n) override { out.append(static_cast<const char*>(d), n); }
  } w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

// Refusals answer in the protocol's format; anything but the success
// acknowledgement makes the carrier retry, which is right for a transient
// clock skew. Reasons are fixed texts: nothing from the body reaches logs.
CallbackResult refuse(std::string reason, int status = 401) {
  CallbackResult r = CallbackResult::refuse("telecom callback: " + std::move(reason));
  r.ack_status = status;
  r.ack_content_type = "application/xml; charset=utf-8";
  r.ack_body = ack("1", "refused");
  return r;
}

}  // namespace

CallbackResult TelecomPlugin::parse_callback(const HttpRequest& request) {
  const auto timestamp = request.header("X-Telecom-Timestamp");
  const auto signature = request.header("X-Telecom-Signature");
  if (!timestamp || !signature) return refuse("missing signature headers");
  const auto ts = parse_int(*timestamp);
  const int64_t now = host().now_ms() / 1000;
  // Compared without subtracting first: a huge timestamp must not overflow.
  if (!ts || *ts > now + kClockSkewSeconds || *ts < now - kClockSkewSeconds)
    return refuse("timestamp out of window");
  const std::string expected =
      crypto::hmac_sha256_hex(settings_.callback_secret, *timestamp + "\n" + request.body);
  if (!crypto::equal_constant_time(expected, *signature)) return refuse("bad signature");

  // Content-Type is not checked: the signature already proves the body.
  pugi::xml_document doc;
  if (!xml::parse(request.body, doc) || std::string_view(root_element(doc).name()) != "Notify")
    return refuse("body is not a Notify document", 400);
  CallbackEvent ev;
  try {
    const pugi::xml_node n = root_element(doc);
    if (req_text(n, "EventType") != "ORDER_STATUS")
      throw BadReply("element 'EventType' has an unknown value");
    ev.event_id = req_id(n, "EventId");
    ev.carrier_order_id = req_id(n, "OrderId");
    ev.gateway_order_id = req_id(n, "PartnerOrderId");
    // Every lifecycle status, with its courier or reason (ABI 1.3).
    read_order_status(n, ev);
    ev.occurred_at_ms = req_int(n, "EventTime");
  } catch (const BadReply& e) {
    return refuse(std::string("malformed body: ") + e.what(), 400);
  }

  CallbackResult r;
  r.verified = true;
  r.events.push_back(std::move(ev));
  r.ack_status = 200;
  r.ack_content_type = "application/xml; charset=utf-8";
  r.ack_body = ack("0", nullptr);
  return r;
}

}  // namespace cgw::telecom
