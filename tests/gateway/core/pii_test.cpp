// Sealing PII at rest and its lookup hashes (core/pii.hpp).
#include "core/pii.hpp"
#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace cgw::gw;

TEST(Pii, SealedValueOpensOnlyForItsRow) {
  PiiCipher c(std::string(32, 'k'));
  auto sealed = c.seal("11010519491231002X", "kyc_1/id_number");
  EXPECT_EQ(sealed.find("11010519491231002X"), std::string::npos);
  EXPECT_EQ(c.open(sealed, "kyc_1/id_number"), "11010519491231002X");
  EXPECT_FALSE(c.open(sealed, "kyc_2/id_number"));  // AAD binds the row
  PiiCipher other(std::string(32, 'o'));
  EXPECT_FALSE(other.open(sealed, "kyc_1/id_number"));  // another key id
  // Flip a character in the middle (its bits are all significant; near the
  // padding some base64 bits are not).
  auto tampered = sealed;
  auto& ch = tampered[tampered.size() / 2];
  ch = ch == 'A' ? 'B' : 'A';
  EXPECT_FALSE(c.open(tampered, "kyc_1/id_number"));
  // The lookup hash is the HMAC-SHA256 of the value under the current key:
  // another instance with that key finds the same rows, another value or
  // another key does not.
  EXPECT_EQ(c.lookup_hash("x"), cgw::crypto::hmac_sha256_hex(std::string(32, 'k'), "x"));
  EXPECT_EQ(c.lookup_hash("x"), PiiCipher(std::string(32, 'k')).lookup_hash("x"));
  EXPECT_NE(c.lookup_hash("x"), c.lookup_hash("y"));
  EXPECT_NE(c.lookup_hash("x"), other.lookup_hash("x"));
}
