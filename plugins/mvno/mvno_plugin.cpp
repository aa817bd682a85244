#include "mvno_plugin.hpp"

#include "field_cipher.hpp"
#include "operations.hpp"

#include <openssl/crypto.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

namespace cgw::mvno {
namespace {

[[noreturn]] void bad_setting(std::string_view key, std::string_view problem) {
  throw std::invalid_argument("mvno settings: '" + std::string(key) + "' " + std::string(problem));
}

std::string required_string(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) bad_setting(key, "is required");
  if (!v.IsScalar()) bad_setting(key, "must be a string");
  if (v.Scalar().empty()) bad_setting(key, "must not be empty");
  return v.Scalar();
}

int64_t optional_int(const YAML::Node& node, const char* key, int64_t fallback, int64_t lo,
                     int64_t hi) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) return fallback;
  int64_t x = 0;
  if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, x) || x < lo || x > hi)
    bad_setting(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

// An absolute http(s) URL with a host; nullopt otherwise.
std::optional<boost::urls::url> http_url(std::string_view s) {
  auto r = boost::urls::parse_absolute_uri(s);
  if (!r || r->encoded_host().empty()) return std::nullopt;
  if (r->scheme_id() != boost::urls::scheme::http && r->scheme_id() != boost::urls::scheme::https)
    return std::nullopt;
  return boost::urls::url(*r);
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// The host hands out randomness as hex; the cipher wants raw bytes.
std::string random_bytes(const HostApi& host, size_t n) {
  const std::string hex = host.random_hex(n);
  long len = 0;
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> raw(
      OPENSSL_hexstr2buf(hex.c_str(), &len), [](unsigned char* p) { OPENSSL_free(p); });
  if (!raw || len != static_cast<long>(n)) throw std::runtime_error("host random source failed");
  return std::string(reinterpret_cast<const char*>(raw.get()), n);
}

}  // namespace

Settings Settings::from_yaml(const YAML::Node& node) {
  if (!node.IsMap())
    throw std::invalid_argument(
        "mvno settings: expected a mapping with base_url, partner_id, gateway_private_key, "
        "carrier_public_key, id_field_key and callback_url");
  Settings s;
  auto base = http_url(required_string(node, "base_url"));
  // A query on the base would end up in the middle of every signed TARGET.
  if (!base || base->has_query() || base->has_fragment())
    bad_setting("base_url", "must be an absolute http(s) URL without query or fragment");
  s.base_url = std::move(*base);
  s.partner_id = required_string(node, "partner_id");
  // It travels in a header: control characters would split or corrupt it.
  if (has_control_chars(s.partner_id))
    bad_setting("partner_id", "must not contain control characters");
  s.gateway_private_key = rsa_private_key_from_pem(required_string(node, "gateway_private_key"));
  if (!s.gateway_private_key)
    bad_setting("gateway_private_key",
                "is not a readable unencrypted PEM RSA private key of at least 2048 bits");
  s.carrier_public_key = rsa_public_key_from_pem(required_string(node, "carrier_public_key"));
  if (!s.carrier_public_key)
    bad_setting("carrier_public_key",
                "is not a readable PEM RSA public key (BEGIN PUBLIC KEY) of at least 2048 bits");
  auto field_key = decode_field_key(required_string(node, "id_field_key"));
  if (!field_key) bad_setting("id_field_key", "must be 32 bytes as 64 hex digits or base64");
  s.id_field_key = std::move(*field_key);
  s.callback_url = required_string(node, "callback_url");
  if (!http_url(s.callback_url)) bad_setting("callback_url", "must be an absolute http(s) URL");
  s.occupy_minutes = optional_int(node, "occupy_minutes", 30, 1, 24 * 60);
  s.timeout_ms = static_cast<uint32_t>(
      optional_int(node, "timeout_ms", 0, 1, std::numeric_limits<uint32_t>::max()));
  return s;
}

MvnoPlugin::MvnoPlugin(HostApi host, const YAML::Node& settings)
    : CarrierPlugin(host), settings_(Settings::from_yaml(settings)) {}

HttpRequest MvnoPlugin::build_request(const Outbound& out) const {
  boost::urls::url u = settings_.base_url;
  // Keep a base path prefix (e.g. behind a reverse proxy), minus its trailing slash.
  std::string path(settings_.base_url.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.set_encoded_path(path + out.path);

  HttpRequest req;
  req.method = "POST";
  req.url = std::string(u.buffer());
  req.body = json::serialize(out.body);
  req.timeout_ms = settings_.timeout_ms;
  const std::string timestamp = std::to_string(host().now_ms());
  const std::string nonce = host().random_hex(16);
  const std::string signature =
      sign_base64(settings_.gateway_private_key.get(),
                  canonical_string(req.method, u.encoded_target(), timestamp, nonce, req.body));
  req.headers = {
      {"X-Partner-Id", settings_.partner_id},
      {"X-Timestamp", timestamp},
      {"X-Nonce", nonce},
      {"X-Sign-Type", std::string(kSignType)},
      {"X-Signature", signature},
      {"Content-Type", "application/json"},
  };
  return req;
}

std::string MvnoPlugin::seal_id_number(std::string_view id_number) const {
  return seal_field(settings_.id_field_key, random_bytes(host(), kFieldIvBytes), id_number);
}

Step MvnoPlugin::start(std::string_view operation, const json::value& input) {
  const Operation* op = find_operation(operation);
  if (!op) return unsupported(operation);
  Prepared prepared;
  try {
    prepared = op->prepare(input, *this);
  } catch (const std::exception&) {
    // Boost.JSON's messages name no values, but a fixed text is safer still.
    return Step::fail(code::kInvalidArgument,
                      "mvno " + std::string(operation) + ": input does not match the schema");
  }
  if (auto* e = std::get_if<Error>(&prepared)) return Step::fail(std::move(*e));
  Outbound& out = std::get<Outbound>(prepared);
  json::object state = std::move(out.state);
  state["op"] = op->traits.name;
  HttpRequest req = build_request(out);
  req.replayable = op->traits.replayable;
  return Step::send(std::move(req), std::move(state));
}

Step MvnoPlugin::resume(const json::value& state, const HttpResponse& response) {
  const json::object* st = state.if_object();
  const json::value* name = st ? st->if_contains("op") : nullptr;
  const Operation* op = name && name->is_string() ? find_operation(name->get_string()) : nullptr;
  if (!op) return Step::fail(code::kPluginError, "mvno: unknown continuation state");

  Reply reply = unwrap_reply(response, op->traits);
  if (auto* e = std::get_if<Error>(&reply)) return Step::fail(std::move(*e));
  try {
    return Step::done(op->finish(std::get<json::object>(reply), *st, *this));
  } catch (const BadReply& e) {
    return Step::fail(bad_response(op->traits, e.what()));
  }
}

}  // namespace cgw::mvno
