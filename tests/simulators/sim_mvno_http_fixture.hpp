// Helpers and fixtures shared by sim_mvno_http_orders_test.cpp,
// sim_mvno_http_test.cpp.
// sim_mvno_http_orders_test.cpp): helpers and fixtures.
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "synthetic_ids.hpp"

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

namespace mvno_http {

constexpr const char* kPartner = "test-mvno-partner";

inline std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- independent crypto (OpenSSL directly) -----------------------------

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
inline Pkey read_key(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return Pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
              &EVP_PKEY_free);
}
inline std::string b64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                 reinterpret_cast<const unsigned char*>(raw.data()),
                                                 static_cast<int>(raw.size()))));
  return out;
}
inline std::string unb64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return {};
  out.resize(static_cast<size_t>(n) - (text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0));
  return out;
}
inline std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) (out += d[md[i] >> 4]) += d[md[i] & 15];
  return out;
}
inline std::string canonical(const std::string& method, const std::string& target,
                             const std::string& ts, const std::string& nonce,
                             const std::string& body) {
  return method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
}
inline std::string rsa_sign(const std::string& private_pem, const std::string& data) {
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
inline bool rsa_verify(const std::string& public_pem, const std::string& data,
                       const std::string& sig64) {
  Pkey key = read_key(public_pem, false);
  const std::string sig = unb64(sig64);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}
inline std::string key_bytes(const std::string& hex_text) {
  long len = 0;
  std::string hex = hex_text.substr(0, 64);
  std::unique_ptr<unsigned char, void (*)(void*)> raw(OPENSSL_hexstr2buf(hex.c_str(), &len),
                                                      [](void* p) { OPENSSL_free(p); });
  return std::string(reinterpret_cast<const char*>(raw.get()), static_cast<size_t>(len));
}
// base64(iv || ciphertext || tag), the doc's certNoEnc.
inline std::string gcm_seal(const std::string& key32, const std::string& plaintext) {
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

using sim_test::make_id;

inline asio::awaitable<net::Response> ready(net::Response r) {
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

}  // namespace mvno_http
