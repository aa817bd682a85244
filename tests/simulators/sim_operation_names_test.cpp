// Fault rules and callback chaos are checked against what the carrier has:
// the real cgw-sim serving all four carriers on ephemeral ports, driven
// over HTTP through its admin API, and started with configs that name
// operations the carriers do not have. A rule for an unknown operation name
// (which would never fire) and callback chaos for a carrier without
// callbacks (unicom) are refused with 400 naming the valid names; every
// name a carrier lists does fire. The operation names below are written
// from docs/simulators-reference.md ("Operation names") and the carriers' protocol
// docs, not taken from the simulators' code.
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <sstream>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// One carrier call of each operation: method and target, and for unicom
// the form body that names the method.
struct Call {
  std::string operation, method, target, form;
};

const std::map<std::string, std::vector<Call>>& calls() {
  static const std::map<std::string, std::vector<Call>> k = {
      {"mobile",
       {{"/open/v1/plans", "GET", "/open/v1/plans", ""},
        {"/open/v1/numbers", "GET", "/open/v1/numbers?size=1", ""},
        {"/open/v1/numbers/lock", "POST", "/open/v1/numbers/lock", ""},
        {"/open/v1/numbers/unlock", "POST", "/open/v1/numbers/unlock", ""},
        {"/open/v1/realname/verify", "POST", "/open/v1/realname/verify", ""},
        {"/open/v1/orders", "POST", "/open/v1/orders", ""},
        {"/open/v1/orders/query", "GET", "/open/v1/orders/query?orderId=x", ""},
        {"/open/v1/orders/cancel", "POST", "/open/v1/orders/cancel", ""},
        {"/open/v1/subscribers/query", "GET", "/open/v1/subscribers/query?msisdn=x", ""},
        {"/open/v1/subscribers/sim-replace", "POST", "/open/v1/subscribers/sim-replace", ""},
        {"/open/v1/subscribers/suspend", "POST", "/open/v1/subscribers/suspend", ""},
        {"/open/v1/subscribers/resume", "POST", "/open/v1/subscribers/resume", ""},
        {"/open/v1/recharges", "POST", "/open/v1/recharges", ""},
        {"/open/v1/recharges/query", "GET", "/open/v1/recharges/query?partnerRechargeId=x", ""}}},
      {"unicom",
       {{"plan.list", "POST", "/router/rest", "method=plan.list"},
        {"number.query", "POST", "/router/rest", "method=number.query"},
        {"number.lock", "POST", "/router/rest", "method=number.lock"},
        {"number.unlock", "POST", "/router/rest", "method=number.unlock"},
        {"cert.check", "POST", "/router/rest", "method=cert.check"},
        {"order.create", "POST", "/router/rest", "method=order.create"},
        {"order.query", "POST", "/router/rest", "method=order.query"},
        {"order.cancel", "POST", "/router/rest", "method=order.cancel"},
        {"user.query", "POST", "/router/rest", "method=user.query"},
        {"recharge.create", "POST", "/router/rest", "method=recharge.create"},
        {"recharge.query", "POST", "/router/rest", "method=recharge.query"},
        {"user.stop", "POST", "/router/rest", "method=user.stop"},
        {"user.restart", "POST", "/router/rest", "method=user.restart"}}},
      {"telecom",
       {{"oauth.token", "POST", "/oauth/token", ""},
        {"plans.list", "POST", "/api/v1/plans/list", ""},
        {"numbers.query", "POST", "/api/v1/numbers/query", ""},
        {"numbers.reserve", "POST", "/api/v1/numbers/reserve", ""},
        {"numbers.release", "POST", "/api/v1/numbers/release", ""},
        {"realname.check", "POST", "/api/v1/realname/check", ""},
        {"orders.create", "POST", "/api/v1/orders/create", ""},
        {"orders.photos", "POST", "/api/v1/orders/photos", ""},
        {"orders.confirm", "POST", "/api/v1/orders/confirm", ""},
        {"orders.query", "POST", "/api/v1/orders/query", ""},
        {"orders.cancel", "POST", "/api/v1/orders/cancel", ""},
        {"subscribers.query", "POST", "/api/v1/subscribers/query", ""},
        {"recharges.create", "POST", "/api/v1/recharges/create", ""},
        {"recharges.query", "POST", "/api/v1/recharges/query", ""},
        {"sim.replace", "POST", "/api/v1/sim/replace", ""}}},
      {"mvno",
       {{"product.list", "POST", "/openapi/v1/product/list", ""},
        {"number.query", "POST", "/openapi/v1/number/query", ""},
        {"number.occupy", "POST", "/openapi/v1/number/occupy", ""},
        {"number.release", "POST", "/openapi/v1/number/release", ""},
        {"realname.check", "POST", "/openapi/v1/realname/check", ""},
        {"order.create", "POST", "/openapi/v1/order/create", ""},
        {"order.query", "POST", "/openapi/v1/order/query", ""},
        {"order.cancel", "POST", "/openapi/v1/order/cancel", ""},
        {"subscriber.query", "POST", "/openapi/v1/subscriber/query", ""},
        {"recharge.create", "POST", "/openapi/v1/recharge/create", ""},
        {"recharge.query", "POST", "/openapi/v1/recharge/query", ""},
        {"sim.replace", "POST", "/openapi/v1/sim/replace", ""},
        {"subscriber.suspend", "POST", "/openapi/v1/subscriber/suspend", ""},
        {"subscriber.resume", "POST", "/openapi/v1/subscriber/resume", ""}}}};
  return k;
}

std::string secret(const std::string& name) {
  return std::string(CGW_SOURCE_DIR) + "/config/secrets/" + name;
}

// One simulator entry of a cgw-sim config; `extra` is appended to it.
std::string entry(const std::string& carrier, const std::string& extra = "") {
  static const std::map<std::string, std::pair<std::string, std::string>> kCreds = {
      {"mobile", {"demo-mobile-app", "mobile-demo.secret"}},
      {"unicom", {"demo-unicom-app", "unicom-demo.secret"}},
      {"telecom", {"demo-telecom-app", "telecom-demo.secret"}},
      {"mvno", {"demo-mvno-partner", "mvno-demo-id-aes.key"}}};
  std::ostringstream s;
  s << "  - carrier: " << carrier << "\n    listen: \"127.0.0.1:0\"\n    pool_size: 200\n"
    << "    app_id: " << kCreds.at(carrier).first
    << "\n    secret: {file: " << secret(kCreds.at(carrier).second) << "}\n";
  if (carrier == "mvno")
    s << "    settings:\n"
      << "      gateway_public_key: {file: " << secret("mvno-demo-gateway-public.pem") << "}\n"
      << "      carrier_private_key: {file: " << secret("mvno-demo-carrier-private.pem") << "}\n";
  if (carrier == "telecom")
    s << "    settings:\n"
      << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
  return s.str() + extra;
}

struct Env {
  std::filesystem::path dir;
  Process sim;
  std::map<std::string, uint16_t> port;
};
Env* env = nullptr;

HttpResult admin(const std::string& carrier, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
  return http(method, env->port.at(carrier), target, body);
}

std::string error_of(const HttpResult& r) {
  const auto v = r.json();
  const auto* e = v.is_object() ? v.as_object().if_contains("error") : nullptr;
  return e && e->is_string() ? std::string(e->as_string()) : std::string();
}

// An always-firing rule for `operation` that answers 418.
json::object teapot(const std::string& operation) {
  return json::object{{"operation", operation}, {"kind", "http_status"}, {"status", 418}};
}

class SimOperationNames : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = fresh_test_dir("cgw_sim_operation_names");
    std::ofstream(env->dir / "sim.yaml")
        << "threads: 2\nsimulators:\n"
        << entry("mobile") << entry("unicom") << entry("telecom") << entry("mvno");
    std::string why;
    auto ports = start_and_wait(env->sim,
                                {CGW_SIM_BIN, "--config", (env->dir / "sim.yaml").string(),
                                 "--ports-file", (env->dir / "sim.ports").string()},
                                env->dir / "sim.log", env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    const auto port_of = json::parse(*ports);  // alive while iterated
    for (const auto& [carrier, port] : port_of.as_object())
      env->port[std::string(carrier)] = static_cast<uint16_t>(port.to_number<int>());
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(env->sim.stop(SIGTERM, 5s), std::optional<int>(0));
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }
  void SetUp() override { ASSERT_EQ(env->port.size(), 4u) << "cgw-sim did not start"; }
  void TearDown() override {
    admin(GetParam(), "DELETE", "/admin/faults");
    admin(GetParam(), "DELETE", "/admin/namespaces");
  }
};

TEST_P(SimOperationNames, TheAdminApiListsEveryOperationNameAndEachFires) {
  auto r = admin(GetParam(), "GET", "/admin/faults");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> listed, expected;
  const auto body = r.json();
  ASSERT_TRUE(body.as_object().contains("operations")) << r.body;
  for (const auto& op : body.at("operations").as_array()) listed.emplace_back(op.as_string());
  for (const auto& c : calls().at(GetParam())) expected.push_back(c.operation);
  EXPECT_EQ(listed, expected);

  // A rule for each listed name fires on a call of that operation.
  json::array rules;
  for (const auto& op : listed) rules.push_back(teapot(op));
  auto added = admin(GetParam(), "POST", "/admin/faults", json::serialize(rules));
  ASSERT_EQ(added.status, 201) << added.body;
  for (const auto& c : calls().at(GetParam())) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!c.form.empty()) h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto r = http(c.method, env->port.at(GetParam()), c.target, c.form, h);
    EXPECT_EQ(r.status, 418) << GetParam() << " " << c.operation << ": " << r.body;
  }
  // Each rule fired exactly once: for its own operation only.
  const auto list = admin(GetParam(), "GET", "/admin/faults").json();
  for (const auto& f : list.at("faults").as_array())
    EXPECT_EQ(f.at("fired").to_number<int>(), 1) << json::serialize(f);
}

TEST_P(SimOperationNames, AnUnknownOperationIsRefusedWithTheValidNames) {
  // A list with one bad rule: refused as a whole, nothing added.
  json::array rules{teapot("*"), teapot(calls().at(GetParam()).front().operation),
                    teapot("number.lockk")};
  auto r = admin(GetParam(), "POST", "/admin/faults", json::serialize(rules));
  ASSERT_EQ(r.status, 400) << r.body;
  const std::string error = error_of(r);
  EXPECT_NE(error.find("'number.lockk'"), std::string::npos) << error;
  EXPECT_NE(error.find("\"*\""), std::string::npos) << error;
  for (const auto& c : calls().at(GetParam()))
    EXPECT_NE(error.find(c.operation), std::string::npos) << c.operation << " not in " << error;
  EXPECT_TRUE(admin(GetParam(), "GET", "/admin/faults").json().at("faults").as_array().empty());

  // One rule alone, and the {"faults":[...]} form.
  EXPECT_EQ(admin(GetParam(), "POST", "/admin/faults", json::serialize(teapot("nope"))).status,
            400);
  EXPECT_EQ(admin(GetParam(), "POST", "/admin/faults",
                  json::serialize(json::object{{"faults", json::array{teapot("nope")}}}))
                .status,
            400);

  // In a namespace's admin API, and in the faults of a new namespace.
  ASSERT_EQ(admin(GetParam(), "POST", "/admin/namespaces", R"({"name":"n1"})").status, 201);
  auto in_ns = admin(GetParam(), "POST", "/ns/n1/admin/faults", json::serialize(teapot("nope")));
  EXPECT_EQ(in_ns.status, 400) << in_ns.body;
  auto made =
      admin(GetParam(), "POST", "/admin/namespaces",
            json::serialize(json::object{{"name", "n2"}, {"faults", json::array{teapot("nope")}}}));
  EXPECT_EQ(made.status, 400) << made.body;
  EXPECT_NE(error_of(made).find("'nope'"), std::string::npos) << made.body;
  EXPECT_EQ(admin(GetParam(), "GET", "/ns/n2/admin/state").status, 404);
  // A valid name is still accepted there.
  auto good = admin(GetParam(), "POST", "/admin/namespaces",
                    json::serialize(json::object{
                        {"name", "n3"},
                        {"faults", json::array{teapot(calls().at(GetParam()).back().operation)}}}));
  EXPECT_EQ(good.status, 201) << good.body;
}

// Unicom sends no callbacks; the others' acceptance is the control.
class SimCallbackChaos : public SimOperationNames {};

TEST_P(SimCallbackChaos, CallbackChaosNeedsACarrierWithCallbacks) {
  const std::string chaos = R"({"duplicate":{"first":1},"delay":{"ms":100}})";
  auto r = admin(GetParam(), "POST", "/admin/callback-chaos", chaos);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_of(r).find(GetParam() + " sends no callbacks"), std::string::npos) << r.body;
  EXPECT_EQ(admin(GetParam(), "GET", "/admin/callback-chaos").body, "{}");
  auto made = admin(GetParam(), "POST", "/admin/namespaces",
                    R"({"name":"c1","callback_chaos":)" + chaos + "}");
  EXPECT_EQ(made.status, 400) << made.body;
  EXPECT_EQ(admin(GetParam(), "GET", "/ns/c1/admin/state").status, 404);
  // Turning chaos off is fine, and a malformed body is still a plain 400.
  EXPECT_EQ(admin(GetParam(), "POST", "/admin/callback-chaos", "{}").status, 200);
  EXPECT_EQ(admin(GetParam(), "DELETE", "/admin/callback-chaos").status, 200);
  auto typo = admin(GetParam(), "POST", "/admin/callback-chaos", R"({"duplicat":{}})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(error_of(typo).find("unknown key"), std::string::npos) << typo.body;

  for (const std::string with : {"mobile", "telecom", "mvno"}) {
    EXPECT_EQ(admin(with, "POST", "/admin/callback-chaos", chaos).status, 200) << with;
    EXPECT_EQ(admin(with, "DELETE", "/admin/callback-chaos").status, 200) << with;
    auto ns =
        admin(with, "POST", "/admin/namespaces", R"({"name":"c1","callback_chaos":)" + chaos + "}");
    EXPECT_EQ(ns.status, 201) << with << ": " << ns.body;
    EXPECT_EQ(admin(with, "DELETE", "/admin/namespaces").status, 200) << with;
  }
}

INSTANTIATE_TEST_SUITE_P(NoCallbacks, SimCallbackChaos, ::testing::Values("unicom"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

INSTANTIATE_TEST_SUITE_P(AllCarriers, SimOperationNames,
                         ::testing::Values("mobile", "unicom", "telecom", "mvno"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// The same checks on the config file: cgw-sim refuses to start (exit 2)
// and names the file, the line and the valid names.
struct BadConfig {
  std::string name, yaml, expected;
};

TEST(SimOperationNamesConfig, UnknownNamesAndChaosWithoutCallbacksAreConfigErrors) {
  const auto dir = fresh_test_dir("cgw_sim_operation_names_config");
  const std::vector<BadConfig> cases = {
      {"fault", entry("unicom", "    faults:\n      - {operation: number.lockk, kind: reset}\n"),
       ":9: faults[0]: unknown operation 'number.lockk' (known: \"*\", plan.list, number.query, "
       "number.lock, number.unlock, cert.check, order.create, order.query, order.cancel, "
       "user.query, recharge.create, recharge.query, user.stop, user.restart)"},
      {"mobile_fault",
       entry("mobile",
             "    faults:\n      - {operation: \"*\", kind: reset, first: 1}\n"
             "      - {operation: number.lock, kind: reset}\n"),
       ":10: faults[1]: unknown operation 'number.lock' (known: \"*\", /open/v1/plans"},
      {"chaos", entry("unicom", "    callback_chaos: {drop: {every: 2}}\n"),
       ":8: callback_chaos: unicom sends no callbacks"}};
  for (const auto& c : cases) {
    const auto file = dir / (c.name + ".yaml");
    std::ofstream(file) << "threads: 1\nsimulators:\n" << c.yaml;
    Process p;
    ASSERT_TRUE(p.start({CGW_SIM_BIN, "--config", file.string()}, dir / (c.name + ".log")));
    EXPECT_EQ(p.stop(0, 10s), std::optional<int>(2)) << c.name;  // signal 0: only wait
    const std::string log = read_file(dir / (c.name + ".log"));
    EXPECT_NE(log.find(file.string() + c.expected), std::string::npos) << c.name << ": " << log;
  }
  // Valid names, and chaos for a carrier with callbacks, start.
  const auto ok = dir / "ok.yaml";
  std::ofstream(ok) << "threads: 1\nsimulators:\n"
                    << entry("unicom",
                             "    faults:\n      - {operation: order.query, kind: "
                             "latency, latency_ms: 1}\n")
                    << entry("telecom",
                             "    faults:\n      - {operation: orders.confirm, kind: "
                             "reset}\n    callback_chaos: {duplicate: {first: 1}}\n");
  Process p;
  std::string why;
  EXPECT_TRUE(start_and_wait(
      p, {CGW_SIM_BIN, "--config", ok.string(), "--ports-file", (dir / "ok.ports").string()},
      dir / "ok.log", dir / "ok.ports", 15s, &why))
      << why;
  EXPECT_EQ(p.stop(SIGTERM, 5s), std::optional<int>(0));
  finish_test_dir(dir);
}

}  // namespace
