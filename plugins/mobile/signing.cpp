#include "signing.hpp"

#include <cctype>

namespace cgw::mobile {

std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body) {
  std::string s;
  s.reserve(method.size() + target.size() + timestamp.size() + nonce.size() + 64 + 4);
  for (char c : method) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  s.append("\n").append(target).append("\n").append(timestamp).append("\n").append(nonce);
  s.append("\n").append(sha256_hex(body));
  return s;
}

std::string signature(std::string_view secret, std::string_view method, std::string_view target,
                      std::string_view timestamp, std::string_view nonce, std::string_view body) {
  return hmac_sha256_hex(secret, string_to_sign(method, target, timestamp, nonce, body));
}

}  // namespace cgw::mobile
