// The OpenSSL wrappers against published vectors (cgw/common/crypto.hpp).
#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>

TEST(Crypto, KnownVectors) {
  EXPECT_EQ(cgw::crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(cgw::crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(cgw::crypto::base64_decode(cgw::crypto::base64_encode("hello!!")), "hello!!");
  EXPECT_FALSE(cgw::crypto::base64_decode("abc"));
}
