#include "contract_env.hpp"

#include "cgw/common/crypto.hpp"
#include "test_dir.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace cgw::contract {

namespace json = boost::json;
using namespace std::chrono_literals;
using cgw::test::HttpResult;

namespace {

Env* g_env = nullptr;

const std::filesystem::path kTools = std::filesystem::path(CGW_SOURCE_DIR) / "tests/contract";
const std::filesystem::path kPrism = kTools / "node_modules/.bin/prism";
// CGW_CONTRACT_SPEC: another description to hold the gateway to (e.g. an
// older docs/openapi.yaml, to see what this test finds in it).
const std::filesystem::path kSpec =
    std::getenv("CGW_CONTRACT_SPEC") ? std::filesystem::path(std::getenv("CGW_CONTRACT_SPEC"))
                                     : std::filesystem::path(CGW_SOURCE_DIR) / "docs/openapi.yaml";

// CGW_CONTRACT_BUILD_DIR: the processes of another build tree (e.g. the
// sanitizer stage's build-san) instead of this one's.
std::string built(const char* relative, const char* own) {
  const char* dir = std::getenv("CGW_CONTRACT_BUILD_DIR");
  return dir ? (std::filesystem::path(dir) / relative).string() : std::string(own);
}
const std::string kGatewayBin = built("bin/cgw-gateway", CGW_GATEWAY_BIN);
const std::string kSimBin = built("bin/cgw-sim", CGW_SIM_BIN);

std::string plugin(const char* carrier, const char* own) {
  return built((std::string("plugins/cgw_") + carrier + ".so").c_str(), own);
}

std::string secret(const std::string& name) {
  return std::string(CGW_SOURCE_DIR) + "/config/secrets/" + name;
}

// A port that was free a moment ago: Prism takes a port number, not 0.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

void write_sim_config(const std::filesystem::path& file) {
  std::ofstream f(file);
  auto carrier = [&](const char* id, const char* app, const char* secret_file) {
    f << "  - carrier: " << id << "\n    listen: \"127.0.0.1:0\"\n    seed: 5\n"
      << "    pool_size: 1500\n    app_id: " << app
      << "\n    secret: {file: " << secret(secret_file)
      << "}\n    activation_delay_ms: 300\n    reservation_ttl_s: 1800\n";
  };
  f << "threads: 2\nsimulators:\n";
  carrier("mobile", "demo-mobile-app", "mobile-demo.secret");
  carrier("unicom", "demo-unicom-app", "unicom-demo.secret");
  carrier("mvno", "demo-mvno-partner", "mvno-demo-id-aes.key");
  f << "    settings:\n"
    << "      gateway_public_key: {file: " << secret("mvno-demo-gateway-public.pem") << "}\n"
    << "      carrier_private_key: {file: " << secret("mvno-demo-carrier-private.pem") << "}\n";
  carrier("telecom", "demo-telecom-app", "telecom-demo.secret");
  f << "    settings:\n"
    << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
}

void write_gateway_config(const std::filesystem::path& dir, const json::object& sim_ports) {
  std::ofstream k(dir / "pii.key");
  k << std::string(64, 'c');
  std::ofstream f(dir / "gateway.yaml");
  auto key = [](const std::string& k) { return cgw::crypto::sha256_hex(k); };
  // Small limits, so that 413 and 431 are the gateway's own answers to
  // requests Prism itself still forwards.
  f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\nstore: {path: cgw.db}\n"
    << "log: {level: info}\nlimits: {max_header_bytes: 8192, max_body_bytes: 65536}\n"
    << "security: {pii_key: {file: pii.key}}\n"
    << "tenants:\n"
    << "  - id: demo\n    api_keys:\n"
    << "      - sha256: " << key(kKey) << "\n"
    << "      - sha256: " << key(kReadOnlyKey) << "\n        scopes: [inventory:read]\n"
    << "  - id: monitoring\n    api_keys:\n"
    << "      - sha256: " << key(kMetricsKey) << "\n        scopes: [metrics:read]\n"
    << "  - id: slow\n    api_keys:\n      - sha256: " << key(kRateKey) << "\n"
    << "    quotas: {requests_per_s: 0.01, request_burst: 1}\n"
    << "  - id: kyc-limited\n    api_keys:\n      - sha256: " << key(kKycQuotaKey) << "\n"
    << "    quotas: {kyc_per_minute: 0.01, kyc_burst: 1}\n"
    << "carriers:\n";
  // No retries and a breaker that never opens here: the injected faults of
  // the error cases must reach the API one for one.
  auto common = [&](const char* id) {
    std::ostringstream c;
    c << "    required: true\n    base_url: http://127.0.0.1:" << sim_ports.at(id).to_number<int>()
      << "\n"
      << "    sync_page_size: 500\n    sync_interval_s: 3600\n"
      << "    activation_poll_interval_s: 1\n    request_timeout_ms: 2000\n    max_retries: 0\n"
      << "    circuit_breaker: {window: 20, min_calls: 20, failure_ratio: 1.0}\n";
    return c.str();
  };
  f << "  - id: mobile\n    plugin: " << plugin("mobile", CGW_MOBILE_PLUGIN) << "\n"
    << common("mobile") << "    settings:\n      app_id: demo-mobile-app\n"
    << "      secret: {file: " << secret("mobile-demo.secret") << "}\n"
    << "  - id: unicom\n    plugin: " << plugin("unicom", CGW_UNICOM_PLUGIN) << "\n"
    << common("unicom") << "    settings:\n      app_id: demo-unicom-app\n"
    << "      secret: {file: " << secret("unicom-demo.secret") << "}\n"
    << "  - id: mvno\n    kind: mvno\n    host_network: mixed\n"
    << "    plugin: " << plugin("mvno", CGW_MVNO_PLUGIN) << "\n"
    << common("mvno") << "    settings:\n      partner_id: demo-mvno-partner\n"
    << "      gateway_private_key: {file: " << secret("mvno-demo-gateway-private.pem") << "}\n"
    << "      carrier_public_key: {file: " << secret("mvno-demo-carrier-public.pem") << "}\n"
    << "      id_field_key: {file: " << secret("mvno-demo-id-aes.key") << "}\n"
    << "  - id: telecom\n    plugin: " << plugin("telecom", CGW_TELECOM_PLUGIN) << "\n"
    << common("telecom") << "    settings:\n      client_id: demo-telecom-app\n"
    << "      client_secret: {file: " << secret("telecom-demo.secret") << "}\n"
    << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
}

// The short-hold gateway: mobile only, on its own simulator namespace (its
// own numbers and locks), holding reservations kShortHoldS seconds (the
// carrier still locks for a whole minute, released when the hold ends).
void write_short_hold_config(const std::filesystem::path& dir, int sim_port) {
  std::ofstream f(dir / "gateway-short.yaml");
  f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\nstore: {path: cgw-short.db}\n"
    << "log: {level: info}\nsecurity: {pii_key: {file: pii.key}}\n"
    << "tenants:\n  - id: demo\n    api_keys:\n"
    << "      - sha256: " << cgw::crypto::sha256_hex(kKey) << "\n"
    << "carriers:\n  - id: mobile\n    plugin: " << plugin("mobile", CGW_MOBILE_PLUGIN) << "\n"
    << "    required: true\n    base_url: http://127.0.0.1:" << sim_port << "/ns/short\n"
    << "    sync_page_size: 500\n    sync_interval_s: 3600\n    request_timeout_ms: 2000\n"
    << "    max_retries: 0\n    reservation_hold_s: " << kShortHoldS << "\n"
    << "    settings:\n      app_id: demo-mobile-app\n"
    << "      secret: {file: " << secret("mobile-demo.secret") << "}\n";
}

// Until the gateway on `port` has had the first full sync of every carrier
// (straight to it: readiness polling is not part of the contract).
bool wait_synced(uint16_t port, size_t carriers) {
  for (int i = 0; i < 600; ++i) {
    auto r =
        cgw::test::http("GET", port, "/v1/carriers", {}, {{"Authorization", "Bearer " + kKey}});
    if (r.status == 200) {
      const auto body = r.json();
      const auto& list = body.at("carriers").as_array();
      bool synced = list.size() == carriers;
      for (const auto& c : list)
        if (c.at("inventory").at("last_sync_at").is_null()) synced = false;
      if (synced) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The Prism proxies in front of the gateway, started together (each takes
// seconds to read the description) and waited for until each forwards (GET
// /healthz through it answers 200). One that exits (its port was taken in
// between) starts again on another port.
struct Proxy {
  cgw::test::Process* process;
  uint16_t* port;
  uint16_t upstream;  // the gateway's port
  bool errors;
  std::string name;
  int starts = 0;
  bool up = false;
};

bool launch(Proxy& x) {
  *x.port = free_port();
  std::vector<std::string> argv = {
      kPrism.string(), "proxy",
      kSpec.string(),  "http://127.0.0.1:" + std::to_string(x.upstream),
      "--host",        "127.0.0.1",
      "--port",        std::to_string(*x.port)};
  if (x.errors) argv.push_back("--errors");
  ++x.starts;
  return *x.port != 0 && x.process->start(argv, g_env->dir / (x.name + ".log"));
}

void start_proxies(std::vector<Proxy> proxies) {
  for (auto& x : proxies) ASSERT_TRUE(launch(x)) << "cannot start " << kPrism;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (auto& x : proxies) {
      if (x.up) continue;
      all = false;
      if (!x.process->running()) {
        ASSERT_LT(x.starts, 3) << x.name << " exits: "
                               << cgw::test::read_file(g_env->dir / (x.name + ".log"));
        ASSERT_TRUE(launch(x)) << "cannot start " << kPrism;
      } else if (cgw::test::http("GET", *x.port, "/healthz").status == 200) {
        x.up = true;
      }
    }
    if (all) return;
    std::this_thread::sleep_for(200ms);
  }
  for (auto& x : proxies)
    ADD_FAILURE() << x.name << (x.up ? " started" : " did not start in time") << ": "
                  << cgw::test::read_file(g_env->dir / (x.name + ".log"));
}

class ContractEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_env = new Env;
    ASSERT_TRUE(std::filesystem::exists(kPrism))
        << kPrism << " is missing: run scripts/setup.sh, which installs the pinned tools of "
        << kTools << " with npm ci";
    g_env->dir = cgw::test::fresh_test_dir("cgw_contract");
    write_sim_config(g_env->dir / "simulators.yaml");
    std::string why;
    auto ports =
        cgw::test::start_and_wait(g_env->sim,
                                  {kSimBin, "--config", (g_env->dir / "simulators.yaml").string(),
                                   "--ports-file", (g_env->dir / "sim.ports").string()},
                                  g_env->dir / "sim.log", g_env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    g_env->sim_ports = json::parse(*ports).as_object();
    write_gateway_config(g_env->dir, g_env->sim_ports);
    auto port =
        cgw::test::start_and_wait(g_env->gateway,
                                  {kGatewayBin, "--config", (g_env->dir / "gateway.yaml").string(),
                                   "--port-file", (g_env->dir / "gw.port").string()},
                                  g_env->dir / "gateway.log", g_env->dir / "gw.port", 15s, &why);
    ASSERT_TRUE(port) << why;
    g_env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    const int mobile_port = g_env->sim_ports.at("mobile").to_number<int>();
    auto ns = cgw::test::http("POST", static_cast<uint16_t>(mobile_port), "/admin/namespaces",
                              R"({"name":"short"})");
    ASSERT_EQ(ns.status, 201) << ns.body;
    write_short_hold_config(g_env->dir, mobile_port);
    auto short_port = cgw::test::start_and_wait(
        g_env->short_gateway,
        {kGatewayBin, "--config", (g_env->dir / "gateway-short.yaml").string(), "--port-file",
         (g_env->dir / "gw-short.port").string()},
        g_env->dir / "gateway-short.log", g_env->dir / "gw-short.port", 15s, &why);
    ASSERT_TRUE(short_port) << why;
    g_env->short_gw_port =
        static_cast<uint16_t>(json::parse(*short_port).at("port").to_number<int>());
    start_proxies(
        {{&g_env->strict_prism, &g_env->strict_port, g_env->gw_port, true, "prism-strict"},
         {&g_env->lenient_prism, &g_env->lenient_port, g_env->gw_port, false, "prism-lenient"},
         {&g_env->short_prism, &g_env->short_port, g_env->short_gw_port, true, "prism-short"}});
    if (::testing::Test::HasFailure()) return;
    ASSERT_TRUE(wait_synced(g_env->gw_port, kCarriers.size()))
        << cgw::test::read_file(g_env->dir / "gateway.log");
    ASSERT_TRUE(wait_synced(g_env->short_gw_port, 1))
        << cgw::test::read_file(g_env->dir / "gateway-short.log");
  }

  void TearDown() override {
    if (!g_env) return;
    g_env->strict_prism.stop(SIGTERM, 5s);
    g_env->lenient_prism.stop(SIGTERM, 5s);
    g_env->short_prism.stop(SIGTERM, 5s);
    g_env->gateway.stop(SIGTERM, 10s);
    g_env->short_gateway.stop(SIGTERM, 10s);
    g_env->sim.stop(SIGTERM, 5s);
    // Kept after any failure, also one of this set-up (not counted as a test).
    const auto* unit = ::testing::UnitTest::GetInstance();
    if (unit->failed_test_count() == 0 && !unit->ad_hoc_test_result().Failed())
      std::filesystem::remove_all(g_env->dir);
    else if (!g_env->dir.empty())
      std::cerr << "test files kept in " << g_env->dir << "\n";
    delete g_env;
    g_env = nullptr;
  }
};

[[maybe_unused]] const auto* const kRegistered =
    ::testing::AddGlobalTestEnvironment(new ContractEnvironment);

Headers with_key(Headers headers, const std::string& key) {
  if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
  return headers;
}

std::string describe(const std::string& method, const std::string& target, const HttpResult& r) {
  return method + " " + target + " -> " + std::to_string(r.status) + " " + r.body;
}

}  // namespace

Env& env() {
  return *g_env;
}

namespace {
// A request through a strict proxy: fails the test on any violation Prism
// reports.
HttpResult call_strict(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, Headers headers, const std::string& key) {
  auto r = cgw::test::http(method, port, target, body, with_key(headers, key));
  EXPECT_NE(r.status, 0) << method << " " << target << ": no answer from Prism";
  // With --errors a violation becomes Prism's own problem+json answer.
  EXPECT_FALSE(r.headers["content-type"].starts_with("application/problem+json"))
      << "Prism reports a violation: " << describe(method, target, r);
  EXPECT_EQ(r.headers.count("sl-violations"), 0u)
      << "Prism reports: " << r.headers["sl-violations"] << "\n"
      << describe(method, target, r);
  return r;
}
}  // namespace

HttpResult call(const std::string& method, const std::string& target, const std::string& body,
                Headers headers, const std::string& key) {
  return call_strict(env().strict_port, method, target, body, std::move(headers), key);
}

HttpResult call_short_hold(const std::string& method, const std::string& target,
                           const std::string& body, Headers headers) {
  return call_strict(env().short_port, method, target, body, std::move(headers), kKey);
}

HttpResult call_invalid(const std::string& method, const std::string& target,
                        const std::string& body, Headers headers, const std::string& key) {
  auto r = cgw::test::http(method, env().lenient_port, target, body, with_key(headers, key));
  EXPECT_NE(r.status, 0) << method << " " << target << ": no answer from Prism";
  EXPECT_FALSE(r.headers["content-type"].starts_with("application/problem+json"))
      << "Prism answered itself: " << describe(method, target, r);
  auto it = r.headers.find("sl-violations");
  if (it != r.headers.end()) {
    boost::system::error_code ec;
    auto list = json::parse(it->second, ec);
    EXPECT_TRUE(!ec && list.is_array()) << "Prism reports: " << it->second;
    if (!ec && list.is_array())
      for (const auto& v : list.as_array()) {
        const auto* loc = v.as_object().if_contains("location");
        const bool of_answer =
            loc && loc->is_array() && !loc->as_array().empty() && loc->as_array()[0] == "response";
        EXPECT_FALSE(of_answer) << "the answer breaks docs/openapi.yaml: " << json::serialize(v)
                                << "\n"
                                << describe(method, target, r);
      }
  }
  return r;
}

HttpResult sim_admin(const std::string& carrier, const std::string& method,
                     const std::string& target, const std::string& body) {
  return cgw::test::http(
      method, static_cast<uint16_t>(env().sim_ports.at(carrier).to_number<int>()), target, body);
}

void expect_error(const HttpResult& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.error_code(), code) << r.body;
  EXPECT_FALSE(r.headers.count("x-request-id") == 0) << "no X-Request-Id: " << r.body;
}

std::string free_number(const std::string& carrier) {
  auto r = call("GET", "/v1/numbers?carrier=" + carrier + "&limit=1&sort=-price");
  if (r.status != 200) return {};
  const auto body = r.json();
  const auto& list = body.at("numbers").as_array();
  return list.empty() ? std::string() : std::string(list[0].at("msisdn").as_string());
}

}  // namespace cgw::contract
