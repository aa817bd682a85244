#include "mobile_plugin.hpp"

#include "operations.hpp"
#include "signing.hpp"

#include <cgw/encoding.hpp>
#include <cgw/settings.hpp>

#include <algorithm>

namespace cgw::mobile {

Settings Settings::from_settings(const json::object& node) {
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

MobilePlugin::MobilePlugin(HostApi host, const json::object& settings)
    : CarrierPlugin(host),
      settings_(Settings::from_settings(settings)),
      ops_("mobile", [](const HttpResponse& r, const OpTraits& op, std::string_view) {
        return unwrap_reply(r, op);
      }) {
  register_operations(ops_, *this);
}

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

}  // namespace cgw::mobile
