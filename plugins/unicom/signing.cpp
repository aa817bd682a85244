#include "signing.hpp"

#include <cgw/crypto.hpp>

namespace cgw::unicom {

std::string md5_upper_hex(std::string_view data) {
  return crypto::hex(crypto::digest(crypto::Digest::kMd5, data), /*upper=*/true);
}

std::string string_to_sign(std::string_view secret, const Params& params) {
  const std::string joined = encoding::sorted_params(
      params, {.pair_sep = "", .kv_sep = "", .skip_empty = true, .exclude = {"sign"}});
  std::string s(secret);
  return s.append(joined).append(secret);
}

std::string sign(std::string_view secret, const Params& params) {
  return md5_upper_hex(string_to_sign(secret, params));
}

std::string beijing_timestamp(int64_t unix_ms) {
  return encoding::beijing_time(unix_ms, encoding::TimeLayout::kDashed);
}

std::optional<int64_t> parse_beijing_timestamp(std::string_view text) {
  return encoding::parse_beijing_time(text, encoding::TimeLayout::kDashed);
}

}  // namespace cgw::unicom
