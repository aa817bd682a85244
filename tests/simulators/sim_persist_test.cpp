// Saved namespaces with the real cgw-sim (mobile carrier) on ephemeral
// ports: a namespace created with "persist": true survives a stop by
// SIGTERM and, after an explicit save, a SIGKILL; its lock and order are
// there after the restart, the order goes on through its lifecycle, and new
// ids do not repeat old ones. Without state_dir persistence is refused
// with 400; a damaged or foreign file stops cgw-sim naming the file.
// Carrier requests are signed here with OpenSSL (docs/carriers/mobile.md).
#include "http.hpp"
#include "process.hpp"
#include "synthetic_ids.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <thread>

using namespace cgw::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append({d[p[i] >> 4], d[p[i] & 15]});
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

std::string hmac_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return hex(md, len);
}

using sim_test::make_id;

const fs::path kSecretFile = fs::path(CGW_SOURCE_DIR) / "config/secrets/mobile-demo.secret";

std::string secret() {
  std::string s = read_file(kSecretFile);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class SimPersist : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir("cgw_sim_persist");
    write_config(dir_ / "sim.yaml", "state_dir: state\n");
    write_config(dir_ / "plain.yaml", "");
  }
  void TearDown() override {
    if (sim_ && sim_->running()) {
      EXPECT_EQ(sim_->stop(SIGTERM, 10s), std::optional<int>(0));
    }
    finish_test_dir(dir_);
  }

  void write_config(const fs::path& file, const std::string& top) {
    std::ofstream(file) << "threads: 2\n"
                        << top << "simulators:\n"
                        << "  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n    pool_size: 300\n"
                        << "    app_id: demo-mobile-app\n    secret: {file: "
                        << kSecretFile.string() << "}\n    activation_delay_ms: 60000\n";
  }

  // Starts cgw-sim with `config`; false (and the log) when it does not come up.
  ::testing::AssertionResult start(const std::string& config = "sim.yaml",
                                   const std::vector<std::string>& extra = {}) {
    fs::remove(dir_ / "sim.ports");
    sim_ = std::make_unique<Process>();  // one per run: a Process keeps its exit code
    std::string why;
    std::vector<std::string> argv = {CGW_SIM_BIN, "--config", (dir_ / config).string(),
                                     "--ports-file", (dir_ / "sim.ports").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto ports = start_and_wait(*sim_, argv, dir_ / ("sim" + std::to_string(++starts_) + ".log"),
                                dir_ / "sim.ports", 20s, &why);
    if (!ports) return ::testing::AssertionFailure() << why;
    port_ = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());
    return ::testing::AssertionSuccess();
  }

  // The exit code and log of a cgw-sim that must refuse to start.
  std::pair<std::optional<int>, std::string> start_refused() {
    const fs::path log = dir_ / ("sim" + std::to_string(++starts_) + ".log");
    sim_ = std::make_unique<Process>();
    EXPECT_TRUE(sim_->start({CGW_SIM_BIN, "--config", (dir_ / "sim.yaml").string()}, log));
    for (int i = 0; i < 500 && sim_->running(); ++i) std::this_thread::sleep_for(20ms);
    return {sim_->stop(SIGKILL, 1s), read_file(log)};
  }

  HttpResult admin(const std::string& method, const std::string& target,
                   const std::string& body = {}) {
    return http(method, port_, target, body);
  }

  // A signed carrier call in namespace `ns`; the reply envelope. The
  // signature covers the target without the /ns/<name> prefix.
  json::object call(const std::string& ns, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    // 16-64 letters and digits; unique across restarts (nonces are not saved).
    const std::string nonce =
        "abcdefghijklmnop" + std::to_string(++nonce_) + "x" + std::to_string(starts_);
    const std::string sig = hmac_hex(
        secret(), method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body));
    std::vector<std::pair<std::string, std::string>> h = {{"X-App-Id", "demo-mobile-app"},
                                                          {"X-Timestamp", ts},
                                                          {"X-Nonce", nonce},
                                                          {"X-Signature", sig}};
    auto r = http(method, port_, "/ns/" + ns + target, body, h);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    auto v = r.json();
    return v.is_object() ? v.as_object() : json::object{};
  }

  std::vector<std::string> idle_numbers(const std::string& ns, size_t n) {
    const auto page = call(ns, "GET", "/open/v1/numbers?cursor=&size=50");
    std::vector<std::string> out;
    if (!page.contains("data")) {
      ADD_FAILURE() << json::serialize(page);
      return out;
    }
    for (const auto& v : page.at("data").at("numbers").as_array())
      if (v.at("state").as_string() == "idle" && out.size() < n)
        out.emplace_back(v.at("number").as_string());
    EXPECT_EQ(out.size(), n);
    return out;
  }

  std::string lock(const std::string& ns, const std::string& number) {
    auto r = call(ns, "POST", "/open/v1/numbers/lock",
                  json::serialize(json::object{{"number", number}, {"holdMinutes", 30}}));
    EXPECT_EQ(r.at("code").as_string(), "0") << json::serialize(r);
    return r.contains("data") ? std::string(r.at("data").at("lockId").as_string()) : "";
  }

  std::string order(const std::string& ns, const std::string& pid, const std::string& number,
                    const std::string& lock_id, const std::string& seq3) {
    auto r =
        call(ns, "POST", "/open/v1/orders",
             json::serialize(json::object{{"partnerOrderId", pid},
                                          {"number", number},
                                          {"lockId", lock_id},
                                          {"planCode", "MB-5G-ZX-59"},
                                          {"certName", "测试用户"},
                                          {"certNo", make_id("19900101", seq3)},
                                          {"contact", json::object{{"name", "测试用户"},
                                                                   {"phone", "13900000000"},
                                                                   {"address", "北京市测试路1号"}}},
                                          // Nobody listens: the callbacks stay pending.
                                          {"notifyUrl", "http://127.0.0.1:9/cb"}}));
    EXPECT_EQ(r.at("code").as_string(), "0") << json::serialize(r);
    return r.contains("data") ? std::string(r.at("data").at("orderId").as_string()) : "";
  }

  json::object state(const std::string& ns) {
    auto r = admin("GET", "/ns/" + ns + "/admin/state");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().as_object();
  }
  static const json::object* find(const json::object& st, const char* list, const char* key,
                                  const std::string& value) {
    for (const auto& v : st.at(list).as_array())
      if (v.at(key).as_string() == value) return &v.as_object();
    return nullptr;
  }
  static std::string error_of(const HttpResult& r) {
    const auto v = r.json();
    const auto* e = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    return e && e->is_string() ? std::string(e->as_string()) : r.body;
  }

  // Locks two numbers and orders one of them; the lock id kept and the order id.
  std::pair<std::string, std::string> lock_and_order(const std::string& ns) {
    const auto numbers = idle_numbers(ns, 2);
    const std::string kept = lock(ns, numbers[0]);
    const std::string order_id = order(ns, "P-1", numbers[1], lock(ns, numbers[1]), "123");
    return {kept, order_id};
  }

  // After a restart: the lock is active with its expiry, the order is
  // there in its stage; then the order reaches SUCCESS and a new order gets
  // a new id.
  void expect_restored(const std::string& ns, const json::object& before,
                       const std::string& lock_id, const std::string& order_id) {
    const auto after = state(ns);
    const auto* l0 = find(before, "reservations", "lockId", lock_id);
    const auto* l1 = find(after, "reservations", "lockId", lock_id);
    ASSERT_TRUE(l0 && l1) << json::serialize(after);
    EXPECT_EQ(l1->at("state").as_string(), "ACTIVE");
    EXPECT_EQ(l1->at("expireTime"), l0->at("expireTime"));
    const auto* o0 = find(before, "orders", "orderId", order_id);
    const auto* o1 = find(after, "orders", "orderId", order_id);
    ASSERT_TRUE(o0 && o1) << json::serialize(after);
    EXPECT_EQ(o1->at("state").as_string(), "PROCESSING");
    EXPECT_EQ(o1->at("stage"), o0->at("stage"));
    EXPECT_EQ(o1->at("partnerOrderId").as_string(), "P-1");
    EXPECT_EQ(after.at("clockOffsetMs").to_number<int64_t>() / 1000,
              before.at("clockOffsetMs").to_number<int64_t>() / 1000);

    // The lifecycle goes on: the activation delay passes, the order ends.
    auto moved = admin("POST", "/ns/" + ns + "/admin/clock", R"({"advance_ms":61000})");
    ASSERT_EQ(moved.status, 200) << moved.body;
    const auto done = state(ns);
    EXPECT_EQ(find(done, "orders", "orderId", order_id)->at("state").as_string(), "SUCCESS");

    // The id stream went on: a new lock and order get ids never issued.
    const auto numbers = idle_numbers(ns, 1);
    const std::string new_lock = lock(ns, numbers[0]);
    const std::string new_order = order(ns, "P-2", numbers[0], new_lock, "456");
    EXPECT_FALSE(new_order.empty());
    EXPECT_EQ(find(done, "orders", "orderId", new_order), nullptr) << new_order << " repeated";
    EXPECT_EQ(find(done, "reservations", "lockId", new_lock), nullptr) << new_lock << " repeated";
  }

  fs::path dir_;
  std::unique_ptr<Process> sim_;
  uint16_t port_ = 0;
  int starts_ = 0, nonce_ = 0;
};

TEST_F(SimPersist, ANamespaceSurvivesACleanStop) {
  ASSERT_TRUE(start());
  auto made = admin("POST", "/admin/namespaces", R"({"name":"qa1","seed":7,"persist":true})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json().at("persist"), true);
  const fs::path file = dir_ / "state/mobile/qa1.json";
  EXPECT_TRUE(fs::exists(file)) << "written at creation";
  // Another namespace, not saved: gone after the restart.
  ASSERT_EQ(admin("POST", "/admin/namespaces", R"({"name":"scratch"})").status, 201);

  const auto [lock_id, order_id] = lock_and_order("qa1");
  ASSERT_FALSE(order_id.empty());
  // Past the shipment (at a third of the 60 s activation delay): its
  // callback goes to a port nobody listens on and stays pending.
  ASSERT_EQ(admin("POST", "/ns/qa1/admin/clock", R"({"advance_ms":25000})").status, 200);
  const auto before = state("qa1");
  ASSERT_EQ(sim_->stop(SIGTERM, 10s), std::optional<int>(0));

  // The file names what it is.
  const auto saved = json::parse(read_file(file)).as_object();
  EXPECT_EQ(saved.at("format").as_string(), "cgw-sim-namespace");
  EXPECT_EQ(saved.at("version").to_number<int>(), 1);
  EXPECT_EQ(saved.at("create").at("seed").to_number<int>(), 7);
  const auto& pending = saved.at("state").at("pending_callbacks").as_array();
  ASSERT_FALSE(pending.empty()) << "the order's callback was never acknowledged";
  const std::string event_id(pending.at(0).at("event_id").as_string());

  ASSERT_TRUE(start());
  const auto list = admin("GET", "/admin/namespaces").json();
  ASSERT_EQ(list.at("namespaces").as_array().size(), 1u) << json::serialize(list);
  EXPECT_EQ(list.at("namespaces").at(0).at("name").as_string(), "qa1");
  EXPECT_EQ(list.at("namespaces").at(0).at("seed").to_number<int>(), 7);
  EXPECT_EQ(list.at("namespaces").at(0).at("persist"), true);
  // The pending callback is sent again.
  EXPECT_NE(find(state("qa1"), "callbacks", "eventId", event_id), nullptr) << event_id;
  expect_restored("qa1", before, lock_id, order_id);

  // Deleting it deletes its file.
  ASSERT_EQ(admin("DELETE", "/admin/namespaces/qa1").status, 200);
  EXPECT_FALSE(fs::exists(file));
}

TEST_F(SimPersist, AnExplicitSaveSurvivesAKill) {
  ASSERT_TRUE(start());
  ASSERT_EQ(admin("POST", "/admin/namespaces", R"({"name":"qa2","persist":true})").status, 201);
  const auto [lock_id, order_id] = lock_and_order("qa2");
  ASSERT_FALSE(order_id.empty());
  const auto before = state("qa2");
  auto saved = admin("POST", "/ns/qa2/admin/state/save");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.json().at("file").as_string(), (dir_ / "state/mobile/qa2.json").string());
  sim_->stop(SIGKILL, 5s);

  ASSERT_TRUE(start());
  expect_restored("qa2", before, lock_id, order_id);

  // A reset is saved at once: after another kill the namespace is fresh.
  ASSERT_EQ(admin("POST", "/ns/qa2/admin/reset").status, 200);
  sim_->stop(SIGKILL, 5s);
  ASSERT_TRUE(start());
  const auto fresh = state("qa2");
  EXPECT_TRUE(fresh.at("orders").as_array().empty()) << json::serialize(fresh);
  EXPECT_TRUE(fresh.at("reservations").as_array().empty());
}

TEST_F(SimPersist, ChangesAreSavedWithinASecondAndAnIdleNamespaceIsNotWritten) {
  ASSERT_TRUE(start());
  ASSERT_EQ(admin("POST", "/admin/namespaces", R"({"name":"qa5","persist":true})").status, 201);
  const std::string number = idle_numbers("qa5", 1).at(0);
  const std::string lock_id = lock("qa5", number);
  std::this_thread::sleep_for(2500ms);  // the periodic save runs every second
  sim_->stop(SIGKILL, 5s);              // no save at exit

  ASSERT_TRUE(start());
  const auto st = state("qa5");
  const auto* l = find(st, "reservations", "lockId", lock_id);
  ASSERT_NE(l, nullptr) << json::serialize(st);
  EXPECT_EQ(l->at("state").as_string(), "ACTIVE");

  // Nothing changes: the file is not written again.
  const fs::path file = dir_ / "state/mobile/qa5.json";
  const auto written = fs::last_write_time(file);
  const std::string text = read_file(file);
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(fs::last_write_time(file), written);
  EXPECT_EQ(read_file(file), text);
}

TEST_F(SimPersist, PersistenceWithoutStateDirIsRefused) {
  ASSERT_TRUE(start("plain.yaml"));
  auto r = admin("POST", "/admin/namespaces", R"({"name":"qa3","persist":true})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_of(r), "persistence needs state_dir in the cgw-sim config (or --state-dir)");
  EXPECT_EQ(admin("GET", "/ns/qa3/admin/state").status, 404) << "nothing was created";
  r = admin("POST", "/admin/namespaces", R"({"name":"qa3","persist":"yes"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "persist must be true or false");
  // A namespace not saved has nothing to save.
  ASSERT_EQ(admin("POST", "/admin/namespaces", R"({"name":"qa3"})").status, 201);
  r = admin("POST", "/ns/qa3/admin/state/save");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(error_of(r), "namespace qa3 is not saved to a file: create it with \"persist\": true");

  // --state-dir gives the same config a state directory.
  ASSERT_EQ(sim_->stop(SIGTERM, 10s), std::optional<int>(0));
  ASSERT_TRUE(start("plain.yaml", {"--state-dir", (dir_ / "flag").string()}));
  r = admin("POST", "/admin/namespaces", R"({"name":"qa4","persist":true})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(fs::exists(dir_ / "flag/mobile/qa4.json"));
}

TEST_F(SimPersist, ADamagedOrForeignFileStopsTheStartNamingIt) {
  fs::create_directories(dir_ / "state/mobile");
  const fs::path file = dir_ / "state/mobile/broken.json";
  std::ofstream(file) << R"({"format":"cgw-sim-namespace","version":1,"carr)";
  auto [code, log] = start_refused();
  EXPECT_EQ(code, std::optional<int>(1)) << log;
  EXPECT_NE(log.find(file.string() + ": not valid JSON"), std::string::npos) << log;

  std::ofstream(file, std::ios::trunc)
      << R"({"format":"cgw-sim-namespace","version":99,"carrier":"mobile","name":"broken"})";
  std::tie(code, log) = start_refused();
  EXPECT_EQ(code, std::optional<int>(1)) << log;
  EXPECT_NE(log.find(file.string() + ": file format version 99; this cgw-sim reads version 1"),
            std::string::npos)
      << log;

  // A real file with one field damaged: the field is named.
  fs::remove(file);
  ASSERT_TRUE(start());
  ASSERT_EQ(admin("POST", "/admin/namespaces", R"({"name":"good","persist":true})").status, 201);
  lock_and_order("good");
  ASSERT_EQ(sim_->stop(SIGTERM, 10s), std::optional<int>(0));
  const fs::path good = dir_ / "state/mobile/good.json";
  auto saved = json::parse(read_file(good));
  saved.as_object()["state"]
      .as_object()["ledger"]
      .as_object()["orders"]
      .as_array()[0]
      .as_object()["stage"] = "teleported";
  std::ofstream(good, std::ios::trunc) << json::serialize(saved);
  std::tie(code, log) = start_refused();
  EXPECT_EQ(code, std::optional<int>(1)) << log;
  EXPECT_NE(log.find(good.string() + ": state.ledger.orders[0].stage: unknown value 'teleported'"),
            std::string::npos)
      << log;
}

}  // namespace
