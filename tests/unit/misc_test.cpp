#include "api/error.hpp"
#include "cgw/common/crypto.hpp"
#include "core/pii.hpp"
#include "inventory/vanity.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace cgw::gw;

TEST(ErrorBody, HasCodeMessageRetryable) {
  auto body = boost::json::parse(error_body(ApiError{409, "NUMBER_UNAVAILABLE", "taken", false}));
  const auto& e = body.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), "NUMBER_UNAVAILABLE");
  EXPECT_EQ(e.at("message").as_string(), "taken");
  EXPECT_EQ(e.at("retryable").as_bool(), false);
  EXPECT_EQ(body.as_object().size(), 1u);
}

TEST(ErrorStatus, CarrierCodesMapToStatuses) {
  EXPECT_EQ(http_status_for("NUMBER_UNAVAILABLE"), 409);
  EXPECT_EQ(http_status_for("CARRIER_TIMEOUT"), 504);
  EXPECT_EQ(http_status_for("CARRIER_UNAVAILABLE"), 503);
  EXPECT_EQ(http_status_for("CARRIER_BAD_RESPONSE"), 502);
}

TEST(Vanity, Tags) {
  auto names = [](const char* n) { return tag_names(vanity_tags(n)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("13800138888"), (V{"AAAA", "AAA", "lucky8", "no4"}));
  EXPECT_EQ(names("13912341234"), (V{"ABCD"}));
  EXPECT_EQ(names("13900009876"), (V{"DCBA", "lucky6", "no4"}));
  EXPECT_EQ(names("13900001122"), (V{"AABB", "no4"}));
  EXPECT_EQ(names("13900001212"), (V{"ABAB", "no4"}));
  EXPECT_EQ(names("13900001221"), (V{"palindrome", "no4"}));
  std::string unknown;
  EXPECT_EQ(parse_tags("AAAA,no4", unknown), vanity_tags("13800138888") & ((1u << 0) | (1u << 9)));
  EXPECT_FALSE(parse_tags("AAAA,lucky7", unknown));
  EXPECT_EQ(unknown, "lucky7");
}

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
  EXPECT_EQ(c.lookup_hash("x"), c.lookup_hash("x"));
  EXPECT_NE(c.lookup_hash("x"), other.lookup_hash("x"));
}

TEST(Crypto, KnownVectors) {
  EXPECT_EQ(cgw::crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(cgw::crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(cgw::crypto::base64_decode(cgw::crypto::base64_encode("hello!!")), "hello!!");
  EXPECT_FALSE(cgw::crypto::base64_decode("abc"));
}
