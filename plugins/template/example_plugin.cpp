// cgw plugin template: every v1 operation against an imaginary carrier API,
// "Example Carrier" (README.md describes its protocol). Copy this directory,
// rename `example`, and replace what is marked TODO(partner) with your
// carrier's protocol. docs/plugin-guide.md walks through it.
//
// The plugin is sans-I/O: start() and resume() only describe HTTP requests
// (SEND steps) and turn replies into results; the gateway performs the
// requests. Nothing here may block, sleep, log personal data or keep
// per-call state in members (calls run concurrently on one instance).
#include <cgw/plugin.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <variant>

namespace {

using namespace cgw;

// ---------------------------------------------------------------- settings

// The carrier's `settings` block of gateway.yaml, validated once. The host
// fills base_url and callback_url, and resolves secret references.
struct Settings {
  std::string base_url, callback_url, partner_id, secret;
  uint32_t timeout_ms = 0;  // 0: the gateway's request_timeout for this carrier

  static std::string text(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    // Name the key, never the value: one of them is the secret.
    if (!v.IsDefined() || !v.IsScalar() || v.Scalar().empty())
      throw std::invalid_argument(std::string("example settings: '") + key + "' is required");
    return v.Scalar();
  }
  explicit Settings(const YAML::Node& n) {
    if (!n.IsMap()) throw std::invalid_argument("example settings: expected a mapping");
    base_url = text(n, "base_url");
    callback_url = text(n, "callback_url");
    partner_id = text(n, "partner_id");
    secret = text(n, "secret");
    for (const std::string* url : {&base_url, &callback_url})
      if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
        throw std::invalid_argument("example settings: base_url and callback_url must be http(s)");
    while (base_url.back() == '/') base_url.pop_back();
    if (n["timeout_ms"]) timeout_ms = n["timeout_ms"].as<uint32_t>();
  }
};

// ----------------------------------------------------------------- signing

// TODO(partner): your carrier's signature scheme. This one is
// hex(HMAC-SHA256(secret, partner_id \n timestamp \n nonce \n path \n body)).
// Use OpenSSL (or another vetted library) for the primitives, never your own.
std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += {kHex[mac[i] >> 4], kHex[mac[i] & 15]};
  return hex;
}

std::string signature(const Settings& s, const std::string& timestamp, const std::string& nonce,
                      const std::string& path, const std::string& body) {
  return hmac_sha256_hex(
      s.secret, s.partner_id + "\n" + timestamp + "\n" + nonce + "\n" + path + "\n" + body);
}

// ----------------------------------------------------------- reply mapping

// What error mapping needs to know about the operation in flight.
struct OpInfo {
  const char* name;
  const char* path;     // every call of this API is a POST of JSON
  bool writes;          // number.reserve / number.release / activation.submit
  bool unknown_on_5xx;  // activation.submit: a 5xx may hide an accepted order
};

// Thrown by the field readers below; the message names the field only.
struct BadReply : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Error bad_reply(const OpInfo& op, const std::string& what) {
  // The carrier answered: a write it may have applied is outcome_unknown.
  return Error{code::kCarrierBadResponse,
               std::string("example ") + op.name + ": bad reply: " + what,
               {},
               false,
               op.writes};
}

// TODO(partner): your carrier's business codes (docs/plugin-guide.md has the
// rules). Fixed texts only: a carrier's own message may echo personal data.
Error map_business_code(const std::string& c) {
  struct Row {
    const char *carrier, *gateway;
    bool retryable;
  };
  static constexpr std::array<Row, 12> kRows{{
      {"AUTH_FAILED", code::kCarrierAuthFailed, false},
      {"CLOCK_SKEW", code::kCarrierAuthFailed, true},
      {"NONCE_REUSED", code::kCarrierAuthFailed, true},
      {"BAD_REQUEST", code::kInvalidArgument, false},
      {"NUMBER_TAKEN", code::kNumberUnavailable, false},
      {"NUMBER_UNKNOWN", code::kNumberUnavailable, false},
      {"HOLD_EXPIRED", code::kReservationExpired, false},
      {"HOLD_UNKNOWN", code::kReservationNotFound, false},
      {"PLAN_UNKNOWN", code::kPlanNotFound, false},
      {"ORDER_UNKNOWN", code::kOrderNotFound, false},
      {"LINE_QUOTA", code::kQuotaExceeded, false},
      {"BUSY", code::kCarrierUnavailable, true},
  }};
  for (const Row& r : kRows)
    if (c == r.carrier)
      return Error{r.gateway, "example: carrier code " + c, c, r.retryable, false};
  return Error{code::kCarrierRejected, "example: carrier refused (" + c + ")", c, false, false};
}

// TODO(partner): your carrier's KYC reason codes -> the gateway's reasons.
std::string kyc_reason(const std::string& c) {
  static constexpr std::array<std::pair<const char*, const char*>, 8> kReasons{
      {{"ID_INVALID", "ID_INVALID"},
       {"NAME_MISMATCH", "ID_NAME_MISMATCH"},
       {"ID_UNKNOWN", "ID_NOT_FOUND"},
       {"ID_REVOKED", "ID_INVALIDATED"},
       {"UNDERAGE", "UNDERAGE"},
       {"FACE_MISMATCH", "FACE_MISMATCH"},
       {"LIVENESS_FAILED", "LIVENESS_FAILED"},
       {"BLACKLISTED", "BLACKLISTED"}}};
  for (const auto& [carrier, reason] : kReasons)
    if (c == carrier) return reason;
  return c == "LINE_QUOTA" ? "QUOTA_EXCEEDED" : "UNKNOWN";
}

// The reply's `data`, or the normalized error (docs/sdk.md sections 11-12).
// TODO(partner): your carrier's envelope; keep the transport and HTTP rules.
std::variant<json::object, Error> unwrap(const HttpResponse& r, const OpInfo& op) {
  const std::string prefix = std::string("example ") + op.name + ": ";
  if (r.transport == CGW_TRANSPORT_NOT_SENT)  // nothing left: safe to retry, even a write
    return Error{code::kCarrierUnavailable, prefix + "carrier not reachable", {}, true, false};
  if (r.transport == CGW_TRANSPORT_RESPONSE_TOO_BIG) return bad_reply(op, "response too big");
  if (r.transport != CGW_TRANSPORT_OK)  // timeout, broken, or newer: the request may have landed
    return Error{code::kCarrierTimeout, prefix + "no complete reply", {}, true, op.writes};
  if (r.status >= 500)
    return Error{code::kCarrierUnavailable,
                 prefix + "HTTP " + std::to_string(r.status),
                 {},
                 true,
                 op.unknown_on_5xx};
  if (r.status != 200) return bad_reply(op, "HTTP " + std::to_string(r.status));
  boost::system::error_code ec;
  const json::value body = json::parse(r.body, ec);
  const json::object* env = ec ? nullptr : body.if_object();
  const json::value* ok = env ? env->if_contains("ok") : nullptr;
  if (!ok || !ok->is_bool()) return bad_reply(op, "not the JSON envelope");
  if (!ok->get_bool()) {
    const json::value* err = env->if_contains("error");
    const json::value* c =
        err && err->is_object() ? err->get_object().if_contains("code") : nullptr;
    // Copied into carrier_code: only a short, plain code, never free text.
    const bool plain = c && c->is_string() && !c->get_string().empty() &&
                       c->get_string().size() <= 32 &&
                       std::all_of(c->get_string().begin(), c->get_string().end(), [](char ch) {
                         return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
                       });
    if (!plain) return bad_reply(op, "error without a plain code");
    return map_business_code(std::string(c->get_string()));
  }
  const json::value* data = env->if_contains("data");
  if (!data || !data->is_object()) return bad_reply(op, "no data object");
  return data->get_object();
}

// Typed readers: carrier replies are untrusted, every field is checked.
const json::value& field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) throw BadReply(std::string("'") + key + "' is missing");
  return *v;
}
std::string str(const json::object& o, const char* key, bool required = true) {
  const json::value* v = o.if_contains(key);
  if (!required && (!v || v->is_null())) return {};
  if (!field(o, key).is_string()) throw BadReply(std::string("'") + key + "' is not a string");
  std::string s(v->get_string());
  if (required && s.empty()) throw BadReply(std::string("'") + key + "' is empty");
  return s;
}
int64_t num(const json::object& o, const char* key) {
  const json::value& v = field(o, key);
  if (!v.is_int64()) throw BadReply(std::string("'") + key + "' is not an integer");
  return v.get_int64();
}
const json::object& obj(const json::value& v, const char* what) {
  if (!v.is_object()) throw BadReply(std::string(what) + " is not an object");
  return v.get_object();
}
const json::array& arr(const json::object& o, const char* key) {
  const json::value& v = field(o, key);
  if (!v.is_array()) throw BadReply(std::string("'") + key + "' is not an array");
  return v.get_array();
}

// orderState -> submitted | activated | failed.
ActivationStatusOutput order_status(const json::object& d) {
  ActivationStatusOutput out{str(d, "order_id"), str(d, "state"), str(d, "fail_reason", false)};
  if (out.status == "processing")
    out.status = "submitted";
  else if (out.status == "active")
    out.status = "activated";
  else if (out.status != "failed")
    throw BadReply("'state' has an unknown value");
  return out;
}

// -------------------------------------------------------------- operations

// TODO(partner): your endpoints. The table drives start() and resume().
constexpr std::array<OpInfo, 7> kOps{{
    {op::kPlansList, "/v1/plans/list", false, false},
    {op::kInventorySync, "/v1/numbers/list", false, false},
    {op::kNumberReserve, "/v1/holds/create", true, false},
    {op::kNumberRelease, "/v1/holds/release", true, false},
    {op::kKycVerify, "/v1/identity/check", false, false},
    {op::kActivationSubmit, "/v1/orders/create", true, true},
    {op::kActivationQuery, "/v1/orders/get", false, false},
}};

Error invalid(const std::string& op, const std::string& field_name) {
  return Error{code::kInvalidArgument,
               "example " + op + ": '" + field_name + "' is required",
               {},
               false,
               false};
}

// Input -> the carrier's request body, or INVALID_ARGUMENT naming the field.
std::variant<json::object, Error> request_body(const std::string& op, const json::value& in,
                                               const Settings& s) {
  if (op == op::kPlansList) return json::object{};
  if (op == op::kInventorySync) {
    const auto i = in.is_null() ? InventorySyncInput{} : json::value_to<InventorySyncInput>(in);
    // TODO(partner): this API has no change feed, so the results leave
    // `change_cursor` empty and the gateway runs full syncs only; `since`
    // (an incremental sync) never comes then, and is refused if it does. If
    // your carrier can list "what changed since position P", return P as
    // `change_cursor` on every page and serve `since` (docs/sdk.md §10.2).
    if (!i.since.empty())
      return Error{
          code::kInvalidArgument, "example " + op + ": no change feed ('since')", {}, false, false};
    // Ask for big pages: the gateway syncs inventories of a million numbers.
    return json::object{{"cursor", i.cursor}, {"limit", std::clamp<int64_t>(i.page_size, 1, 500)}};
  }
  if (op == op::kNumberReserve) {
    const auto i = json::value_to<ReserveInput>(in);
    if (i.msisdn.empty()) return invalid(op, "msisdn");
    const int64_t minutes = i.hold_seconds <= 0 ? 30 : (i.hold_seconds + 59) / 60;
    return json::object{
        {"msisdn", i.msisdn}, {"partner_ref", i.gateway_reservation_id}, {"minutes", minutes}};
  }
  if (op == op::kNumberRelease) {
    const auto i = json::value_to<ReleaseInput>(in);
    if (i.carrier_reservation_id.empty()) return invalid(op, "carrier_reservation_id");
    return json::object{{"msisdn", i.msisdn}, {"hold_id", i.carrier_reservation_id}};
  }
  if (op == op::kKycVerify) {
    const auto i = json::value_to<KycVerifyInput>(in);
    if (i.name.empty() || i.id_number.empty()) return invalid(op, "name and id_number");
    return json::object{
        {"name", i.name}, {"id_number", i.id_number}, {"portrait", i.portrait_b64.value_or("")}};
  }
  if (op == op::kActivationSubmit) {
    const auto i = json::value_to<ActivationSubmitInput>(in);
    if (i.gateway_order_id.empty()) return invalid(op, "gateway_order_id");
    return json::object{{"partner_order_id", i.gateway_order_id},  // the carrier dedupes on it
                        {"msisdn", i.msisdn},
                        {"hold_id", i.carrier_reservation_id},
                        {"plan_code", i.plan_id},
                        {"applicant", {{"name", i.name}, {"id_number", i.id_number}}},
                        {"delivery", json::value_from(i.delivery)},
                        {"notify_url", s.callback_url}};
  }
  const auto i = json::value_to<ActivationQueryInput>(in);  // activation.query
  if (i.gateway_order_id.empty() && i.carrier_order_id.empty())
    return invalid(op, "gateway_order_id or carrier_order_id");
  return json::object{{"partner_order_id", i.gateway_order_id}, {"order_id", i.carrier_order_id}};
}

// The `data` of a success -> the operation's result.
json::value result_of(const std::string& op, const json::object& d) {
  if (op == op::kPlansList) {
    PlansListOutput out;
    for (const auto& v : arr(d, "plans")) {
      const auto& p = obj(v, "plans[]");
      out.plans.push_back({str(p, "code"), str(p, "name"), num(p, "monthly_fee_fen"),
                           num(p, "data_mb"), num(p, "voice_minutes")});
    }
    return json::value_from(out);
  }
  if (op == op::kInventorySync) {
    InventorySyncOutput out;
    for (const auto& v : arr(d, "numbers")) {
      const auto& n = obj(v, "numbers[]");
      const std::string state = str(n, "state");
      if (state != "free" && state != "held" && state != "sold")
        throw BadReply("'state' has an unknown value");
      // Fields are set by name: SDK structs may grow new (optional)
      // members at the end in later minor versions.
      NumberItem item;
      item.msisdn = str(n, "msisdn");
      item.province = str(n, "province", false);
      item.city = str(n, "city", false);
      item.price_fen = num(n, "price_fen");
      item.status = state == "free" ? "available" : state == "held" ? "reserved" : "sold";
      out.items.push_back(std::move(item));
    }
    out.next_cursor = str(d, "next_cursor", false);
    out.has_more = !out.next_cursor.empty();  // this API ends with an empty cursor
    // `total` (numbers in the whole listing) feeds the gateway's progress
    // log; set it when your carrier says. `change_cursor` stays empty: no
    // change feed here.
    return json::value_from(out);
  }
  if (op == op::kNumberReserve)
    return json::value_from(ReserveOutput{str(d, "hold_id"), num(d, "expires_at_ms")});
  if (op == op::kNumberRelease) return json::value_from(ReleaseOutput{true});
  if (op == op::kKycVerify) {
    KycVerifyOutput out{str(d, "verdict"), {}, str(d, "check_id")};
    if (out.result == "pass")
      out.result = "passed";
    else if (out.result == "reject")
      out.result = "rejected";
    else if (out.result != "review")
      throw BadReply("'verdict' has an unknown value");
    if (const auto reason = str(d, "reason", false); !reason.empty())
      out.reasons.push_back(kyc_reason(reason));
    return json::value_from(out);
  }
  return json::value_from(order_status(d));  // activation.submit / activation.query
}

// ------------------------------------------------------------------ plugin

class ExamplePlugin final : public CarrierPlugin {
 public:
  ExamplePlugin(HostApi host, const YAML::Node& settings)
      : CarrierPlugin(host), settings_(settings) {}

  Step start(std::string_view operation, const json::value& input) override {
    const auto* info = find(operation);
    if (!info) return unsupported(operation);
    auto body = request_body(info->name, input, settings_);
    if (auto* e = std::get_if<Error>(&body)) return Step::fail(std::move(*e));
    HttpRequest req;
    req.url = settings_.base_url + info->path;
    req.body = json::serialize(std::get<json::object>(body));
    req.timeout_ms = settings_.timeout_ms;
    const std::string ts = std::to_string(host().now_ms() / 1000), nonce = host().random_hex(16);
    req.headers = {{"Content-Type", "application/json"},
                   {"X-Partner-Id", settings_.partner_id},
                   {"X-Timestamp", ts},
                   {"X-Nonce", nonce},
                   {"X-Signature", signature(settings_, ts, nonce, info->path, req.body)}};
    // Only the operation name travels in the state: no personal data.
    return Step::send(std::move(req), json::object{{"op", info->name}});
  }

  Step resume(const json::value& state, const HttpResponse& response) override {
    const json::value* name = state.is_object() ? state.get_object().if_contains("op") : nullptr;
    const auto* info = name && name->is_string() ? find(name->get_string()) : nullptr;
    if (!info) return Step::fail(code::kPluginError, "example: unknown continuation state");
    auto data = unwrap(response, *info);
    if (auto* e = std::get_if<Error>(&data)) {
      // The carrier re-checks the applicant at order time: name the reason.
      if (e->code == code::kCarrierRejected && info->name == std::string(op::kActivationSubmit))
        if (auto reason = kyc_reason(e->carrier_code); reason != "UNKNOWN") e->message = reason;
      return Step::fail(std::move(*e));
    }
    try {
      return Step::done(result_of(info->name, std::get<json::object>(data)));
    } catch (const BadReply& e) {
      return Step::fail(bad_reply(*info, e.what()));
    }
  }

  // TODO(partner): your carrier's callback format and acknowledgement.
  CallbackResult parse_callback(const HttpRequest& req) override {
    const auto ts = req.header("X-Timestamp"), nonce = req.header("X-Nonce");
    const auto sig = req.header("X-Signature");
    if (req.header("X-Partner-Id") != settings_.partner_id || !ts || !nonce || !sig)
      return refuse("missing or foreign signature headers");
    int64_t sent = 0;
    try {
      sent = std::stoll(*ts);
    } catch (const std::exception&) {
      return refuse("malformed timestamp");
    }
    if (std::abs(host().now_ms() / 1000 - sent) > 300) return refuse("timestamp out of window");
    // The target exactly as received (path and query) is what was signed.
    const std::string expected = signature(settings_, *ts, *nonce, req.url, req.body);
    if (sig->size() != expected.size() ||
        CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)  // constant time
      return refuse("bad signature");
    boost::system::error_code ec;
    const json::value body = json::parse(req.body, ec);
    if (ec || !body.is_object()) return refuse("body is not a JSON object");
    CallbackResult r;
    try {
      const auto status = order_status(body.get_object());
      r.events.push_back(CallbackEvent{"activation.status", str(body.get_object(), "event_id"),
                                       status.carrier_order_id,
                                       str(body.get_object(), "partner_order_id"), status.status,
                                       status.reason, num(body.get_object(), "occurred_at_ms")});
    } catch (const BadReply& e) {
      return refuse(std::string("malformed body: ") + e.what());
    }
    r.verified = true;
    r.ack_content_type = "application/json";
    r.ack_body = R"({"ok":true})";
    return r;
  }

 private:
  static const OpInfo* find(std::string_view name) {
    for (const auto& o : kOps)
      if (name == o.name) return &o;
    return nullptr;
  }
  static CallbackResult refuse(const std::string& why) {
    CallbackResult r = CallbackResult::refuse("example callback: " + why);
    r.ack_content_type = "application/json";
    r.ack_body = R"({"ok":false})";
    return r;
  }

  const Settings settings_;  // read-only after construction
};

}  // namespace

// TODO(partner): your plugin's name, version, carrier kind and capabilities.
CGW_EXPORT_PLUGIN(ExamplePlugin, "example", "0.1.0", CGW_CARRIER_MVNO,
                  CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE | CGW_CAP_KYC |
                      CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS)
