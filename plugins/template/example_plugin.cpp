// cgw plugin template for an imaginary carrier API (README.md): copy, rename
// `example`, replace each TODO(partner); docs/plugin-guide.md walks through
// it. Sans-I/O: it describes requests and reads replies; it never blocks,
// logs personal data or keeps per-call state in members (calls run at once).
#include <cgw/crypto.hpp>
#include <cgw/dispatch.hpp>
#include <cgw/encoding.hpp>
#include <cgw/plugin.hpp>
#include <cgw/reply.hpp>
#include <cgw/settings.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <variant>

namespace {

using namespace cgw;

// The carrier's `settings` block, validated once (the host adds the URLs).
struct Settings {
  std::string base_url, callback_url, partner_id, secret;
  uint32_t timeout_ms = 0;  // 0: the gateway's request_timeout for this carrier
  explicit Settings(const json::object& node) {
    const SettingsReader in("example", node);  // errors name the key, never the value
    base_url = in.url("base_url").buffer();
    callback_url = in.url("callback_url", /*base=*/false).buffer();
    partner_id = in.text("partner_id");
    secret = in.text("secret");
    timeout_ms = in.timeout_ms();
  }
};

// TODO(partner): your carrier's signature scheme. This one is
// hex(HMAC-SHA256(secret, partner_id \n timestamp \n nonce \n path \n body)).
std::string signature(const Settings& s, const std::string& timestamp, const std::string& nonce,
                      const std::string& path, const std::string& body) {
  return crypto::hmac_sha256_hex(
      s.secret, s.partner_id + "\n" + timestamp + "\n" + nonce + "\n" + path + "\n" + body);
}

// TODO(partner): your carrier's business codes (docs/plugin-guide.md has the
// rules). Fixed texts only: a carrier's own message may echo personal data.
constexpr std::array<CodeRule, 12> kCodes{{
    {"AUTH_FAILED", code::kCarrierAuthFailed, false, "signature refused"},
    {"CLOCK_SKEW", code::kCarrierAuthFailed, true, "timestamp out of window"},
    {"NONCE_REUSED", code::kCarrierAuthFailed, true, "nonce reused"},
    {"BAD_REQUEST", code::kInvalidArgument, false, "request refused as malformed"},
    {"NUMBER_TAKEN", code::kNumberUnavailable, false, "number held or sold"},
    {"NUMBER_UNKNOWN", code::kNumberUnavailable, false, "number unknown"},
    {"HOLD_EXPIRED", code::kReservationExpired, false, "hold expired"},
    {"HOLD_UNKNOWN", code::kReservationNotFound, false, "hold unknown"},
    {"PLAN_UNKNOWN", code::kPlanNotFound, false, "plan unknown"},
    {"ORDER_UNKNOWN", code::kOrderNotFound, false, "order unknown"},
    {"LINE_QUOTA", code::kQuotaExceeded, false, "line quota of the applicant reached"},
    {"BUSY", code::kCarrierUnavailable, true, "carrier busy"},
}};

// TODO(partner): your carrier's KYC reason codes -> the gateway's reasons.
constexpr std::array<NameRule, 9> kKycReasons{{{"ID_INVALID", "ID_INVALID"},
                                               {"NAME_MISMATCH", "ID_NAME_MISMATCH"},
                                               {"ID_UNKNOWN", "ID_NOT_FOUND"},
                                               {"ID_REVOKED", "ID_INVALIDATED"},
                                               {"UNDERAGE", "UNDERAGE"},
                                               {"FACE_MISMATCH", "FACE_MISMATCH"},
                                               {"LIVENESS_FAILED", "LIVENESS_FAILED"},
                                               {"BLACKLISTED", "BLACKLISTED"},
                                               {"LINE_QUOTA", "QUOTA_EXCEEDED"}}};

Error business_error(std::string_view c) {
  if (auto e = map_code(kCodes, c, "example: ")) return *e;
  // The carrier re-checks the applicant at order time: name the reason.
  const auto reason = lookup(kKycReasons, c);
  const std::string cc(c), text = reason ? std::string(*reason) : "example: refused (" + cc + ")";
  return Error{code::kCarrierRejected, text, cc, false, false};
}

// processing / active / failed -> submitted / activated / failed.
ActivationStatusOutput order_status(const json::object& d) {
  constexpr std::pair<std::string_view, OrderStatus> kStates[] = {
      {"processing", OrderStatus::submitted},
      {"active", OrderStatus::activated},
      {"failed", OrderStatus::failed}};
  const auto status = lookup(kStates, req_string(d, "state"));
  if (!status) throw BadReply("field 'state' has an unknown value");
  return {req_id(d, "order_id"), *status, opt_string(d, "fail_reason")};
}

// One call: POST `path` with a JSON body. Each operation prepares one from its
// typed input and reads the `data` of a success (docs/sdk.md §13).
struct Post {
  const char* path;
  json::object body;
};
using Prepared = cgw::Prepared<Post>;

// TODO(partner): your endpoints, one prepare/finish pair per operation.
Prepared plans_prepare(const json::value&, const Settings&) {
  return Post{"/v1/plans/list", {}};
}
json::value plans_finish(const json::object& d, const NoState&) {
  PlansListOutput out;
  for (const auto& v : req_array(d, "plans")) {
    const auto& p = as_object(v, "plans[]");
    out.plans.push_back({req_id(p, "code"), req_string(p, "name"), req_int(p, "monthly_fee_fen"),
                         req_int(p, "data_mb"), req_int(p, "voice_minutes")});
  }
  return json::value_from(out);
}

Prepared inventory_prepare(const InventorySyncInput& i, const Settings&) {
  // TODO(partner): this API has no change feed, so the results leave
  // `change_cursor` empty and the gateway runs full syncs only; `since`
  // never comes then, and is refused if it does (docs/sdk.md §10.2).
  if (!i.since.empty())
    return invalid_input("example inventory.sync: ", "no change feed ('since')");
  // Ask for big pages: the gateway syncs inventories of a million numbers.
  return Post{"/v1/numbers/list",
              {{"cursor", i.cursor}, {"limit", std::clamp<int64_t>(i.page_size, 1, 500)}}};
}
json::value inventory_finish(const json::object& d, const NoState&) {
  constexpr std::pair<std::string_view, NumberState> kStates[] = {{"free", NumberState::available},
                                                                  {"held", NumberState::reserved},
                                                                  {"sold", NumberState::sold}};
  InventorySyncOutput out;
  for (const auto& v : req_array(d, "numbers")) {
    const auto& n = as_object(v, "numbers[]");
    const auto status = lookup(kStates, req_string(n, "state"));
    if (!status) throw BadReply("field 'state' has an unknown value");
    // Fields are set by name: SDK structs may grow new members at the end.
    NumberItem item;
    item.msisdn = req_id(n, "msisdn");
    item.province = opt_string(n, "province");
    item.city = opt_string(n, "city");
    item.price_fen = req_int(n, "price_fen");
    item.status = *status;
    out.items.push_back(std::move(item));
  }
  out.next_cursor = opt_string(d, "next_cursor");
  out.has_more = !out.next_cursor.empty();  // this API ends with an empty cursor
  return json::value_from(out);
}

Prepared reserve_prepare(const ReserveInput& i, const Settings&) {
  if (i.msisdn.empty()) return required_input("example number.reserve: ", "msisdn");
  const int64_t minutes = i.hold_seconds <= 0 ? 30 : (i.hold_seconds + 59) / 60;
  return Post{
      "/v1/holds/create",
      {{"msisdn", i.msisdn}, {"partner_ref", i.gateway_reservation_id}, {"minutes", minutes}}};
}
json::value reserve_finish(const json::object& d, const NoState&) {
  return json::value_from(ReserveOutput{req_id(d, "hold_id"), req_int(d, "expires_at_ms")});
}

Prepared release_prepare(const ReleaseInput& i, const Settings&) {
  if (i.carrier_reservation_id.empty())
    return required_input("example number.release: ", "carrier_reservation_id");
  return Post{"/v1/holds/release", {{"msisdn", i.msisdn}, {"hold_id", i.carrier_reservation_id}}};
}
json::value release_finish(const json::object&, const NoState&) {
  return json::value_from(ReleaseOutput{true});
}

Prepared kyc_prepare(const KycVerifyInput& i, const Settings&) {
  if (i.name.empty() || i.id_number.empty())
    return invalid_input("example kyc.verify: ", "'name' and 'id_number' are required");
  return Post{
      "/v1/identity/check",
      {{"name", i.name}, {"id_number", i.id_number}, {"portrait", i.portrait_b64.value_or("")}}};
}
json::value kyc_finish(const json::object& d, const NoState&) {
  constexpr std::pair<std::string_view, KycResult> kVerdicts[] = {
      {"pass", KycResult::passed}, {"reject", KycResult::rejected}, {"review", KycResult::review}};
  const auto verdict = lookup(kVerdicts, req_string(d, "verdict"));
  if (!verdict) throw BadReply("field 'verdict' has an unknown value");
  KycVerifyOutput out{*verdict, {}, req_id(d, "check_id")};
  if (const auto reason = opt_string(d, "reason"); !reason.empty())
    out.reasons.emplace_back(lookup(kKycReasons, reason).value_or("UNKNOWN"));
  return json::value_from(out);
}

Prepared submit_prepare(const ActivationSubmitInput& i, const Settings& s) {
  if (i.gateway_order_id.empty())
    return required_input("example activation.submit: ", "gateway_order_id");
  return Post{"/v1/orders/create",
              {{"partner_order_id", i.gateway_order_id},
               {"msisdn", i.msisdn},
               {"hold_id", i.carrier_reservation_id},
               {"plan_code", i.plan_id},
               {"applicant", {{"name", i.name}, {"id_number", i.id_number}}},
               {"delivery", json::value_from(i.delivery)},
               {"notify_url", s.callback_url}}};
}
Prepared query_prepare(const ActivationQueryInput& i, const Settings&) {
  if (i.gateway_order_id.empty() && i.carrier_order_id.empty())
    return invalid_input("example activation.query: ",
                         "'gateway_order_id' or 'carrier_order_id' is required");
  return Post{"/v1/orders/get",
              {{"partner_order_id", i.gateway_order_id}, {"order_id", i.carrier_order_id}}};
}
json::value order_finish(const json::object& d, const NoState&) {
  return json::value_from(order_status(d));
}

class ExamplePlugin final : public CarrierPlugin {
 public:
  ExamplePlugin(HostApi host, const json::object& settings)
      : CarrierPlugin(host),
        settings_(settings),
        // TODO(partner): your carrier's envelope. This one is the common
        // {"code":"OK","data":{...}} / {"code":"NUMBER_TAKEN","message":"..."}.
        ops_("example", [](const HttpResponse& r, const OpTraits& op, std::string_view prefix) {
          return unwrap_json(r, prefix, op, JsonEnvelope{"code", "OK", "data", 32}, business_error);
        }) {
    const auto sign = [this](const Post& p) { return request(p.path, json::serialize(p.body)); };
    const Settings& s = settings_;
    // TODO(partner): {name, writes, unknown_on_5xx, replayable} per operation.
    ops_.call({op::kPlansList, false, false, true}, s, &plans_prepare, sign, &plans_finish);
    ops_.call({op::kInventorySync, false, false, true}, s, &inventory_prepare, sign,
              &inventory_finish);
    ops_.call({op::kNumberReserve, true, false, false}, s, &reserve_prepare, sign, &reserve_finish);
    ops_.call({op::kNumberRelease, true, false, false}, s, &release_prepare, sign, &release_finish);
    ops_.call({op::kKycVerify, false, false, false}, s, &kyc_prepare, sign, &kyc_finish);
    // The carrier deduplicates orders on partner_order_id: safe to resend.
    ops_.call({op::kActivationSubmit, true, true, true}, s, &submit_prepare, sign, &order_finish);
    ops_.call({op::kActivationQuery, false, false, true}, s, &query_prepare, sign, &order_finish);
  }

  Step start(std::string_view op, const json::value& in) override { return ops_.start(op, in); }
  Step resume(const json::value& s, const HttpResponse& r) override { return ops_.resume(s, r); }
  CallbackResult parse_callback(const HttpRequest& req) override;

 private:
  HttpRequest request(const std::string& path, std::string body) const {
    HttpRequest req;
    req.url = settings_.base_url + path;
    req.body = std::move(body);
    req.timeout_ms = settings_.timeout_ms;
    const std::string ts = std::to_string(host().now_ms() / 1000), nonce = host().random_hex(16);
    req.headers = {{"Content-Type", "application/json"},
                   {"X-Partner-Id", settings_.partner_id},
                   {"X-Timestamp", ts},
                   {"X-Nonce", nonce},
                   {"X-Signature", signature(settings_, ts, nonce, path, req.body)}};
    return req;
  }

  const Settings settings_;  // read-only after construction
  Dispatcher ops_;
};

CallbackResult refuse(const std::string& why) {
  CallbackResult r = CallbackResult::refuse("example callback: " + why);
  r.ack_content_type = "application/json";
  r.ack_body = R"({"ok":false})";
  return r;
}

// TODO(partner): your carrier's callback format and acknowledgement.
CallbackResult ExamplePlugin::parse_callback(const HttpRequest& req) {
  const auto ts = req.header("X-Timestamp"), nonce = req.header("X-Nonce");
  const auto sig = req.header("X-Signature");
  if (req.header("X-Partner-Id") != settings_.partner_id || !ts || !nonce || !sig)
    return refuse("missing or foreign signature headers");
  const auto sent = encoding::parse_decimal(*ts);
  if (!sent) return refuse("malformed timestamp");
  if (!encoding::within_window(host().now_ms() / 1000, *sent, 300))
    return refuse("timestamp out of window");
  // The target exactly as received (path and query) is what was signed.
  if (!crypto::equal_constant_time(*sig, signature(settings_, *ts, *nonce, req.url, req.body)))
    return refuse("bad signature");
  boost::system::error_code ec;
  const json::value body = json::parse(req.body, ec);
  if (ec || !body.is_object()) return refuse("body is not a JSON object");
  const json::object& b = body.get_object();
  CallbackResult r;
  try {
    const auto status = order_status(b);
    r.events.push_back(CallbackEvent{"activation.status", req_id(b, "event_id"),
                                     status.carrier_order_id, req_string(b, "partner_order_id"),
                                     status.status, status.reason, req_int(b, "occurred_at_ms")});
  } catch (const BadReply& e) {
    return refuse(std::string("malformed body: ") + e.what());
  }
  r.verified = true;
  r.ack_content_type = "application/json";
  r.ack_body = R"({"ok":true})";
  return r;
}

}  // namespace

// TODO(partner): your plugin's name, version, carrier kind and capabilities.
CGW_EXPORT_PLUGIN(ExamplePlugin, "example", "0.1.0", CGW_CARRIER_MVNO,
                  CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE | CGW_CAP_KYC |
                      CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS)
