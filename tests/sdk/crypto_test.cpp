// Known-answer vectors for <cgw/crypto.hpp>: RFC 4231 (HMAC-SHA256/512),
// FIPS 180 "abc", GB/T 32905 (SM3), RFC 4648 (base64), the GCM
// specification (AES-GCM), and an RSA-SHA256 signature made with the
// openssl command line over the demo key.
#include <cgw/crypto.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using namespace cgw::crypto;

std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string bytes(std::string_view hex_text) {
  return unhex(hex_text).value();
}

TEST(Crypto, HexRoundTripsAndRefusesMalformedText) {
  EXPECT_EQ(hex("\x01\xab\xff"), "01abff");
  EXPECT_EQ(hex("\x01\xab\xff", true), "01ABFF");
  EXPECT_EQ(unhex("01AbfF"), std::string("\x01\xab\xff"));
  EXPECT_EQ(unhex(""), std::string());
  EXPECT_EQ(unhex("abc"), std::nullopt);   // odd length
  EXPECT_EQ(unhex("0g"), std::nullopt);    // not hex
  EXPECT_EQ(unhex("0x01"), std::nullopt);  // no prefixes
}

TEST(Crypto, HmacRfc4231) {
  const std::string key1(20, '\x0b');
  EXPECT_EQ(hex(hmac(Digest::kSha256, key1, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac(Digest::kSha512, key1, "Hi There")),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac(Digest::kSha512, "Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  // Test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, DigestsOfAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(digest(Digest::kSha1, "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(digest(Digest::kMd5, "abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(digest(Digest::kSha512, "abc")).substr(0, 32), "ddaf35a193617abacc417349ae204131");
  // GB/T 32905-2016, example 1.
  EXPECT_EQ(hex(digest(Digest::kSm3, "abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(Crypto, Base64Rfc4648) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, text] : vectors) {
    EXPECT_EQ(base64(plain), text);
    EXPECT_EQ(unbase64(text), std::string(plain)) << text;
  }
  EXPECT_EQ(unbase64("+/8="), std::string("\xfb\xff"));
}

TEST(Crypto, Base64RefusesNonCanonicalText) {
  for (const char* text : {"Zg=", "Zg", "Zh==", "Zm9=", " Zg==", "Zg==\n", "Zm 9v",
                           "Zm9v====", "Z===", "Zm9v-_8=", "Zg=a"})
    EXPECT_EQ(unbase64(text), std::nullopt) << "'" << text << "'";
}

TEST(Crypto, ConstantTimeCompare) {
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

TEST(Crypto, AesGcmKnownAnswerAndTamperDetection) {
  // The GCM specification, test case 2 (AES-128, zero key, IV and block).
  const std::string key(16, '\0'), iv(12, '\0'), pt(16, '\0');
  const auto sealed = aes_gcm_seal(key, iv, pt);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(*sealed), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
  EXPECT_EQ(aes_gcm_open(key, iv, *sealed), pt);

  const std::string key256 = bytes(std::string(64, '7')), iv2 = "unique-iv-12";
  const auto s2 = aes_gcm_seal(key256, iv2, "ID 110101", "aad");
  ASSERT_TRUE(s2);
  EXPECT_EQ(aes_gcm_open(key256, iv2, *s2, "aad"), std::string("ID 110101"));
  EXPECT_EQ(aes_gcm_open(key256, iv2, *s2, "other aad"), std::nullopt);
  std::string flipped = *s2;
  flipped[0] ^= 1;
  EXPECT_EQ(aes_gcm_open(key256, iv2, flipped, "aad"), std::nullopt);
  EXPECT_EQ(aes_gcm_open(key256, iv2, s2->substr(0, 10), "aad"), std::nullopt);  // short
  EXPECT_EQ(aes_gcm_seal("short key", iv2, "x"), std::nullopt);
}

TEST(Crypto, RsaSha256SignsAsOpensslDoesAndVerifies) {
  const auto priv = PemKey::private_key(secret_file("mvno-demo-gateway-private.pem"));
  const auto pub = PemKey::public_key(secret_file("mvno-demo-gateway-public.pem"));
  ASSERT_TRUE(priv && pub);
  // printf 'cgw sdk known answer' | openssl dgst -sha256 -sign <private.pem> | base64 -w0
  const std::string expected =
      "RorlKBwJkW5oJwc1GsIz6WiO2AMtLHKlY+8/nxIWt8I8rZjYNnLJS3OOoLMgn24gQsg+Q5APlFQmipf7p5bhoO3zj1p"
      "biiWNtR2k1fVEoxc9+EqiCjRLdiv7rhSDIUBJWtFZ3pK9sUU1d4QFIf6Zjnp4M4PXtRPNXb0AXxzSsy+3OVpaes2bol"
      "aMggbVvnxkhMCONPLMV0LpNOv2A6qAVISx94XsPBSBbvC3n9m/ZroFi252OYGuHpO0UbX0E/+DL3yAB5iUTgE29hdg9"
      "N92jRwohfEiK9mZvD2mQNVGaWs8qb/owGNKvrlFwdTgCtlC+9w3tk7QLNb5eaXsVKsFbA==";
  const auto sig = rsa_sha256_sign(*priv, "cgw sdk known answer");
  ASSERT_TRUE(sig);
  EXPECT_EQ(base64(*sig), expected);
  EXPECT_TRUE(rsa_sha256_verify(*pub, "cgw sdk known answer", *sig));
  EXPECT_FALSE(rsa_sha256_verify(*pub, "cgw sdk known answeR", *sig));
  EXPECT_FALSE(rsa_sha256_verify(*pub, "cgw sdk known answer", sig->substr(1)));
  const auto other = PemKey::public_key(secret_file("mvno-demo-carrier-public.pem"));
  ASSERT_TRUE(other);
  EXPECT_FALSE(rsa_sha256_verify(*other, "cgw sdk known answer", *sig));
}

TEST(Crypto, PemKeyRefusesWhatIsNotAKey) {
  EXPECT_FALSE(PemKey::private_key("not a key"));
  EXPECT_FALSE(PemKey::public_key(""));
  // A private key is not accepted where a public one is expected.
  EXPECT_FALSE(PemKey::public_key(secret_file("mvno-demo-gateway-private.pem")));
}

}  // namespace
