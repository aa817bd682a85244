#include "mobile_plugin.hpp"

#include "operations.hpp"
#include "signing.hpp"

#include <cgw/encoding.hpp>
#include <cgw/settings.hpp>

#include <algorithm>

namespace cgw::mobile {

Settings Settings::from_yaml(const YAML::Node& node) {
  const SettingsReader in("mobile", node);
  Settings s;
  // A query on the base would end up in the middle of every signed TARGET.
  s.base_url = in.url("base_url");
  s.app_id = in.text("app_id");
  // It travels in a header: control characters would split or corrupt it.
  if (std::any_of(s.app_id.begin(), s.app_id.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    in.fail("app_id", "must not contain control characters");
  s.secret = in.text("secret");
  s.callback_url = std::string(in.url("callback_url", /*base=*/false).buffer());
  s.hold_minutes = in.integer("hold_minutes", 30, 1, 24 * 60);
  s.timeout_ms = in.timeout_ms();
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
  // Query components are encoded with everything but RFC 3986 "unreserved"
  // escaped, so '+', '=' and '&' in a cursor cannot be misread by any
  // decoder and the signed TARGET is exactly what goes on the wire.
  for (const auto& [k, v] : out.query)
    u.encoded_params().append({encoding::url_encode(k), encoding::url_encode(v)});

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
    return Step::fail(bad_reply(prefix(op->traits), op->traits, e.what()));
  }
}

}  // namespace cgw::mobile
