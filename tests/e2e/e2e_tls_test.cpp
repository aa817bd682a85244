// TLS end to end, with certificates made at test time: the gateway's
// listener requires a client certificate from the test CA (mTLS, TLS 1.2+),
// and the gateway reaches the mobile simulator over HTTPS, verifying its
// certificate and host against the CA from its config.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fstream>

using namespace cgw::test;
namespace json = boost::json;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cgw-demo-key";

struct Env {
  Stack stack{"cgw_tls"};
  std::filesystem::path dir = stack.dir;
  Process gateway_rogue_ca;
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
  req.set(beast::http::field::authorization, "Bearer " + kKey);
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

// The TLS listener (mTLS) and the carrier reached over HTTPS, trusting
// `carrier_ca`; each config has its own store.
std::string gateway_tls_config(const std::string& name, const std::string& carrier_ca) {
  GatewaySpec gw;
  gw.tenants = {TenantSpec("demo", {kKey})};
  CarrierSpec mobile("mobile",
                     "https://127.0.0.1:" + std::to_string(env->stack.sim_port("mobile")));
  mobile.required = false;
  mobile.extra = "    tls: {ca_file: " + carrier_ca + "}\n";
  gw.carriers = {mobile};
  auto yaml = gateway_config(gw);
  // The listener with TLS, and a store of its own.
  const std::string plain_listen = "listen: {address: 127.0.0.1, port: 0}\n";
  yaml.replace(yaml.find(plain_listen), plain_listen.size(),
               "listen:\n  address: 127.0.0.1\n  port: 0\n  tls:\n"
               "    cert_file: server.pem\n    key_file: server.key\n"
               "    client_ca_file: ca.pem\n    require_client_cert: true\n");
  const std::string store = "store: {path: cgw.db}";
  yaml.replace(yaml.find(store), store.size(), "store: {path: " + name + ".db}");
  return yaml;
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    ASSERT_EQ(std::system(("bash " CGW_SOURCE_DIR "/tests/e2e/make_test_certs.sh " +
                           env->dir.string() + " >/dev/null")
                              .c_str()),
              0);
    SimSpec mobile("mobile", 7, 2000);
    mobile.activation_delay_ms = std::nullopt;
    mobile.reservation_ttl_s = std::nullopt;
    mobile.extra = "    tls: {cert: {file: server.pem}, key: {file: server.key}}\n";
    ASSERT_EQ(env->stack.start_sim(sim_config({mobile})), "");
    env->sim_port = env->stack.sim_port("mobile");
    ASSERT_EQ(env->stack.start_gateway(gateway_tls_config("gateway", "ca.pem")), "");
    env->gw_port = env->stack.gw_port;
  }
  static void TearDownTestSuite() {
    env->gateway_rogue_ca.stop(SIGTERM, 5s);
    env->stack.finish(true);
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
  wait_until(
      [&] {
        auto r = https_get(env->gw_port, "/v1/carriers", *ctx);
        EXPECT_EQ(r.status, 200) << r.error << r.body;
        if (r.status != 200) return true;
        carrier = json::parse(r.body).at("carriers").at(0);
        return !carrier.at("inventory").at("last_sync_at").is_null();
      },
      10s);
  ASSERT_TRUE(carrier.is_object());
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
  uint16_t gw = 0;
  ASSERT_EQ(env->stack.start_gateway_into(env->gateway_rogue_ca, gw, "gateway-rogue",
                                          gateway_tls_config("gateway-rogue", "rogue-ca.pem"), 15s),
            "");
  std::string log;
  wait_until(
      [&] {
        log = read_file(env->dir / "gateway-rogue.log");
        return log.find("certificate verify failed") != std::string::npos;
      },
      10s, 100ms);
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
  auto ctx = client_ctx("client");
  auto r = https_get(gw, "/v1/carriers", *ctx);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_TRUE(
      json::parse(r.body).at("carriers").at(0).at("inventory").at("last_sync_at").is_null());
}
