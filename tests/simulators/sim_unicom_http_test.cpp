// The unicom simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port) and the test builds and signs the form itself
// (MD5 through OpenSSL directly), independently of the simulator's code.
#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <thread>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAppKey = "test-unicom-app";
constexpr const char* kSecret = "test-unicom-secret-0123456789";
using Params = std::vector<std::pair<std::string, std::string>>;

// ---- independent signing and time (OpenSSL, gmtime_r) -------------------

std::string md5_upper(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += {kHex[md[i] >> 4], kHex[md[i] & 15]};
  return out;
}

std::string sign(const std::string& secret, const Params& params) {
  std::map<std::string, std::string> sorted(params.begin(), params.end());
  std::string text = secret;
  for (const auto& [k, v] : sorted)
    if (k != "sign" && !v.empty()) text += k + v;
  return md5_upper(text + secret);
}

std::string beijing(int64_t unix_s) {
  const std::time_t t = unix_s + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string form(const Params& params) {
  std::string body;
  for (const auto& [k, v] : params) {
    if (!body.empty()) body += '&';
    body += boost::urls::encode(k, boost::urls::unreserved_chars) + "=" +
            boost::urls::encode(v, boost::urls::unreserved_chars);
  }
  return body;
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

// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

struct Signing {
  std::string secret = kSecret, app_key = kAppKey, v = "1.0";
  std::optional<std::string> timestamp;  // default: now, Beijing time
  bool drop_sign = false;
  bool lower_case_sign = false;
};

class UnicomHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    cgw::sim::unicom::UnicomSettings s;
    s.app_id = kAppKey;
    s.secret = kSecret;
    s.seed = 7;
    s.pool_size = 2000;
    s.activation_delay_ms = 60'000;  // orders end only when the test advances the clock
    s.tick_period = 20ms;
    sim_ = std::make_unique<cgw::sim::unicom::UnicomSimulator>(ioc_.get_executor(), s);
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, sim_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    sim_->start();
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    sim_->stop();
    server_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    server_.reset();
    sim_.reset();
  }

  net::ClientResponse raw(const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::string& type = "application/x-www-form-urlencoded") {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    if (!type.empty()) req.headers.emplace_back("Content-Type", type);
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }

  // A signed router call; returns the reply envelope.
  json::object call(const std::string& method, Params business = {}, const Signing& s = {}) {
    Params p = {{"app_key", s.app_key},
                {"method", method},
                {"timestamp", s.timestamp.value_or(beijing(cgw::system_now_ms() / 1000))},
                {"v", s.v}};
    p.insert(p.end(), business.begin(), business.end());
    std::string signature = sign(s.secret, p);
    if (s.lower_case_sign)
      std::transform(signature.begin(), signature.end(), signature.begin(),
                     [](char c) { return static_cast<char>(std::tolower(c)); });
    if (!s.drop_sign) p.emplace_back("sign", signature);
    auto res = raw("POST", "/router/rest", form(p));
    EXPECT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  static std::string code(const json::object& o) { return std::string(o.at("code").as_string()); }
  static std::string str(const json::object& o, const char* key) {
    return std::string(o.at("data").at(key).as_string());
  }

  json::object admin(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    auto res = raw(method, target, body, "");
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  void advance(int64_t ms) {
    admin("POST", "/admin/clock", json::serialize(json::object{{"advance_ms", ms}}));
  }

  std::vector<std::string> free_numbers(size_t n) {
    const auto page = call("number.query", {{"page_no", "1"}, {"page_size", "200"}});
    std::vector<std::string> out;
    for (const auto& v : page.at("data").at("numbers").as_array())
      if (v.at("state").as_string() == "FREE" && out.size() < n)
        out.emplace_back(v.at("number").as_string());
    return out;
  }
  std::string lock(const std::string& number, const std::string& minutes = "0") {
    auto r = call("number.lock", {{"number", number}, {"lock_minutes", minutes}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r.contains("data") ? str(r, "lock_id") : "";
  }
  json::object order(const std::string& out_id, const std::string& number,
                     const std::string& lock_id, const std::string& cert_no,
                     const std::string& product = "UC-5G-BJL-39") {
    return call("order.create", {{"out_order_id", out_id},
                                 {"number", number},
                                 {"lock_id", lock_id},
                                 {"product_code", product},
                                 {"cert_name", "测试用户"},
                                 {"cert_no", cert_no},
                                 {"contact_name", "测试用户"},
                                 {"contact_phone", "13900000000"},
                                 {"contact_address", "北京市测试路1号"}});
  }
  json::object check(const std::string& cert_no, const std::string& name = "测试用户") {
    return call("cert.check", {{"cert_name", name}, {"cert_no", cert_no}});
  }
  json::object sim_order(const std::string& out_id) {
    const auto state = admin("GET", "/admin/state");
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == out_id) return o.as_object();
    return {};
  }

  asio::io_context ioc_{2};
  std::unique_ptr<cgw::sim::unicom::UnicomSimulator> sim_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_F(UnicomHttp, SignedCallListsProductsWithFreeTestPlans) {
  auto r = call("plan.list");
  ASSERT_EQ(code(r), "0000");
  EXPECT_EQ(r.at("msg").as_string(), "success");
  auto products = r.at("data").at("products").as_array();
  int real = 0, test = 0;
  for (const auto& p : products) {
    ASSERT_TRUE(p.at("monthly_fee").is_int64());
    const bool is_test = std::string(p.at("product_code").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthly_fee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthly_fee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(UnicomHttp, AuthenticationAndEnvelopeErrors) {
  const int64_t now = cgw::system_now_ms() / 1000;
  auto with = [](auto f) {
    Signing s;
    f(s);
    return s;
  };
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.secret = "wrong"; }))), "1002");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.app_key = "other"; }))), "1001");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.drop_sign = true; }))), "1002");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.lower_case_sign = true; }))),
            "1002");
  for (int64_t skew : {-601, 700})
    EXPECT_EQ(
        code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = beijing(now + skew); }))),
        "1003")
        << skew;
  EXPECT_EQ(
      code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = beijing(now - 500); }))),
      "0000");
  EXPECT_EQ(
      code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = std::to_string(now); }))),
      "1003");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.v = "2.0"; }))), "2003");
  EXPECT_EQ(code(call("number.transfer")), "2003");
  // An error envelope carries no data.
  EXPECT_FALSE(call("plan.list", {}, with([](Signing& s) { s.secret = "x"; })).contains("data"));

  // The form itself: content type, percent-escapes, repeated names.
  const Params p = {
      {"app_key", kAppKey}, {"method", "plan.list"}, {"timestamp", beijing(now)}, {"v", "1.0"}};
  const std::string good = form(p) + "&sign=" + sign(kSecret, p);
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good).body).at("code"), "0000");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good, "application/json").body).at("code"),
            "2002");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good + "&v=1.0").body).at("code"), "2002");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good + "&x=%zz").body).at("code"), "2002");
  EXPECT_EQ(raw("GET", "/router/rest", "").status, 405);
  EXPECT_EQ(raw("POST", "/router/other", good).status, 404);
  EXPECT_EQ(raw("GET", "/healthz", "").status, 200);
}

TEST_F(UnicomHttp, SignIgnoresOrderAndEmptyParameters) {
  const int64_t now = cgw::system_now_ms() / 1000;
  // Reversed order, an empty parameter (unsigned) and '+' for spaces.
  const Params p = {{"v", "1.0"},
                    {"timestamp", beijing(now)},
                    {"method", "plan.list"},
                    {"format", ""},
                    {"app_key", kAppKey}};
  std::string body = form(p) + "&sign=" + sign(kSecret, p);
  const auto pos = body.find("%20");
  ASSERT_NE(pos, std::string::npos);
  body.replace(pos, 3, "+");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", body).body).at("code"), "0000") << body;
}

TEST_F(UnicomHttp, InventoryPagesAreCompleteAndValidated) {
  std::vector<std::string> all;
  for (int page = 1; page <= 20; ++page) {
    auto r = call("number.query", {{"page_no", std::to_string(page)}, {"page_size", "300"}});
    ASSERT_EQ(code(r), "0000");
    const auto& d = r.at("data").as_object();
    EXPECT_EQ(d.at("total").to_number<int>(), 2000);
    const auto& numbers = d.at("numbers").as_array();
    for (const auto& n : numbers) {
      std::string number(n.at("number").as_string());
      all.push_back(number);
      EXPECT_FALSE(n.at("province").as_string().empty());
      EXPECT_LE(n.at("level").to_number<int>(), 10);
      EXPECT_TRUE(n.at("price").is_int64());
      static const std::set<std::string> kUnicom = {"130", "131", "132", "145", "146", "155", "156",
                                                    "166", "175", "176", "185", "186", "196"};
      EXPECT_EQ(kUnicom.count(number.substr(0, 3)), 1u) << number;
    }
    if (numbers.empty()) break;
  }
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 2000u);
  EXPECT_EQ(code(call("number.query", {{"page_size", "5001"}})), "2002");
  EXPECT_EQ(code(call("number.query", {{"page_no", "0"}})), "2002");
  EXPECT_EQ(code(call("number.query", {{"page_no", "-1"}})), "2002");
  // Defaults: page 1 of 100.
  EXPECT_EQ(call("number.query").at("data").at("numbers").as_array().size(), 100u);
}

TEST_F(UnicomHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = free_numbers(3);
  const auto seq_of = [](const json::object& r) {
    return r.at("data").at("change_seq").to_number<int64_t>();
  };
  auto whole = call("number.query", {{"page_size", "5000"}});
  ASSERT_EQ(code(whole), "0000");
  EXPECT_EQ(whole.at("data").at("numbers").as_array().size(), 2000u);
  const int64_t start = seq_of(whole);
  const std::string lock_a = lock(numbers[0]);
  lock(numbers[1]);
  ASSERT_EQ(code(call("number.unlock", {{"number", numbers[0]}, {"lock_id", lock_a}})), "0000");
  admin("POST", "/admin/numbers/" + numbers[2] + "/sell");

  auto feed = [&](int64_t since, int size) {
    auto r = call("number.query",
                  {{"changed_since", std::to_string(since)}, {"page_size", std::to_string(size)}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const json::object& r) {
    Changes out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("number").as_string(), n.at("state").as_string());
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "FREE"}, {numbers[1], "LOCKED"}, {numbers[2], "SOLD"}}));
  EXPECT_EQ(seq_of(all), start + 4);
  EXPECT_FALSE(all.at("data").at("has_more").as_bool());
  EXPECT_EQ(all.at("data").at("total").to_number<int64_t>(), 2000);
  // The listing moved on too; a page past the end still tells the position.
  EXPECT_EQ(seq_of(call("number.query", {{"page_no", "1"}})), start + 4);
  EXPECT_EQ(seq_of(call("number.query", {{"page_no", "99"}})), start + 4);
  EXPECT_TRUE(states(feed(start + 4, 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "FREE"}, {numbers[1], "LOCKED"}}));
  EXPECT_TRUE(p1.at("data").at("has_more").as_bool());
  auto p2 = feed(seq_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "FREE"}, {numbers[2], "SOLD"}}));
  EXPECT_FALSE(p2.at("data").at("has_more").as_bool());
  EXPECT_EQ(seq_of(p2), start + 4);
  // Strict positions: digits only, not ahead of the log, not with a page_no.
  for (const auto& bad : std::vector<Params>{{{"changed_since", "-1"}},
                                             {{"changed_since", "x"}},
                                             {{"changed_since", std::to_string(start + 5)}},
                                             {{"changed_since", "99999999999999999999"}},
                                             {{"changed_since", "0"}, {"page_no", "1"}},
                                             {{"changed_since", "0"}, {"page_size", "5001"}}})
    EXPECT_EQ(code(call("number.query", bad)), "2002") << bad.front().second;
}

TEST_F(UnicomHttp, LockTwiceUnlockAndStates) {
  auto numbers = free_numbers(2);
  const int64_t before = cgw::system_now_ms() / 1000;
  auto first = call("number.lock", {{"number", numbers[0]}, {"out_lock_id", "R-1"}});
  ASSERT_EQ(code(first), "0000");
  const std::string lock_id = str(first, "lock_id");
  EXPECT_TRUE(lock_id.starts_with("UL"));
  // Default hold: reservation_ttl_s (30 minutes), stated in Beijing time.
  const std::string expire = str(first, "expire_time");
  EXPECT_GE(expire, beijing(before + 1800 - 1));
  EXPECT_LE(expire, beijing(before + 1800 + 5));

  EXPECT_EQ(code(call("number.lock", {{"number", numbers[0]}, {"out_lock_id", "R-2"}})), "3002");
  EXPECT_EQ(code(call("number.lock", {{"number", "13000000000"}})), "3001");
  EXPECT_EQ(code(call("number.lock", {{"number", "12"}})), "2002");
  EXPECT_EQ(code(call("number.lock", {{"number", numbers[1]}, {"lock_minutes", "x"}})), "2002");
  EXPECT_EQ(code(call("number.lock")), "2001");

  auto page = call("number.query", {{"page_size", "1000"}});
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "LOCKED");
    }

  auto unlock = [&](const std::string& number, const std::string& id) {
    return code(call("number.unlock", {{"number", number}, {"lock_id", id}}));
  };
  EXPECT_EQ(unlock(numbers[1], lock_id), "3004");
  EXPECT_EQ(unlock(numbers[0], "UL404"), "3003");
  EXPECT_EQ(unlock(numbers[0], lock_id), "0000");
  EXPECT_EQ(unlock(numbers[0], lock_id), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty());
}

TEST_F(UnicomHttp, LockExpiresWhenTheClockAdvances) {
  auto numbers = free_numbers(1);
  const auto lock_id = lock(numbers[0], "10");
  advance(10 * 60 * 1000 + 1000);
  EXPECT_EQ(admin("GET", "/admin/state").at("reservations").at(0).at("state").as_string(),
            "EXPIRED");
  // Requests signed with the real clock still pass after the advance.
  EXPECT_EQ(code(order("P-exp", numbers[0], lock_id, make_id("19900101", "001"))), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "an expired lock frees the number";
}

TEST_F(UnicomHttp, OrderDedupeAndActivationFoundByPolling) {
  auto numbers = free_numbers(1);
  const auto lock_id = lock(numbers[0]);
  const auto id = make_id("19900101", "901");
  auto first = order("P-1", numbers[0], lock_id, id);
  ASSERT_EQ(code(first), "0000") << json::serialize(first);
  EXPECT_EQ(str(first, "order_state"), "IN_PROCESS");
  EXPECT_EQ(str(first, "out_order_id"), "P-1");
  const std::string order_id = str(first, "order_id");
  EXPECT_TRUE(order_id.starts_with("UO"));
  auto second = order("P-1", numbers[0], lock_id, id);
  ASSERT_EQ(code(second), "0000");
  EXPECT_EQ(str(second, "order_id"), order_id);
  EXPECT_EQ(sim_order("P-1").at("submitCount").to_number<int>(), 2);
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  EXPECT_EQ(str(call("order.query", {{"out_order_id", "P-1"}}), "order_state"), "IN_PROCESS");
  advance(60'000);
  auto q = call("order.query", {{"order_id", order_id}});
  ASSERT_EQ(code(q), "0000");
  EXPECT_EQ(str(q, "order_state"), "ACTIVATED");
  EXPECT_EQ(str(q, "fail_code"), "");
  EXPECT_EQ(str(q, "out_order_id"), "P-1");
  // No callbacks in this protocol, ever.
  auto state = admin("GET", "/admin/state");
  EXPECT_TRUE(state.at("callbacks").as_array().empty());
  // Sold: cannot be locked again; admin output carries no PII.
  EXPECT_EQ(code(call("number.lock", {{"number", numbers[0]}})), "3002");
  const std::string text = json::serialize(state);
  EXPECT_EQ(text.find(id), std::string::npos);
  EXPECT_EQ(text.find("测试用户"), std::string::npos);
  EXPECT_EQ(json::serialize(admin("GET", "/admin/requests?limit=100")).find(id), std::string::npos);
  EXPECT_EQ(code(call("order.query", {{"order_id", "UO404"}})), "5001");
  EXPECT_EQ(code(call("order.query", {{"order_id", order_id}, {"out_order_id", "P-2"}})), "5001");
  EXPECT_EQ(code(call("order.query")), "2001");
}

TEST_F(UnicomHttp, OrderChecksLockProductAndApplicant) {
  auto numbers = free_numbers(2);
  const auto lock_a = lock(numbers[0]);
  const auto adult = make_id("19900101", "002");
  auto submit = [&](const std::string& pid, const std::string& number, const std::string& lock_id,
                    const std::string& id, const std::string& product = "UC-5G-BJL-39") {
    return code(order(pid, number, lock_id, id, product));
  };
  EXPECT_EQ(submit("P-a", numbers[0], "UL404", adult), "3003");
  EXPECT_EQ(submit("P-b", numbers[1], lock_a, adult), "3004");
  EXPECT_EQ(submit("P-c", numbers[0], lock_a, adult, "NO-SUCH-PRODUCT"), "3005");
  EXPECT_EQ(submit("P-d", numbers[0], lock_a, make_id("19900101", "971")), "4009");
  EXPECT_EQ(submit("P-e", numbers[0], lock_a, make_id("19900101", "991")), "4010");
  auto bad = adult;
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(submit("P-f", numbers[0], lock_a, bad), "4001");
  EXPECT_EQ(code(call("order.create", {{"out_order_id", "P-g"}})), "2001");
  EXPECT_TRUE(admin("GET", "/admin/state").at("orders").as_array().empty());
  EXPECT_EQ(submit("P-h", numbers[0], lock_a, adult), "0000") << "the lock survived the refusals";
}

TEST_F(UnicomHttp, KycMagicOutcomes) {
  struct Case {
    const char *seq, *result, *reason;
  };
  const Case cases[] = {{"901", "PASS", ""},          {"911", "NOT_PASS", "4002"},
                        {"921", "NOT_PASS", "4003"},  {"931", "NOT_PASS", "4004"},
                        {"941", "NOT_PASS", "4006"},  {"951", "NOT_PASS", "4007"},
                        {"962", "NOT_PASS", "4008"},  {"972", "NOT_PASS", "4009"},
                        {"982", "MANUAL_REVIEW", ""}, {"123", "PASS", ""}};
  for (const auto& c : cases) {
    auto r = check(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0000") << c.seq;
    EXPECT_EQ(str(r, "result"), c.result) << c.seq;
    EXPECT_EQ(str(r, "reason_code"), c.reason) << c.seq;
    EXPECT_TRUE(str(r, "check_id").starts_with("RC"));
  }
  EXPECT_EQ(code(check(make_id("19900101", "991"))), "4010");
  EXPECT_EQ(str(check(make_id("19900101", "002"), "任意名字"), "result"), "PASS");
  auto bad = make_id("19900101", "002");
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(str(check(bad), "reason_code"), "4001");
  EXPECT_EQ(code(check("")), "2001");
  // A base64 portrait keeps its '+' through the form; a broken one is refused.
  EXPECT_EQ(code(call("cert.check", {{"cert_name", "测试用户"},
                                     {"cert_no", make_id("19900101", "002")},
                                     {"portrait", "+/+/"}})),
            "0000");
  EXPECT_EQ(code(call("cert.check", {{"cert_name", "测试用户"},
                                     {"cert_no", make_id("19900101", "002")},
                                     {"portrait", "not base64!"}})),
            "2002");
}

TEST_F(UnicomHttp, AgeIsCheckedAgainstTheSimulatedClock) {
  const auto today = cgw::id::beijing_date(cgw::system_now_ms());
  const auto id = make_id(std::to_string(today.year - 15) + "0101", "003");  // 15 years old
  EXPECT_EQ(str(check(id), "reason_code"), "4005");
  advance(366LL * 86'400'000);
  EXPECT_EQ(str(check(id), "result"), "PASS");
}

TEST_F(UnicomHttp, MagicProducts) {
  auto numbers = free_numbers(2);
  const auto id = make_id("19850505", "004");
  ASSERT_EQ(code(order("P-rej", numbers[0], lock(numbers[0]), id, "SIM-REJECT")), "0000");
  ASSERT_EQ(code(order("P-stuck", numbers[1], lock(numbers[1]), id, "SIM-STUCK")), "0000");
  advance(24LL * 3'600'000);
  auto rej = call("order.query", {{"out_order_id", "P-rej"}});
  EXPECT_EQ(str(rej, "order_state"), "FAILED");
  EXPECT_EQ(str(rej, "fail_code"), "4009");
  EXPECT_EQ(str(call("order.query", {{"out_order_id", "P-stuck"}}), "order_state"), "IN_PROCESS");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "the failed order gave its number back";
}

TEST_F(UnicomHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = free_numbers(6);
  const auto id = make_id("19880808", "006");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(order(numbered("P-q", i), numbers[i], lock(numbers[i]), id)), "0000");
  // In-flight orders count: a sixth is refused before any activation.
  EXPECT_EQ(code(order("P-q5", numbers[5], lock(numbers[5]), id)), "4008");
  advance(60'000);
  auto r = check(id);
  EXPECT_EQ(str(r, "result"), "NOT_PASS");
  EXPECT_EQ(str(r, "reason_code"), "4008");
  EXPECT_EQ(str(check(make_id("19880808", "008")), "result"), "PASS");
}

TEST_F(UnicomHttp, OperationOfAndBusinessErrorForTheFaultInjector) {
  net::Request req{net::http::verb::post, "/router/rest", 11};
  req.set(net::http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  req.body() = "app_key=a&method=number.lock&v=1.0";
  EXPECT_EQ(sim_->operation_of(req), "number.lock");
  req.body() = "app_key=a&method=nonsense";
  EXPECT_EQ(sim_->operation_of(req), "/router/rest");
  req.target("/admin/state");
  EXPECT_EQ(sim_->operation_of(req), "/admin/state");
  auto res = sim_->business_error(req, "9999");
  EXPECT_EQ(res.result_int(), 200);
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("code").as_string(), "9999");
  EXPECT_TRUE(body.contains("msg"));
  EXPECT_FALSE(body.contains("data"));
}
