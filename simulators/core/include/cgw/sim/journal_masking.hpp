// What the request journal records of a carrier call: headers and bodies
// with personal data masked the way the gateway masks it (cgw::id::
// mask_id_number, mask_name: docs/security.md, Masking), face and ID images
// replaced by a size and hash marker, signatures and tokens hidden, and
// bodies capped. Which fields hold what is the carrier's to say
// (CarrierSimulator::journal_masking); ciphertext (an encrypted ID field)
// is not personal data in the clear and stays as sent.
#pragma once

#include "cgw/common/http_server.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::sim {

inline constexpr size_t kJournalBodyCap = 64 * 1024;

// Field names (JSON keys at any depth, form parameters, XML elements) by
// what they hold. Exact, case-sensitive names, as the carrier spells them.
struct JournalMasking {
  std::vector<std::string> id_numbers;      // "1101**********002X" (mask_id_number)
  std::vector<std::string> names;           // "张*" (mask_name): person names, addresses
  std::vector<std::string> phones;          // contact phones, masked like ID numbers
  std::vector<std::string> images;          // "[image 1234 bytes sha256:<hex>]"
  std::vector<std::string> secrets;         // "***": signatures, tokens, client secrets
  std::vector<std::string> secret_headers;  // besides the generic ones (see below)
};

struct JournalMessage {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;        // masked, at most kJournalBodyCap bytes
  size_t body_bytes = 0;   // the size as sent
  bool truncated = false;  // body was cut at kJournalBodyCap
};

// Headers hidden for every carrier: Authorization, Proxy-Authorization,
// Cookie, Set-Cookie and any whose name contains "signature", "token",
// "secret", "password" or "api-key" (case-insensitive). The kit's own
// X-Cgw-Sim-* request labels are left out.
bool is_secret_header(std::string_view name, const JournalMasking& masking);

// A body the kit cannot parse as its content type (or of a type it does
// not read: JSON, form, XML) cannot be masked field by field, so it is
// recorded as "[body N bytes sha256:<hex> content-type <type>]".
JournalMessage journal_message(const net::Request& req, const JournalMasking& masking);
JournalMessage journal_message(const net::Response& res, const JournalMasking& masking);
// The masked body alone (for tests and the two above).
std::string mask_body(std::string_view content_type, std::string_view body,
                      const JournalMasking& masking);

}  // namespace cgw::sim
