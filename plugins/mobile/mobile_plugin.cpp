#include "mobile_plugin.hpp"

#include "operations.hpp"
#include "signing.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace cgw::mobile {
namespace {

[[noreturn]] void bad_setting(std::string_view key, std::string_view problem) {
  throw std::invalid_argument("mobile settings: '" + std::string(key) + "' " +
                              std::string(problem));
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

// Query components are encoded with everything but RFC 3986 "unreserved"
// escaped, so '+', '=' and '&' in a cursor cannot be misread by any decoder
// and the signed TARGET is exactly what goes on the wire.
std::string encode_component(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

}  // namespace

Settings Settings::from_yaml(const YAML::Node& node) {
  if (!node.IsMap())
    throw std::invalid_argument(
        "mobile settings: expected a mapping with base_url, app_id, secret and callback_url");
  Settings s;
  auto base = http_url(required_string(node, "base_url"));
  // A query on the base would end up in the middle of every signed TARGET.
  if (!base || base->has_query())
    bad_setting("base_url", "must be an absolute http(s) URL without query or fragment");
  s.base_url = std::move(*base);
  s.app_id = required_string(node, "app_id");
  // It travels in a header: control characters would split or corrupt it.
  if (std::any_of(s.app_id.begin(), s.app_id.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    bad_setting("app_id", "must not contain control characters");
  s.secret = required_string(node, "secret");
  s.callback_url = required_string(node, "callback_url");
  if (!http_url(s.callback_url)) bad_setting("callback_url", "must be an absolute http(s) URL");
  s.hold_minutes = optional_int(node, "hold_minutes", 30, 1, 24 * 60);
  s.timeout_ms = static_cast<uint32_t>(
      optional_int(node, "timeout_ms", 0, 1, std::numeric_limits<uint32_t>::max()));
  return s;
}

MobilePlugin::MobilePlugin(HostApi host, const YAML::Node& settings)
    : CarrierPlugin(host), settings_(Settings::from_yaml(settings)) {}

HttpRequest MobilePlugin::build_request(const Outbound& out) const {
  boost::urls::url u = settings_.base_url;
  // Keep a base path prefix (e.g. behind a reverse proxy), minus its trailing slash.
  std::string path(settings_.base_url.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.set_encoded_path(path + out.path);
  for (const auto& [k, v] : out.query)
    u.encoded_params().append({encode_component(k), encode_component(v)});

  HttpRequest req;
  req.method = out.method;
  req.url = std::string(u.buffer());
  req.body = out.method == "GET" ? std::string() : json::serialize(out.body);
  req.timeout_ms = settings_.timeout_ms;
  const std::string timestamp = std::to_string(host().now_ms() / 1000);
  const std::string nonce = host().random_hex(16);
  const std::string target(u.encoded_target());
  req.headers = {
      {"X-App-Id", settings_.app_id},
      {"X-Timestamp", timestamp},
      {"X-Nonce", nonce},
      {"X-Signature", signature(settings_.secret, req.method, target, timestamp, nonce, req.body)},
  };
  if (req.method != "GET") req.headers.push_back({"Content-Type", "application/json"});
  return req;
}

Step MobilePlugin::start(std::string_view operation, const json::value& input) {
  const Operation* op = find_operation(operation);
  if (!op) return unsupported(operation);
  Prepared prepared;
  try {
    prepared = op->prepare(input, settings_);
  } catch (const std::exception&) {
    // Boost.JSON's messages name no values, but a fixed text is safer still.
    return Step::fail(code::kInvalidArgument,
                      "mobile " + std::string(operation) + ": input does not match the schema");
  }
  if (auto* e = std::get_if<Error>(&prepared)) return Step::fail(std::move(*e));
  Outbound& out = std::get<Outbound>(prepared);
  json::object state = std::move(out.state);
  state["op"] = op->traits.name;
  HttpRequest req = build_request(out);
  req.replayable = op->traits.replayable;
  return Step::send(std::move(req), std::move(state));
}

Step MobilePlugin::resume(const json::value& state, const HttpResponse& response) {
  const json::object* st = state.if_object();
  const json::value* name = st ? st->if_contains("op") : nullptr;
  const Operation* op = name && name->is_string() ? find_operation(name->get_string()) : nullptr;
  if (!op) return Step::fail(code::kPluginError, "mobile: unknown continuation state");

  Reply reply = unwrap_reply(response, op->traits);
  if (auto* e = std::get_if<Error>(&reply)) return Step::fail(std::move(*e));
  try {
    return Step::done(op->finish(std::get<json::object>(reply), *st));
  } catch (const BadReply& e) {
    return Step::fail(bad_response(op->traits, e.what()));
  }
}

}  // namespace cgw::mobile
