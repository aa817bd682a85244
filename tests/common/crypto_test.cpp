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
  // The SDK's canonical decoder: one text per byte string.
  EXPECT_EQ(cgw::crypto::base64_decode("YQ=="), "a");
  EXPECT_FALSE(cgw::crypto::base64_decode("YR=="));
  EXPECT_FALSE(cgw::crypto::base64_decode(" YQ="));
}

TEST(Crypto, SealedPiiOpensOnlyWithItsKeyAndAad) {
  const std::string key(32, 'k');
  const std::string sealed = cgw::crypto::aes256gcm_encrypt(key, "11010119900307123X", "row-1");
  ASSERT_EQ(sealed.size(), 12u + 18u + 16u);  // iv || ciphertext || tag
  EXPECT_EQ(cgw::crypto::aes256gcm_decrypt(key, sealed, "row-1"), "11010119900307123X");
  EXPECT_FALSE(cgw::crypto::aes256gcm_decrypt(key, sealed, "row-2"));
  EXPECT_FALSE(cgw::crypto::aes256gcm_decrypt(std::string(32, 'x'), sealed, "row-1"));
  EXPECT_FALSE(cgw::crypto::aes256gcm_decrypt(key, sealed.substr(0, 27), "row-1"));
  EXPECT_NE(cgw::crypto::aes256gcm_encrypt(key, "same", ""),
            cgw::crypto::aes256gcm_encrypt(key, "same", ""));  // random IV
}
