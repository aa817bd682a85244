// TLS end to end, with certificates made at test time: the gateway's
// listener requires a client certificate from the test CA (mTLS, TLS 1.2+),
// and the gateway reaches the mobile simulator over HTTPS, verifying its
// certificate and host against the CA from its config.
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fstream>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
using namespace std::chrono_literals;

namespace {

const std::string kKeyHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";

struct Env {
  std::filesystem::path dir;
  Process sim, gateway, gateway_rogue_ca;
  uint16_t sim_port = 0, gw_port = 0;
};
Env* env = nullptr;

// One HTTPS request; status 0 when the connection or handshake failed.
struct HttpsResult {
  int status = 0;
  std::string body, error;
};
HttpsResult https_get(uint16_t port, const std::string& target, ssl::context& ctx) {
  HttpsResult out;
  boost::asio::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out.error = ec.message(), out;
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return out.error = ec.message(), out;
  beast::http::request<beast::http::string_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::authorization, "Bearer cgw-demo-key");
  beast::http::write(stream, req, ec);
  if (ec) return out.error = ec.message(), out;
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buffer, res, ec);
  if (ec) return out.error = ec.message(), out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  return out;
}

// A client context trusting the test CA, optionally with a client cert.
std::unique_ptr<ssl::context> client_ctx(const std::string& cert = {}, int max_version = 0) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file((env->dir / "ca.pem").string());
  ctx->set_verify_mode(ssl::verify_peer);
  if (!cert.empty()) {
    ctx->use_certificate_chain_file((env->dir / (cert + ".pem")).string());
    ctx->use_private_key_file((env->dir / (cert + ".key")).string(), ssl::context::pem);
  }
  if (max_version) SSL_CTX_set_max_proto_version(ctx->native_handle(), max_version);
  return ctx;
}

void write_gateway_config(const std::filesystem::path& file, const std::string& carrier_ca) {
  std::ofstream f(file);
  const auto secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
  f << "listen:\n  address: 127.0.0.1\n  port: 0\n  tls:\n"
    << "    cert_file: server.pem\n    key_file: server.key\n"
    << "    client_ca_file: ca.pem\n    require_client_cert: true\n"
    << "threads: 2\nstore: {path: " << file.stem().string() << ".db}\n"
    << "security: {pii_key: {file: pii.key}}\n"
    << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " << kKeyHash << "\n"
    << "carriers:\n  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n"
    << "    base_url: https://127.0.0.1:" << env->sim_port << "\n"
    << "    tls: {ca_file: " << carrier_ca << "}\n"
    << "    sync_page_size: 500\n"
    << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = std::filesystem::temp_directory_path() / ("cgw_tls_" + std::to_string(getpid()));
    std::filesystem::remove_all(env->dir);
    ASSERT_EQ(std::system(("bash " CGW_SOURCE_DIR "/tests/e2e/make_test_certs.sh " +
                           env->dir.string() + " >/dev/null")
                              .c_str()),
              0);
    const auto secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
    {
      std::ofstream f(env->dir / "simulators.yaml");
      f << "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n    pool_size: 2000\n"
        << "    app_id: demo-mobile-app\n    secret: {file: " << secret << "}\n"
        << "    tls: {cert: {file: server.pem}, key: {file: server.key}}\n";
      std::ofstream k(env->dir / "pii.key");
      k << std::string(64, 'd');
    }
    std::string why;
    auto ports = start_and_wait(env->sim,
                                {CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                 "--ports-file", (env->dir / "sim.ports").string()},
                                env->dir / "sim.log", env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    env->sim_port = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());
    write_gateway_config(env->dir / "gateway.yaml", "ca.pem");
    auto port = start_and_wait(env->gateway,
                               {CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                                "--port-file", (env->dir / "gw.port").string()},
                               env->dir / "gateway.log", env->dir / "gw.port", 15s, &why);
    ASSERT_TRUE(port) << why;
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
  }
  static void TearDownTestSuite() {
    env->gateway.stop(SIGTERM, 5s);
    env->gateway_rogue_ca.stop(SIGTERM, 5s);
    env->sim.stop(SIGTERM, 5s);
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }
};

}  // namespace

TEST_F(Tls, MutualTlsServesTheApiAndTheCarrierIsReachedOverVerifiedTls) {
  auto ctx = client_ctx("client");
  // The first sync runs over HTTPS to the simulator, its certificate
  // verified against the configured CA.
  json::value carrier;
  for (int i = 0; i < 200; ++i) {
    auto r = https_get(env->gw_port, "/v1/carriers", *ctx);
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    carrier = json::parse(r.body).at("carriers").at(0);
    if (!carrier.at("inventory").at("last_sync_at").is_null()) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_FALSE(carrier.at("inventory").at("last_sync_at").is_null())
      << read_file(env->dir / "gateway.log");
  EXPECT_GT(carrier.at("inventory").at("available").to_number<int64_t>(), 0);
  auto search = https_get(env->gw_port, "/v1/numbers?carrier=mobile&limit=1", *ctx);
  EXPECT_EQ(search.status, 200) << search.body;
}

TEST_F(Tls, ClientsWithoutATrustedCertificateAreRefused) {
  auto none = client_ctx();
  EXPECT_EQ(https_get(env->gw_port, "/healthz", *none).status, 0);
  auto rogue = client_ctx("rogue-client");
  EXPECT_EQ(https_get(env->gw_port, "/healthz", *rogue).status, 0);
  // Plain HTTP on the TLS port gets no HTTP answer.
  EXPECT_EQ(http("GET", env->gw_port, "/healthz").status, 0);
}

TEST_F(Tls, OnlyTls12AndLater) {
  auto tls11 = client_ctx("client", TLS1_1_VERSION);
  auto r = https_get(env->gw_port, "/healthz", *tls11);
  EXPECT_EQ(r.status, 0);
  auto tls12 = client_ctx("client", TLS1_2_VERSION);
  EXPECT_EQ(https_get(env->gw_port, "/healthz", *tls12).status, 200);
}

TEST_F(Tls, ACarrierWithAnUntrustedCertificateIsNotUsed) {
  // The same simulator, but the gateway trusts another CA: every carrier
  // call fails verification, and nothing is synced.
  write_gateway_config(env->dir / "gateway-rogue.yaml", "rogue-ca.pem");
  std::string why;
  auto port =
      start_and_wait(env->gateway_rogue_ca,
                     {CGW_GATEWAY_BIN, "--config", (env->dir / "gateway-rogue.yaml").string(),
                      "--port-file", (env->dir / "gw-rogue.port").string()},
                     env->dir / "gateway-rogue.log", env->dir / "gw-rogue.port", 15s, &why);
  ASSERT_TRUE(port) << why;
  std::string log;
  for (int i = 0; i < 100 && log.find("certificate verify failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    log = read_file(env->dir / "gateway-rogue.log");
  }
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
  auto ctx = client_ctx("client");
  const auto gw = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
  auto r = https_get(gw, "/v1/carriers", *ctx);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_TRUE(
      json::parse(r.body).at("carriers").at(0).at("inventory").at("last_sync_at").is_null());
}
