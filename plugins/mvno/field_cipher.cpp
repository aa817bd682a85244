#include "field_cipher.hpp"

#include "signing.hpp"

#include <cgw/crypto.hpp>

#include <cctype>
#include <stdexcept>

namespace cgw::mvno {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> decode_field_key(std::string_view text) {
  text = trimmed(text);
  if (text.size() == 2 * kFieldKeyBytes) {
    if (auto raw = crypto::unhex(text)) return raw;
  }
  auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != kFieldKeyBytes) return std::nullopt;
  return bytes;
}

std::string seal_field(std::string_view key, std::string_view iv, std::string_view plaintext) {
  if (key.size() != kFieldKeyBytes || iv.size() != kFieldIvBytes)
    throw std::invalid_argument("AES-256-GCM needs a 32-byte key and a 12-byte IV");
  const auto sealed = crypto::aes_gcm_seal(key, iv, plaintext);
  if (!sealed) throw std::runtime_error("AES-256-GCM encryption failed");
  return base64_encode(std::string(iv) + *sealed);
}

}  // namespace cgw::mvno
