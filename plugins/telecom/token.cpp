#include "token.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>

namespace cgw::telecom {
namespace {

constexpr int64_t kMaxCacheMs = 24LL * 3600 * 1000;
constexpr int64_t kMaxMarginMs = 60'000;
constexpr int64_t kMaxExpiresInS = 10LL * 365 * 24 * 3600;  // keeps the ms arithmetic small

// application/x-www-form-urlencoded with everything but RFC 3986
// "unreserved" escaped: no '+' or '&' in a secret can be misread.
std::string form_component(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

// A token travels in a header: visible ASCII only (RFC 6750 b64token is
// narrower still, but any visible character is harmless in a header).
bool header_safe(std::string_view s) {
  return !s.empty() && s.size() <= 4096 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

HttpRequest token_request(const Settings& s) {
  HttpRequest req;
  req.method = "POST";
  req.url = s.url_for("/oauth/token");
  req.body = "grant_type=client_credentials&client_id=" + form_component(s.client_id) +
             "&client_secret=" + form_component(s.client_secret);
  req.timeout_ms = s.timeout_ms;
  // A second token changes nothing: every token stays valid until it expires.
  req.replayable = true;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  return req;
}

std::variant<TokenGrant, Error> parse_token_reply(const HttpResponse& r, const CallTraits& t) {
  // The token call changes nothing at the carrier: never outcome_unknown.
  CallTraits token_call{t.op, "oauth.token", false, false};
  if (auto e = transport_failure(r, token_call)) return std::move(*e);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(r.body, ec);
  const boost::json::object* o = !ec ? body.if_object() : nullptr;
  if (r.status == 400 || r.status == 401) {
    // RFC 6749 section 5.2: {"error": "invalid_client", ...}.
    const boost::json::value* err = o ? o->if_contains("error") : nullptr;
    std::string cc;
    if (err && err->is_string() && plausible_code(err->get_string())) cc = err->get_string();
    return Error{
        code::kCarrierAuthFailed,
        error_prefix(token_call) + "token request refused" + (cc.empty() ? "" : " (" + cc + ")"),
        cc, false, false};
  }
  if (r.status != 200)
    return Error{code::kCarrierBadResponse,
                 error_prefix(token_call) + "unexpected carrier HTTP " + std::to_string(r.status),
                 {},
                 false,
                 false};
  if (!o) return bad_response(token_call, "not a JSON object");
  const boost::json::value* token = o->if_contains("access_token");
  const boost::json::value* type = o->if_contains("token_type");
  const boost::json::value* expires = o->if_contains("expires_in");
  if (!token || !token->is_string() || !header_safe(token->get_string()))
    return bad_response(token_call, "field 'access_token' is missing or malformed");
  // RFC 6749: the type is case-insensitive; only bearer tokens are usable.
  if (!type || !type->is_string() || !detail::iequals(type->get_string(), "Bearer"))
    return bad_response(token_call, "field 'token_type' is not Bearer");
  if (!expires || !expires->is_int64() || expires->get_int64() < 1 ||
      expires->get_int64() > kMaxExpiresInS)
    return bad_response(token_call, "field 'expires_in' is not a positive integer");
  return TokenGrant{std::string(token->get_string()), expires->get_int64()};
}

int64_t cache_ttl_ms(int64_t expires_in_s) {
  const int64_t life = expires_in_s * 1000;
  const int64_t margin = std::min(life / 5, kMaxMarginMs);
  return std::clamp<int64_t>(life - margin, 1, kMaxCacheMs);
}

}  // namespace cgw::telecom
