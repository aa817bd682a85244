// cgw plugin template: every v1 operation against an imaginary carrier API,
// "Example Carrier" (README.md describes its protocol). Copy this directory,
// rename `example`, and replace what is marked TODO(partner) with your
// carrier's protocol. docs/plugin-guide.md walks through it.
//
// The plugin is sans-I/O: start() and resume() only describe HTTP requests
// (SEND steps) and turn replies into results; the gateway performs the
// requests. Nothing here may block, sleep, log personal data or keep
// per-call state in members (calls run concurrently on one instance).
// The SDK helpers (docs/sdk.md, "Helpers") do the generic work: settings,
// transport and HTTP error mapping, reply field checks, crypto, dispatch.
#include <cgw/crypto.hpp>
#include <cgw/dispatch.hpp>
#include <cgw/encoding.hpp>
#include <cgw/plugin.hpp>
#include <cgw/reply.hpp>
#include <cgw/settings.hpp>

#include <boost/describe.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <variant>

namespace {

using namespace cgw;

// The carrier's `settings` block of gateway.yaml, validated once. The host
// fills base_url and callback_url, and resolves secret references.
struct Settings {
  std::string base_url, callback_url, partner_id, secret;
  uint32_t timeout_ms = 0;  // 0: the gateway's request_timeout for this carrier

  explicit Settings(const YAML::Node& node) {
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
  const std::string cc(c);
  // The carrier re-checks the applicant at order time: name the reason.
  if (auto reason = lookup(kKycReasons, c))
    return Error{code::kCarrierRejected, std::string(*reason), cc, false, false};
  return Error{code::kCarrierRejected, "example: carrier refused (" + cc + ")", cc, false, false};
}

// TODO(partner): your carrier's envelope. The transport and HTTP rules
// (http_error) are the SDK's and stay.
std::variant<json::object, Error> unwrap(const HttpResponse& r, std::string_view prefix,
                                         const OpTraits& op) {
  if (auto e = http_error(r, prefix, op)) return std::move(*e);
  boost::system::error_code ec;
  const json::value body = json::parse(r.body, ec);
  const json::object* env = ec ? nullptr : body.if_object();
  const json::value* ok = env ? env->if_contains("ok") : nullptr;
  if (!ok || !ok->is_bool()) return bad_reply(prefix, op, "not the JSON envelope");
  if (!ok->get_bool()) {
    const json::value* err = env->if_contains("error");
    const json::value* c =
        err && err->is_object() ? err->get_object().if_contains("code") : nullptr;
    // Copied into carrier_code: only a short, plain code, never free text.
    if (!c || !c->is_string() || !plausible_code(c->get_string(), 32))
      return bad_reply(prefix, op, "error without a plain code");
    return business_error(c->get_string());
  }
  const json::value* data = env->if_contains("data");
  if (!data || !data->is_object()) return bad_reply(prefix, op, "no data object");
  return data->get_object();
}

// processing / active / failed -> submitted / activated / failed.
ActivationStatusOutput order_status(const json::object& d) {
  ActivationStatusOutput out{req_id(d, "order_id"), req_string(d, "state"),
                             opt_string(d, "fail_reason")};
  constexpr std::array<NameRule, 3> kStates{
      {{"processing", "submitted"}, {"active", "activated"}, {"failed", "failed"}}};
  const auto status = lookup(kStates, out.status);
  if (!status) throw BadReply("field 'state' has an unknown value");
  out.status = std::string(*status);
  return out;
}

// This protocol needs nothing carried from a request to its reply.
struct NoState {};
BOOST_DESCRIBE_STRUCT(NoState, (), ())

using Body = std::variant<json::object, Error>;
Error required(std::string_view op, const char* field) {
  return Error{code::kInvalidArgument,
               "example " + std::string(op) + ": '" + field + "' is required",
               {},
               false,
               false};
}

class ExamplePlugin final : public CarrierPlugin {
 public:
  ExamplePlugin(HostApi host, const YAML::Node& settings)
      : CarrierPlugin(host), settings_(settings), ops_("example") {
    // TODO(partner): your endpoints. {name, writes, unknown_on_5xx, replayable}
    call<json::value>(
        {op::kPlansList, false, false, true}, "/v1/plans/list",
        [](const json::value&) -> Body { return json::object{}; }, read_plans);
    call<InventorySyncInput>({op::kInventorySync, false, false, true}, "/v1/numbers/list",
                             inventory_body, read_numbers);
    call<ReserveInput>(
        {op::kNumberReserve, true, false, false}, "/v1/holds/create",
        [](const ReserveInput& i) -> Body {
          if (i.msisdn.empty()) return required(op::kNumberReserve, "msisdn");
          const int64_t minutes = i.hold_seconds <= 0 ? 30 : (i.hold_seconds + 59) / 60;
          return json::object{{"msisdn", i.msisdn},
                              {"partner_ref", i.gateway_reservation_id},
                              {"minutes", minutes}};
        },
        [](const json::object& d) {
          return json::value_from(ReserveOutput{req_id(d, "hold_id"), req_int(d, "expires_at_ms")});
        });
    call<ReleaseInput>(
        {op::kNumberRelease, true, false, false}, "/v1/holds/release",
        [](const ReleaseInput& i) -> Body {
          if (i.carrier_reservation_id.empty())
            return required(op::kNumberRelease, "carrier_reservation_id");
          return json::object{{"msisdn", i.msisdn}, {"hold_id", i.carrier_reservation_id}};
        },
        [](const json::object&) { return json::value_from(ReleaseOutput{true}); });
    call<KycVerifyInput>({op::kKycVerify, false, false, false}, "/v1/identity/check", kyc_body,
                         read_kyc);
    // The carrier deduplicates orders on partner_order_id: safe to resend.
    call<ActivationSubmitInput>(
        {op::kActivationSubmit, true, true, true}, "/v1/orders/create",
        [this](const ActivationSubmitInput& i) { return submit_body(i); },
        [](const json::object& d) { return json::value_from(order_status(d)); });
    call<ActivationQueryInput>(
        {op::kActivationQuery, false, false, true}, "/v1/orders/get",
        [](const ActivationQueryInput& i) -> Body {
          if (i.gateway_order_id.empty() && i.carrier_order_id.empty())
            return required(op::kActivationQuery, "gateway_order_id or carrier_order_id");
          return json::object{{"partner_order_id", i.gateway_order_id},
                              {"order_id", i.carrier_order_id}};
        },
        [](const json::object& d) { return json::value_from(order_status(d)); });
  }

  Step start(std::string_view op, const json::value& in) override { return ops_.start(op, in); }
  Step resume(const json::value& state, const HttpResponse& r) override {
    return ops_.resume(state, r);
  }
  CallbackResult parse_callback(const HttpRequest& req) override;

 private:
  // One call of this API: POST `path` with the JSON body `build` makes from
  // the input; `read` turns the `data` of a success into the result.
  template <class Input>
  void call(OpTraits traits, const char* path, std::function<Body(const Input&)> build,
            std::function<json::value(const json::object&)> read) {
    ops_.on<Input, NoState>(
        traits,
        [this, path, build](const Input& in) -> Next<NoState> {
          Body body = build(in);
          if (auto* e = std::get_if<Error>(&body)) return Step::fail(std::move(*e));
          return Send<NoState>{request(path, json::serialize(std::get<json::object>(body))), {}};
        },
        [this, traits, read](const NoState&, const HttpResponse& r) -> Next<NoState> {
          auto data = unwrap(r, ops_.prefix(traits), traits);
          if (auto* e = std::get_if<Error>(&data)) return Step::fail(std::move(*e));
          return Step::done(read(std::get<json::object>(data)));
        });
  }

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

  static Body inventory_body(const InventorySyncInput& i) {
    // TODO(partner): this API has no change feed, so the results leave
    // `change_cursor` empty and the gateway runs full syncs only; `since`
    // never comes then, and is refused if it does (docs/sdk.md §10.2).
    if (!i.since.empty())
      return Error{code::kInvalidArgument,
                   "example inventory.sync: no change feed ('since')",
                   {},
                   false,
                   false};
    // Ask for big pages: the gateway syncs inventories of a million numbers.
    return json::object{{"cursor", i.cursor}, {"limit", std::clamp<int64_t>(i.page_size, 1, 500)}};
  }
  static json::value read_plans(const json::object& d) {
    PlansListOutput out;
    for (const auto& v : req_array(d, "plans")) {
      const auto& p = as_object(v, "plans[]");
      out.plans.push_back({req_id(p, "code"), req_string(p, "name"), req_int(p, "monthly_fee_fen"),
                           req_int(p, "data_mb"), req_int(p, "voice_minutes")});
    }
    return json::value_from(out);
  }
  static json::value read_numbers(const json::object& d) {
    constexpr std::array<NameRule, 3> kStates{
        {{"free", "available"}, {"held", "reserved"}, {"sold", "sold"}}};
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
      item.status = std::string(*status);
      out.items.push_back(std::move(item));
    }
    out.next_cursor = opt_string(d, "next_cursor");
    out.has_more = !out.next_cursor.empty();  // this API ends with an empty cursor
    return json::value_from(out);
  }
  static Body kyc_body(const KycVerifyInput& i) {
    if (i.name.empty() || i.id_number.empty())
      return required(op::kKycVerify, "name and id_number");
    return json::object{
        {"name", i.name}, {"id_number", i.id_number}, {"portrait", i.portrait_b64.value_or("")}};
  }
  static json::value read_kyc(const json::object& d) {
    constexpr std::array<NameRule, 3> kVerdicts{
        {{"pass", "passed"}, {"reject", "rejected"}, {"review", "review"}}};
    const auto verdict = lookup(kVerdicts, req_string(d, "verdict"));
    if (!verdict) throw BadReply("field 'verdict' has an unknown value");
    KycVerifyOutput out{std::string(*verdict), {}, req_id(d, "check_id")};
    if (const auto reason = opt_string(d, "reason"); !reason.empty())
      out.reasons.emplace_back(lookup(kKycReasons, reason).value_or("UNKNOWN"));
    return json::value_from(out);
  }
  Body submit_body(const ActivationSubmitInput& i) const {
    if (i.gateway_order_id.empty()) return required(op::kActivationSubmit, "gateway_order_id");
    return json::object{{"partner_order_id", i.gateway_order_id},
                        {"msisdn", i.msisdn},
                        {"hold_id", i.carrier_reservation_id},
                        {"plan_code", i.plan_id},
                        {"applicant", {{"name", i.name}, {"id_number", i.id_number}}},
                        {"delivery", json::value_from(i.delivery)},
                        {"notify_url", settings_.callback_url}};
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
