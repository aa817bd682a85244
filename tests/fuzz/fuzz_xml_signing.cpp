// Fuzz target: the XML and signing code on its own, where fuzz_plugins only
// reaches it through whole operations. Byte 0 picks the case, the rest is
// the input:
//   0  SDK XML readers (<cgw/xml.hpp>): parse, then every reader (req_child,
//      list_of, req_text, req_int, req_bool, ...) on every element, as a
//      reply or callback parser would call them;
//   1  SDK XML writer: values split at NUL bytes go into a request
//      document, which must parse back to the same values (no markup
//      injection from a name or an address);
//   2  common crypto: hex and base64 decoders, AES-256-GCM opening of
//      arbitrary bytes (the PII at rest format), HMAC-SHA256 (webhook and
//      telecom callback signatures);
//   3  mvno: strict base64, the ID field key decoder, PEM key parsing and
//      SHA256withRSA verification of arbitrary signatures;
//   4  unicom: the Beijing timestamp parser and the MD5 form signature;
//   5  mobile: the canonical string and HMAC-SHA256 signature.
// Decoders must be exact inverses of their encoders, and no forged
// signature or ciphertext may be accepted.
#include <cgw/xml.hpp>
#include "cgw/common/crypto.hpp"
#include "mobile/signing.hpp"
#include "mvno/field_cipher.hpp"
#include "mvno/signing.hpp"
#include "unicom/signing.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {
using namespace cgw;

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    const size_t at = s.find(sep, from);
    out.emplace_back(s.substr(from, at == std::string_view::npos ? at : at - from));
    if (at == std::string_view::npos) return out;
    from = at + 1;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void xml_readers(std::string_view text) {
  pugi::xml_document doc;
  if (!xml::parse(text, doc)) return;
  const pugi::xml_node root = xml::root_element(doc);
  if (!root) abort();  // xml::parse promises exactly one element
  // Depth-first, without recursion: documents can nest deeply.
  std::vector<std::pair<pugi::xml_node, int>> todo{{root, 0}};
  while (!todo.empty()) {
    const pugi::xml_node node = todo.back().first;
    const int depth = todo.back().second;
    todo.pop_back();
    std::set<std::string> names;
    for (pugi::xml_node c : node.children())
      if (c.type() == pugi::node_element) names.insert(c.name());
    for (const std::string& name : names) {
      // Each reader either answers or throws BadReply; anything else
      // escaping would cross the plugin boundary as an unknown error.
      auto attempt = [](auto&& read) {
        try {
          read();
        } catch (const BadReply&) {
        }
      };
      attempt([&] { xml::req_child(node, name); });
      attempt([&] { xml::opt_child(node, name); });
      attempt([&] { xml::list_of(node, name); });
      attempt([&] {
        const std::string t = xml::req_text(node, name);
        if (xml::opt_text(node, name) != t) abort();
      });
      attempt([&] {
        if (xml::req_id(node, name).empty()) abort();
      });
      attempt([&] {
        const int64_t v = xml::req_int(node, name);
        if (xml::opt_int(node, name) != v) abort();
      });
      attempt([&] { xml::req_bool(node, name); });
    }
    if (depth < 32)
      for (pugi::xml_node c : node.children())
        if (c.type() == pugi::node_element) todo.emplace_back(c, depth + 1);
  }
}

void xml_writer(std::string_view input) {
  static const char* const kNames[] = {"Name", "IdNumber", "Address", "Remark"};
  std::vector<std::string> values = split(input, '\0');
  if (values.size() > 4) values.resize(4);
  xml::Builder b("Request");
  std::vector<std::pair<const char*, std::string>> sent;
  for (size_t i = 0; i < values.size(); ++i) {
    // What the plugins check before building a request.
    if (!xml::safe(values[i])) continue;
    xml::Builder::add(b.root(), kNames[i], values[i]);
    sent.emplace_back(kNames[i], values[i]);
  }
  const std::string text = b.str();
  pugi::xml_document doc;
  if (!xml::parse(text, doc)) abort();
  const pugi::xml_node root = xml::root_element(doc);
  if (std::string_view(root.name()) != "Request") abort();
  size_t elements = 0;
  for (pugi::xml_node c : root.children()) elements += c.type() == pugi::node_element;
  if (elements != sent.size()) abort();  // a value made an element of its own
  for (const auto& [name, value] : sent) {
    // Line ends are normalized by any XML parser, and text of blanks only
    // is not kept: neither changes what a value says.
    const bool exact = value.find('\r') == std::string::npos &&
                       std::any_of(value.begin(), value.end(), [](unsigned char c) {
                         return !(c == ' ' || c == '\t' || c == '\n');
                       });
    std::string got;
    try {
      got = xml::req_text(root, name);
    } catch (const BadReply&) {
      abort();
    }
    if (exact && got != value) abort();
  }
}

void common_crypto(std::string_view input) {
  if (auto bytes = crypto::from_hex(input)) {
    std::string lower(input);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (crypto::to_hex(*bytes) != lower) abort();
  }
  if (auto bytes = crypto::base64_decode(input)) {
    if (bytes->size() > input.size() / 4 * 3) abort();
    if (crypto::base64_decode(crypto::base64_encode(*bytes)) != *bytes) abort();
  }
  // The PII at rest format: arbitrary bytes never open under the key.
  static const std::string kKey(32, 'k');
  if (crypto::aes256gcm_decrypt(kKey, input, "row_1")) abort();
  const std::string sealed = crypto::aes256gcm_encrypt(kKey, input, "row_1");
  if (crypto::aes256gcm_decrypt(kKey, sealed, "row_1") != std::string(input)) abort();
  if (crypto::aes256gcm_decrypt(kKey, sealed, "row_2")) abort();  // bound to its row
  // Signatures: fixed sizes whatever the message; only the real one matches.
  const std::string mac = crypto::hmac_sha256_hex("whsec-key", input);
  if (mac.size() != 64 || crypto::equal_ct(mac, input) != (mac == input)) abort();
  if (crypto::sha256_hex(input).size() != 64) abort();
}

void mvno_signing(std::string_view input) {
  if (auto bytes = mvno::base64_decode(input)) {
    if (mvno::base64_encode(*bytes) != input) abort();  // strict: one text per value
  }
  if (auto key = mvno::decode_field_key(input)) {
    if (key->size() != mvno::kFieldKeyBytes) abort();
  }
  mvno::rsa_private_key_from_pem(input);
  mvno::rsa_public_key_from_pem(input);
  static const mvno::KeyHandle kCarrierPublic = mvno::rsa_public_key_from_pem(
      read_file(std::string(CGW_SOURCE_DIR) + "/config/secrets/mvno-demo-carrier-public.pem"));
  if (!kCarrierPublic) abort();
  const std::string text =
      mvno::canonical_string("post", "/v1/callbacks/mvno", "1796000000000", "nonce", "{}");
  if (mvno::verify_base64(kCarrierPublic.get(), text, input)) abort();  // a forgery
}

void unicom_signing(std::string_view input) {
  if (auto ms = unicom::parse_beijing_timestamp(input)) {
    if (unicom::beijing_timestamp(*ms) != input) abort();
  }
  unicom::Params params;
  for (const std::string& pair : split(input, '&')) {
    const size_t eq = pair.find('=');
    params.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
  }
  const std::string s = unicom::string_to_sign("SECRET", params);
  if (s.rfind("SECRET", 0) != 0 || !s.ends_with("SECRET")) abort();
  if (unicom::sign("SECRET", params).size() != 32) abort();
}

void mobile_signing(std::string_view input) {
  auto f = split(input, '\n');
  f.resize(5);
  const std::string s = mobile::string_to_sign(f[0], f[1], f[2], f[3], f[4]);
  if (!s.ends_with(mobile::sha256_hex(f[4]))) abort();
  const std::string sig = mobile::signature("secret", f[0], f[1], f[2], f[3], f[4]);
  if (sig != mobile::hmac_sha256_hex("secret", s) || sig.size() != 64) abort();
  if (mobile::equal_constant_time(sig, input) != (sig == input)) abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      xml_readers(input);
      break;
    case 1:
      xml_writer(input);
      break;
    case 2:
      common_crypto(input);
      break;
    case 3:
      mvno_signing(input);
      break;
    case 4:
      unicom_signing(input);
      break;
    default:
      mobile_signing(input);
  }
  return 0;
}
