// The OAuth2 client-credentials grant (RFC 6749 section 4.4) of the telecom
// protocol: POST /oauth/token, a JSON reply (docs/carriers/telecom.md,
// "Authentication"). The access token is shared by every call of an
// instance through the host cache.
#pragma once

#include "reply.hpp"
#include "settings.hpp"

#include <cgw/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::telecom {

inline constexpr std::string_view kTokenCacheKey = "telecom.access_token";

// The token request (form-encoded credentials).
HttpRequest token_request(const Settings& s);

struct TokenGrant {
  std::string access_token;
  int64_t expires_in_s = 0;
};
// The grant, or the normalized error (CARRIER_AUTH_FAILED for refused
// credentials). `t` names the operation that needed the token.
std::variant<TokenGrant, Error> parse_token_reply(const HttpResponse& r, const CallTraits& t);

// How long to keep a token: expires_in minus a fifth of it, at most 60 s
// less, so a token is replaced before the carrier stops accepting it even
// with some clock difference and request latency. Never 0 (which would mean
// "forever" to the host cache) and at most a day.
int64_t cache_ttl_ms(int64_t expires_in_s);

}  // namespace cgw::telecom
