// The audit log (api/audit_log.hpp, docs/security.md "Audit log"): the
// fields of a line, escaping, that each line is on disk at once, appending
// across restarts, the error when the file cannot be opened; and, through
// the gateway's own HttpApi on a temporary store, the lines of an allowed
// and of a refused request, with no ID number or name from the body in them.
// There is no rotation: the file is only ever appended to.
#include "api/audit_log.hpp"
#include "api/api_in_process.hpp"

#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace cgw::gw;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kNow = 1796000000000;  // 2026-11-30T00:53:20Z

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("cgw_audit_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> out;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

AuditEntry entry(std::string object_id, int status, std::string outcome) {
  AuditEntry e;
  e.at_ms = kNow;
  e.request_id = "req-1";
  e.tenant = "demo";
  e.key_label = "ops";
  e.action = "activation.read";
  e.object_id = std::move(object_id);
  e.outcome = std::move(outcome);
  e.http_status = status;
  return e;
}

}  // namespace

TEST(AuditLog, LineHasExactlyTheDocumentedFields) {
  const auto dir = fresh_dir("fields");
  AuditLog log(dir / "audit.log");
  ASSERT_TRUE(log.open());
  log.record(entry("a-1", 200, "ok"));
  log.record(entry("a-2", 403, "FORBIDDEN"));

  const auto lines = lines_of(dir / "audit.log");
  ASSERT_EQ(lines.size(), 2u);
  const auto allowed = json::parse(lines[0]).as_object();
  EXPECT_EQ(allowed, (json::object{{"at", "2026-11-30T00:53:20Z"},
                                   {"request_id", "req-1"},
                                   {"tenant", "demo"},
                                   {"key", "ops"},
                                   {"action", "activation.read"},
                                   {"object_id", "a-1"},
                                   {"http_status", 200},
                                   {"outcome", "ok"}}));
  const auto refused = json::parse(lines[1]).as_object();
  EXPECT_EQ(refused.at("http_status"), 403);
  EXPECT_EQ(refused.at("outcome"), "FORBIDDEN");
  EXPECT_EQ(refused.at("object_id"), "a-2");
  fs::remove_all(dir);
}

TEST(AuditLog, HostileObjectIdStaysOneLineOfValidJson) {
  const auto dir = fresh_dir("escape");
  AuditLog log(dir / "audit.log");
  ASSERT_TRUE(log.open());
  // From a request path: a line break, a byte that is not UTF-8, a bidi
  // override.
  log.record(entry("a\n{\"forged\":1}\xff\xe2\x80\xae", 404, "NOT_FOUND"));
  const auto lines = lines_of(dir / "audit.log");
  ASSERT_EQ(lines.size(), 1u);
  boost::system::error_code ec;
  auto line = json::parse(lines[0], ec);  // Boost.JSON refuses invalid UTF-8
  ASSERT_FALSE(ec) << ec.message();
  const std::string id(line.at("object_id").as_string());
  EXPECT_EQ(id.find('\n'), std::string::npos);
  EXPECT_EQ(id.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_FALSE(line.as_object().contains("forged"));
  fs::remove_all(dir);
}

TEST(AuditLog, EachLineIsInTheFileAtOnce) {
  // A crash must not lose the trail of what was already answered.
  const auto dir = fresh_dir("flush");
  AuditLog log(dir / "audit.log");
  ASSERT_TRUE(log.open());
  log.record(entry("a-1", 200, "ok"));
  EXPECT_EQ(lines_of(dir / "audit.log").size(), 1u);  // the logger is still open
  log.record(entry("a-2", 200, "ok"));
  EXPECT_EQ(lines_of(dir / "audit.log").size(), 2u);
  fs::remove_all(dir);
}

TEST(AuditLog, ReopeningAppendsNeverTruncates) {
  const auto dir = fresh_dir("append");
  const auto file = dir / "sub" / "audit.log";  // the folder is made
  {
    AuditLog first(file);
    ASSERT_TRUE(first.open());
    first.record(entry("a-1", 200, "ok"));
  }
  AuditLog second(file);
  ASSERT_TRUE(second.open());
  second.record(entry("a-2", 200, "ok"));
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0]).at("object_id"), "a-1");
  EXPECT_EQ(json::parse(lines[1]).at("object_id"), "a-2");
  fs::remove_all(dir);
}

TEST(AuditLog, UnopenableFileIsAnInternalErrorNamingIt) {
  const auto dir = fresh_dir("unopenable");
  std::ofstream(dir / "not-a-dir") << "x";
  AuditLog log(dir / "not-a-dir" / "audit.log");
  const auto opened = log.open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, cgw::gw::code::kInternal);
  EXPECT_NE(opened.error().message.find((dir / "not-a-dir" / "audit.log").string()),
            std::string::npos)
      << opened.error().message;
  log.record(entry("a-1", 200, "ok"));  // not opened: nothing, and no crash
  fs::remove_all(dir);
}

// ---- Through the gateway's HttpApi ---------------------------------------

namespace {

const std::string kPlatformKey = "audit-test-platform-key";  // every scope, label "platform"
const std::string kReaderKey = "audit-test-reader-key";      // inventory:read only
const std::string kIdNumber = "110101199003071233";          // GB 11643-valid, synthetic
const std::string kName = "张审计";

// A gateway without carriers on a temporary store, as the fuzz_api target
// builds it: requests go through HttpApi::handle, audit line included.
struct Gateway {
  fs::path dir = fresh_dir("api");
  in_process::ApiInProcess gw;

  Gateway() {
    setenv("CGW_AUDIT_TEST_PII_KEY", std::string(64, 'e').c_str(), 1);
    auto h = [](const std::string& k) { return cgw::crypto::sha256_hex(k); };
    const std::string yaml =
        "security: {pii_key: {env: CGW_AUDIT_TEST_PII_KEY}}\n"
        "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " +
        h(kPlatformKey) + "\n        label: platform\n      - sha256: " + h(kReaderKey) +
        "\n        label: reader\n        scopes: [inventory:read]\n"
        "carriers:\n  - id: mobile\n    plugin: /nonexistent.so\n"
        "    base_url: http://127.0.0.1:9\n";
    EXPECT_EQ(gw.start(yaml, dir, kNow, dir / "audit.log"), "");
  }
  ~Gateway() {
    gw.stop();
    fs::remove_all(dir);
  }

  cgw::net::Response call(const std::string& key, boost::beast::http::verb method,
                          const std::string& target, const std::string& body = {}) {
    cgw::net::Request req{method, target, 11};
    req.set(boost::beast::http::field::authorization, "Bearer " + key);
    req.set("X-Request-Id", "audit-test-" + std::to_string(++requests));
    if (!body.empty()) req.set(boost::beast::http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    cgw::net::Peer peer;
    peer.address = "127.0.0.1";
    auto done = boost::asio::co_spawn(gw.ioc, gw.api->handle(req, peer), boost::asio::use_future);
    gw.ioc.restart();
    gw.ioc.run();
    return done.get();
  }
  int requests = 0;
};

std::string error_code_of(const cgw::net::Response& res) {
  return std::string(json::parse(res.body()).at("error").at("code").as_string());
}

}  // namespace

TEST(AuditLogThroughApi, AllowedAndRefusedRequestsWithoutPersonalData) {
  Gateway gw;
  using verb = boost::beast::http::verb;
  const std::string kyc = json::serialize(
      json::object{{"carrier", "mobile"}, {"name", kName}, {"id_number", kIdNumber}});

  // Allowed: a listing that succeeds, and a KYC check the key may make
  // (its carrier is not loaded here, so it fails in the handler).
  const auto listed = gw.call(kPlatformKey, verb::get, "/v1/activations?status=unknown");
  ASSERT_EQ(listed.result_int(), 200u) << listed.body();
  const auto allowed = gw.call(kPlatformKey, verb::post, "/v1/kyc/verifications", kyc);
  ASSERT_GE(allowed.result_int(), 400u) << allowed.body();
  ASSERT_NE(allowed.result_int(), 403u) << allowed.body();
  // Refused: the same KYC check by a key without the scope.
  const auto refused = gw.call(kReaderKey, verb::post, "/v1/kyc/verifications", kyc);
  ASSERT_EQ(refused.result_int(), 403u) << refused.body();
  // Not audited: no tenant without a known key.
  EXPECT_EQ(gw.call("no-such-key", verb::post, "/v1/kyc/verifications", kyc).result_int(), 401u);

  const auto file = gw.dir / "audit.log";
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u) << slurp(file);
  auto line = [&](size_t i) { return json::parse(lines[i]).as_object(); };
  EXPECT_EQ(line(0), (json::object{{"at", "2026-11-30T00:53:20Z"},
                                   {"request_id", "audit-test-1"},
                                   {"tenant", "demo"},
                                   {"key", "platform"},
                                   {"action", "activation.list"},
                                   {"object_id", ""},
                                   {"http_status", 200},
                                   {"outcome", "ok"}}));
  const auto kyc_allowed = line(1);
  EXPECT_EQ(kyc_allowed.at("action"), "verification.create");
  EXPECT_EQ(kyc_allowed.at("key"), "platform");
  EXPECT_EQ(kyc_allowed.at("request_id"), "audit-test-2");
  EXPECT_EQ(kyc_allowed.at("http_status"), allowed.result_int());
  EXPECT_EQ(kyc_allowed.at("outcome").as_string(), error_code_of(allowed));
  const auto kyc_refused = line(2);
  EXPECT_EQ(kyc_refused.at("action"), "verification.create");
  EXPECT_EQ(kyc_refused.at("tenant"), "demo");
  EXPECT_EQ(kyc_refused.at("key"), "reader");
  EXPECT_EQ(kyc_refused.at("http_status"), 403);
  EXPECT_EQ(kyc_refused.at("outcome"), "FORBIDDEN");

  // No personal data from the bodies: not the ID number, not its
  // birth-date digits, not the name, not even its first character.
  const auto all = slurp(file);
  EXPECT_EQ(all.find(kIdNumber), std::string::npos) << all;
  EXPECT_EQ(all.find("19900307"), std::string::npos) << all;
  EXPECT_EQ(all.find(kName), std::string::npos) << all;
  EXPECT_EQ(all.find("张"), std::string::npos) << all;
}
