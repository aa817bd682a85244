#include "mvno_plugin.hpp"

#include "field_cipher.hpp"
#include "operations.hpp"

#include <cgw/crypto.hpp>
#include <cgw/settings.hpp>

#include <algorithm>
#include <stdexcept>

namespace cgw::mvno {
namespace {

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// The host hands out randomness as hex; the cipher wants raw bytes.
std::string random_bytes(const HostApi& host, size_t n) {
  auto raw = crypto::unhex(host.random_hex(n));
  if (!raw || raw->size() != n) throw std::runtime_error("host random source failed");
  return std::move(*raw);
}

}  // namespace

Settings Settings::from_settings(const json::object& node) {
  const SettingsReader in("mvno", node);
  Settings s;
  // A query on the base would end up in the middle of every signed TARGET.
  s.base_url = in.url("base_url");
  s.partner_id = in.text("partner_id");
  // It travels in a header: control characters would split or corrupt it.
  if (has_control_chars(s.partner_id)) in.fail("partner_id", "must not contain control characters");
  s.gateway_private_key = rsa_private_key_from_pem(in.text("gateway_private_key"));
  if (!s.gateway_private_key)
    in.fail("gateway_private_key",
            "is not a readable unencrypted PEM RSA private key of at least 2048 bits");
  s.carrier_public_key = rsa_public_key_from_pem(in.text("carrier_public_key"));
  if (!s.carrier_public_key)
    in.fail("carrier_public_key",
            "is not a readable PEM RSA public key (BEGIN PUBLIC KEY) of at least 2048 bits");
  auto field_key = decode_field_key(in.text("id_field_key"));
  if (!field_key) in.fail("id_field_key", "must be 32 bytes as 64 hex digits or base64");
  s.id_field_key = std::move(*field_key);
  s.callback_url = std::string(in.url("callback_url", /*base=*/false).buffer());
  s.occupy_minutes = in.integer("occupy_minutes", 30, 1, 24 * 60);
  s.timeout_ms = in.timeout_ms();
  return s;
}

MvnoPlugin::MvnoPlugin(HostApi host, const json::object& settings)
    : CarrierPlugin(host),
      settings_(Settings::from_settings(settings)),
      ops_("mvno", [](const HttpResponse& r, const OpTraits& op, std::string_view) {
        return unwrap_reply(r, op);
      }) {
  register_operations(ops_, *this);
  register_after_sales(ops_, *this);
}

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

}  // namespace cgw::mvno
