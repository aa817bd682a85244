// The mvno simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port); the test signs requests (SHA256withRSA with the
// demo gateway key) and encrypts ID numbers (AES-256-GCM with the demo field
// key) itself with OpenSSL, independently of the simulator's code. A second
// in-process server plays the partner's callback endpoint and checks the
// callbacks with the carrier's public key.
#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPartner = "test-mvno-partner";

std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- independent crypto (OpenSSL directly) -----------------------------

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
Pkey read_key(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return Pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
              &EVP_PKEY_free);
}
std::string b64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                 reinterpret_cast<const unsigned char*>(raw.data()),
                                                 static_cast<int>(raw.size()))));
  return out;
}
std::string unb64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return {};
  out.resize(static_cast<size_t>(n) - (text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0));
  return out;
}
std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) (out += d[md[i] >> 4]) += d[md[i] & 15];
  return out;
}
std::string canonical(const std::string& method, const std::string& target, const std::string& ts,
                      const std::string& nonce, const std::string& body) {
  return method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
}
std::string rsa_sign(const std::string& private_pem, const std::string& data) {
  Pkey key = read_key(private_pem, true);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  return b64(sig);
}
bool rsa_verify(const std::string& public_pem, const std::string& data, const std::string& sig64) {
  Pkey key = read_key(public_pem, false);
  const std::string sig = unb64(sig64);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}
std::string key_bytes(const std::string& hex_text) {
  long len = 0;
  std::string hex = hex_text.substr(0, 64);
  std::unique_ptr<unsigned char, void (*)(void*)> raw(OPENSSL_hexstr2buf(hex.c_str(), &len),
                                                      [](void* p) { OPENSSL_free(p); });
  return std::string(reinterpret_cast<const char*>(raw.get()), static_cast<size_t>(len));
}
// base64(iv || ciphertext || tag), the doc's certNoEnc.
std::string gcm_seal(const std::string& key32, const std::string& plaintext) {
  unsigned char iv[12];
  RAND_bytes(iv, sizeof iv);
  std::string ct(plaintext.size(), '\0');
  unsigned char tag[16];
  int len = 0;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key32.data()), iv);
  EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(ct.data()), &len,
                    reinterpret_cast<const unsigned char*>(plaintext.data()),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(ct.data()) + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag);
  return b64(std::string(reinterpret_cast<char*>(iv), 12) + ct +
             std::string(reinterpret_cast<char*>(tag), 16));
}

// A checksum-valid synthetic ID number (GB 11643), computed here.
std::string make_id(const std::string& birth8, const std::string& seq3) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = "110101" + birth8 + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

asio::awaitable<net::Response> ready(net::Response r) {
  co_return r;
}

struct Received {
  std::string target, body;
  bool signature_ok = false;
};

// The partner's notify endpoint: checks the carrier's signature, answers
// the literal SUCCESS (or 500 for the first `fail_first` deliveries).
class Partner {
 public:
  explicit Partner(asio::io_context& ioc)
      : server_(ioc, net::ServerOptions{},
                [this](net::Request& req, const net::Peer&) { return ready(handle(req)); }) {
    EXPECT_EQ(server_.listen(), "");
    server_.start();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/notify/mvno?src=sim";
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  void drain() { server_.drain(); }
  std::atomic<int> fail_first{0};

 private:
  net::Response handle(const net::Request& req) {
    static const std::string carrier_public = secret_file("mvno-demo-carrier-public.pem");
    Received r;
    r.target = req.target();
    r.body = req.body();
    r.signature_ok = req["X-Partner-Id"] == kPartner && req["X-Sign-Type"] == "SHA256withRSA" &&
                     rsa_verify(carrier_public,
                                canonical("POST", r.target, std::string(req["X-Timestamp"]),
                                          std::string(req["X-Nonce"]), r.body),
                                std::string(req["X-Signature"]));
    {
      std::lock_guard lock(mu_);
      received_.push_back(r);
    }
    if (fail_first.fetch_sub(1) > 0)
      return net::make_response(req, net::http::status::internal_server_error, "FAIL");
    return net::make_response(req, net::http::status::ok, "SUCCESS");
  }
  std::mutex mu_;
  std::vector<Received> received_;
  net::HttpServer server_;
};

struct Signing {
  std::optional<int64_t> ts_ms;
  std::optional<std::string> nonce;
  std::string private_pem = secret_file("mvno-demo-gateway-private.pem");
  std::string partner = kPartner;
  std::string sign_type = "SHA256withRSA";
};

class MvnoHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    cgw::sim::mvno::MvnoSettings s;
    s.partner_id = kPartner;
    s.gateway_public_key_pem = secret_file("mvno-demo-gateway-public.pem");
    s.carrier_private_key_pem = secret_file("mvno-demo-carrier-private.pem");
    s.id_field_key = secret_file("mvno-demo-id-aes.key");
    s.seed = 11;
    s.pool_size = 2000;
    s.activation_delay_ms = 60'000;  // orders end only when the test advances the clock
    s.tick_period = 20ms;
    field_key_ = key_bytes(s.id_field_key);
    sim_ = std::make_unique<cgw::sim::mvno::MvnoSimulator>(ioc_.get_executor(), s);
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, sim_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    sim_->start();
    partner_ = std::make_unique<Partner>(ioc_);
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    sim_->stop();
    server_->drain();
    partner_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    partner_.reset();
    server_.reset();
    sim_.reset();
  }

  net::ClientResponse raw(const std::string& method, const std::string& target,
                          const std::string& body, net::HeaderList headers) {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }

  // A signed call; returns the reply envelope.
  json::object call(const std::string& path, const json::object& body = {}, const Signing& s = {},
                    const std::string& method = "POST") {
    const std::string text = json::serialize(body);
    const std::string ts = std::to_string(s.ts_ms.value_or(cgw::system_now_ms()));
    const std::string nonce =
        s.nonce.value_or("nonce" + std::to_string(++nonce_seq_) + "abcdefghijk");
    auto res =
        raw(method, path, text,
            {{"X-Partner-Id", s.partner},
             {"X-Timestamp", ts},
             {"X-Nonce", nonce},
             {"X-Sign-Type", s.sign_type},
             {"X-Signature", rsa_sign(s.private_pem, canonical(method, path, ts, nonce, text))}});
    EXPECT_TRUE(res.ok()) << res.error;
    return json::parse(res.body).as_object();
  }
  static std::string code(const json::object& o) { return std::string(o.at("code").as_string()); }

  json::object admin(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    auto res = raw(method, target, body, {});
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  void advance(int64_t ms) {
    admin("POST", "/admin/clock", json::serialize(json::object{{"advance_ms", ms}}));
  }

  std::vector<std::string> free_numbers(size_t n) {
    const auto page = call("/openapi/v1/number/query", {{"cursor", ""}, {"pageSize", 200}});
    std::vector<std::string> out;
    for (const auto& v : page.at("data").at("numbers").as_array())
      if (v.at("status").as_string() == "FREE" && out.size() < n)
        out.emplace_back(v.at("msisdn").as_string());
    return out;
  }
  std::string occupy(const std::string& number) {
    auto r = call("/openapi/v1/number/occupy", {{"msisdn", number}, {"occupyMinutes", 0}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r.contains("data") ? std::string(r.at("data").at("occupyNo").as_string()) : "";
  }
  json::object order(const std::string& pon, const std::string& number, const std::string& occ,
                     const std::string& id, const std::string& product = "MV-171-DATA-29") {
    return call(
        "/openapi/v1/order/create",
        {{"partnerOrderNo", pon},
         {"msisdn", number},
         {"occupyNo", occ},
         {"productCode", product},
         {"certName", "测试用户"},
         {"certNoEnc", gcm_seal(field_key_, id)},
         {"receiver", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "北京"}}},
         {"notifyUrl", partner_->url()}});
  }
  json::object check(const std::string& id, const std::string& key = {}) {
    return call(
        "/openapi/v1/realname/check",
        {{"certName", "测试用户"}, {"certNoEnc", gcm_seal(key.empty() ? field_key_ : key, id)}});
  }
  std::vector<Received> wait_callbacks(size_t n) {
    for (int i = 0; i < 250; ++i) {
      auto r = partner_->received();
      if (r.size() >= n) return r;
      std::this_thread::sleep_for(20ms);
    }
    return partner_->received();
  }
  json::object order_state(const std::string& pon) {
    const auto state = admin("GET", "/admin/state");
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == pon) return o.as_object();
    return {};
  }

  asio::io_context ioc_{2};
  std::string field_key_;
  std::unique_ptr<cgw::sim::mvno::MvnoSimulator> sim_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Partner> partner_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
  int nonce_seq_ = 0;
};

}  // namespace

TEST_F(MvnoHttp, SignedRequestListsProductsWithFreeTestPlans) {
  auto r = call("/openapi/v1/product/list");
  ASSERT_EQ(code(r), "0000");
  EXPECT_EQ(r.at("msg").as_string(), "success");
  auto products = r.at("data").at("products").as_array();
  int real = 0, test = 0;
  for (const auto& p : products) {
    ASSERT_TRUE(p.at("monthlyFee").is_int64());
    const bool is_test = std::string(p.at("productCode").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthlyFee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthlyFee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(MvnoHttp, AuthenticationErrors) {
  Signing wrong_key;
  wrong_key.private_pem = secret_file("mvno-demo-carrier-private.pem");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, wrong_key)), "1001");
  Signing other;
  other.partner = "someone-else";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, other)), "1004");
  Signing md5;
  md5.sign_type = "MD5";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, md5)), "1005");
  const int64_t now = cgw::system_now_ms();
  Signing stale, future, fine;
  stale.ts_ms = now - 301'000;
  future.ts_ms = now + 400'000;
  fine.ts_ms = now - 200'000;
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, stale)), "1002");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, future)), "1002");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, fine)), "0000");
  // A body changed after signing.
  const std::string ts = std::to_string(now), nonce = "tamperedTampered0123";
  auto res = raw(
      "POST", "/openapi/v1/product/list", "{\"x\":1}",
      {{"X-Partner-Id", kPartner},
       {"X-Timestamp", ts},
       {"X-Nonce", nonce},
       {"X-Sign-Type", "SHA256withRSA"},
       {"X-Signature", rsa_sign(Signing{}.private_pem,
                                canonical("POST", "/openapi/v1/product/list", ts, nonce, "{}"))}});
  EXPECT_EQ(json::parse(res.body).at("code").as_string(), "1001");
  EXPECT_EQ(json::parse(raw("POST", "/openapi/v1/product/list", "{}", {}).body).at("code"), "1004");
  EXPECT_FALSE(call("/openapi/v1/product/list", {}, wrong_key).contains("data"));
}

TEST_F(MvnoHttp, ReplayedNonceIsRefused) {
  Signing s;
  s.nonce = "replayReplay0123456789";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, s)), "0000");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, s)), "1003");
  // A forged request does not burn a nonce.
  Signing forged;
  forged.nonce = "forgedForged0123456789";
  forged.private_pem = secret_file("mvno-demo-carrier-private.pem");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, forged)), "1001");
  forged.private_pem = Signing{}.private_pem;
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, forged)), "0000");
  auto j = admin("GET", "/admin/requests?limit=2").at("requests").as_array();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].at("code").as_string(), "1001");
  EXPECT_FALSE(j[0].at("signature_ok").as_bool());
  EXPECT_TRUE(j[1].at("signature_ok").as_bool());
}

TEST_F(MvnoHttp, InventoryPagesCarryTheHostNetworkOfTheSegment) {
  // Independent of the simulator's table: domain.md's MVNO segments.
  auto expected_network = [](const std::string& n) -> std::string {
    const std::string p3 = n.substr(0, 3), p4 = n.substr(0, 4);
    if (p4 == "1700" || p4 == "1701" || p4 == "1702" || p3 == "162") return "CTCC";
    if (p4 == "1703" || p4 == "1705" || p4 == "1706" || p3 == "165") return "CMCC";
    if (p4 == "1704" || p4 == "1707" || p4 == "1708" || p4 == "1709" || p3 == "171" || p3 == "167")
      return "CUCC";
    return "none";
  };
  std::string cursor, last;
  size_t total = 0;
  std::set<std::string> networks;
  for (int page = 0; page < 20; ++page) {
    auto r = call("/openapi/v1/number/query", {{"cursor", cursor}, {"pageSize", 500}});
    ASSERT_EQ(code(r), "0000") << json::serialize(r);
    const auto data = r.at("data").as_object();
    for (const auto& v : data.at("numbers").as_array()) {
      const std::string n(v.at("msisdn").as_string());
      EXPECT_GT(n, last);  // ordered, pages disjoint
      last = n;
      EXPECT_EQ(v.at("hostNetwork").as_string(), expected_network(n)) << n;
      networks.insert(std::string(v.at("hostNetwork").as_string()));
      ++total;
    }
    if (!data.at("hasMore").as_bool()) break;
    cursor = std::string(data.at("nextCursor").as_string());
  }
  EXPECT_EQ(total, 2000u);
  EXPECT_EQ(networks.size(), 3u);
  EXPECT_EQ(code(call("/openapi/v1/number/query", {{"cursor", "17000000000"}})), "1101");
  EXPECT_EQ(code(call("/openapi/v1/number/query", {{"pageSize", 5001}})), "1101");
}

TEST_F(MvnoHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = free_numbers(3);
  const auto cursor_of = [](const json::object& r) {
    return std::string(r.at("data").at("changeCursor").as_string());
  };
  auto whole = call("/openapi/v1/number/query", {{"pageSize", 5000}});
  ASSERT_EQ(code(whole), "0000");
  EXPECT_EQ(whole.at("data").at("numbers").as_array().size(), 2000u);
  EXPECT_EQ(whole.at("data").at("total").to_number<int64_t>(), 2000);
  const std::string start = cursor_of(whole);
  EXPECT_EQ(start, "cs1.0");
  const std::string occ = occupy(numbers[0]);
  occupy(numbers[1]);
  ASSERT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "0000");
  admin("POST", "/admin/numbers/" + numbers[2] + "/sell");

  auto feed = [&](const std::string& since, int size) {
    auto r = call("/openapi/v1/number/query", {{"changedSince", since}, {"pageSize", size}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const json::object& r) {
    Changes out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("msisdn").as_string(), n.at("status").as_string());
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "FREE"}, {numbers[1], "OCCUPIED"}, {numbers[2], "SOLD"}}));
  EXPECT_EQ(cursor_of(all), "cs1.4");
  EXPECT_FALSE(all.at("data").at("hasMore").as_bool());
  EXPECT_EQ(all.at("data").at("nextCursor").as_string(), "");
  EXPECT_EQ(cursor_of(call("/openapi/v1/number/query", {{"pageSize", 1}})), "cs1.4");
  EXPECT_TRUE(states(feed("cs1.4", 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "FREE"}, {numbers[1], "OCCUPIED"}}));
  EXPECT_TRUE(p1.at("data").at("hasMore").as_bool());
  auto p2 = feed(cursor_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "FREE"}, {numbers[2], "SOLD"}}));
  EXPECT_FALSE(p2.at("data").at("hasMore").as_bool());
  EXPECT_EQ(cursor_of(p2), "cs1.4");
  // Strict cursors: this carrier's spelling only, not ahead of the log, not
  // with a listing cursor.
  for (const auto& bad :
       std::vector<json::object>{{{"changedSince", "4"}},
                                 {{"changedSince", "cs1."}},
                                 {{"changedSince", "cs1.04"}},
                                 {{"changedSince", "cs1.-1"}},
                                 {{"changedSince", "cs2.4"}},
                                 {{"changedSince", "cs1.4 "}},
                                 {{"changedSince", "cs1.5"}},
                                 {{"changedSince", "cs1.99999999999999999999"}},
                                 {{"changedSince", 4}},
                                 {{"changedSince", ""}},
                                 {{"changedSince", "cs1.0"}, {"cursor", "nc1." + numbers[0]}}})
    EXPECT_EQ(code(call("/openapi/v1/number/query", bad)), "1101") << json::serialize(bad);
}

TEST_F(MvnoHttp, OccupyTwiceReleaseAndWrongNumber) {
  auto numbers = free_numbers(2);
  const std::string occ = occupy(numbers[0]);
  EXPECT_EQ(code(call("/openapi/v1/number/occupy", {{"msisdn", numbers[0]}})), "2002");
  EXPECT_EQ(code(call("/openapi/v1/number/occupy", {{"msisdn", "17000000000"}})), "2001");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[1]}, {"occupyNo", occ}})),
            "2004");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "0000");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "2003");
}

TEST_F(MvnoHttp, EncryptedIdNumberIsDecryptedForTheMagicOutcomes) {
  struct Case {
    std::string seq, result, reject_code;
  };
  for (const auto& c : std::vector<Case>{{"901", "PASS", ""},
                                         {"123", "PASS", ""},
                                         {"911", "REJECT", "3002"},
                                         {"921", "REJECT", "3003"},
                                         {"931", "REJECT", "3009"},
                                         {"941", "REJECT", "3006"},
                                         {"951", "REJECT", "3007"},
                                         {"961", "REJECT", "3005"},
                                         {"971", "REJECT", "3008"},
                                         {"981", "REVIEW", ""}}) {
    auto r = check(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0000") << c.seq;
    EXPECT_EQ(r.at("data").at("checkResult").as_string(), c.result) << c.seq;
    EXPECT_EQ(r.at("data").at("rejectCode").as_string(), c.reject_code) << c.seq;
  }
  EXPECT_EQ(code(check(make_id("19900101", "991"))), "3101");
  auto young = check(make_id("20150101", "901"));
  EXPECT_EQ(young.at("data").at("rejectCode").as_string(), "3004");
  // The same ciphertext layout under another key does not open: 1102.
  EXPECT_EQ(code(check(make_id("19900101", "901"), std::string(32, 'k'))), "1102");
  EXPECT_EQ(code(call("/openapi/v1/realname/check",
                      {{"certName", "测试用户"}, {"certNoEnc", "not base64!"}})),
            "1102");
  // The plain field is not part of the protocol.
  EXPECT_EQ(code(call("/openapi/v1/realname/check",
                      {{"certName", "测试用户"}, {"certNo", make_id("19900101", "901")}})),
            "1101");
}

TEST_F(MvnoHttp, OrderDedupeActivationAndSignedCallback) {
  auto numbers = free_numbers(2);
  const std::string occ = occupy(numbers[0]);
  const std::string id = make_id("19900101", "905");
  auto first = order("act_1", numbers[0], occ, id);
  ASSERT_EQ(code(first), "0000") << json::serialize(first);
  EXPECT_EQ(first.at("data").at("orderStatus").as_string(), "ACCEPTED");
  const std::string order_no(first.at("data").at("orderNo").as_string());
  auto again = order("act_1", numbers[0], occ, id);
  ASSERT_EQ(code(again), "0000");
  EXPECT_EQ(again.at("data").at("orderNo").as_string(), order_no);
  EXPECT_EQ(order_state("act_1").at("submitCount").to_number<int>(), 2);
  // The same partner order no. for another number is refused.
  EXPECT_EQ(code(order("act_1", numbers[1], occupy(numbers[1]), id)), "4002");
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  advance(60'000);
  auto cbs = wait_callbacks(1);
  ASSERT_EQ(cbs.size(), 1u);
  EXPECT_TRUE(cbs[0].signature_ok);
  EXPECT_EQ(cbs[0].target, "/notify/mvno?src=sim");
  auto body = json::parse(cbs[0].body).as_object();
  EXPECT_EQ(body.at("orderNo").as_string(), order_no);
  EXPECT_EQ(body.at("partnerOrderNo").as_string(), "act_1");
  EXPECT_EQ(body.at("orderStatus").as_string(), "OPENED");
  EXPECT_EQ(cbs[0].body.find(id), std::string::npos);
  auto q = call("/openapi/v1/order/query", {{"partnerOrderNo", "act_1"}});
  ASSERT_EQ(code(q), "0000");
  EXPECT_EQ(q.at("data").at("orderStatus").as_string(), "OPENED");
  EXPECT_EQ(code(call("/openapi/v1/order/query", {{"orderNo", "MV000"}})), "4001");
}

TEST_F(MvnoHttp, OrderChecksOccupationProductAndApplicant) {
  auto numbers = free_numbers(1);
  const std::string occ = occupy(numbers[0]);
  const std::string ok_id = make_id("19900101", "903");
  EXPECT_EQ(code(order("o1", numbers[0], "OC-nope", ok_id)), "2003");
  EXPECT_EQ(code(order("o2", numbers[0], occ, ok_id, "MV-NOPE")), "2101");
  EXPECT_EQ(code(order("o3", numbers[0], occ, make_id("19900101", "971"))), "3008");
  EXPECT_EQ(code(order("o4", numbers[0], occ, make_id("19900101", "991"))), "3101");
  // A refused order changes nothing: the occupation still works.
  EXPECT_EQ(code(order("o5", numbers[0], occ, ok_id)), "0000");
}

TEST_F(MvnoHttp, MagicProducts) {
  auto numbers = free_numbers(3);
  const std::string id = make_id("19800101", "907");
  ASSERT_EQ(code(order("rej", numbers[0], occupy(numbers[0]), id, "SIM-REJECT")), "0000");
  ASSERT_EQ(code(order("stuck", numbers[1], occupy(numbers[1]), id, "SIM-STUCK")), "0000");
  ASSERT_EQ(code(order("quiet", numbers[2], occupy(numbers[2]), id, "SIM-NOCALLBACK")), "0000");
  advance(120'000);
  auto cbs = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);
  cbs = partner_->received();
  ASSERT_EQ(cbs.size(), 1u) << "only SIM-REJECT calls back";
  auto body = json::parse(cbs[0].body).as_object();
  EXPECT_EQ(body.at("orderStatus").as_string(), "FAILED");
  EXPECT_EQ(body.at("failCode").as_string(), "3008");
  EXPECT_EQ(order_state("stuck").at("state").as_string(), "PROCESSING");
  EXPECT_EQ(order_state("quiet").at("state").as_string(), "SUCCESS");
}

TEST_F(MvnoHttp, CallbackIsRetriedUntilAcknowledged) {
  partner_->fail_first = 2;
  auto numbers = free_numbers(1);
  ASSERT_EQ(code(order("retry", numbers[0], occupy(numbers[0]), make_id("19900101", "005"))),
            "0000");
  advance(60'000);
  ASSERT_EQ(wait_callbacks(1).size(), 1u);
  for (int i = 0; i < 20 && partner_->received().size() < 3; ++i) {
    advance(60'000);  // past any backoff
    std::this_thread::sleep_for(50ms);
  }
  auto cbs = wait_callbacks(3);
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].body, cbs[2].body) << "the same event, the same notifyId";
  EXPECT_TRUE(cbs[2].signature_ok);
  for (int i = 0; i < 100; ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").at(0);
    if (cb.at("acknowledged").as_bool()) {
      EXPECT_EQ(cb.at("attempts").to_number<int>(), 3);
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "callback never acknowledged";
}

TEST_F(MvnoHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = free_numbers(6);
  const std::string id = make_id("19880808", "004");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(order("line" + std::to_string(i), numbers[i], occupy(numbers[i]), id)), "0000");
  EXPECT_EQ(code(order("line5", numbers[5], occupy(numbers[5]), id)), "3005");
  advance(60'000);
  EXPECT_EQ(check(id).at("data").at("rejectCode").as_string(), "3005");
}

TEST_F(MvnoHttp, RoutingAndFaultInjectorHooks) {
  EXPECT_EQ(code(call("/openapi/v1/nothing")), "1101");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, {}, "PUT")), "1101");
  net::Request req{net::http::verb::post, "/openapi/v1/order/create", 11};
  EXPECT_EQ(sim_->operation_of(req), "order.create");
  auto res = sim_->business_error(req, "9002");
  EXPECT_EQ(res.result_int(), 200u);
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("code").as_string(), "9002");
  EXPECT_TRUE(body.contains("msg"));
}
