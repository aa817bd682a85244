// Request matching, unit level: each carrier's correlation fields in its own
// protocol, the journal's masking (ID numbers, names, images, signatures;
// ciphertext kept; bodies capped), journal filters, and fault rules with a
// match (parsing, and schedules counting matching calls only).
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/journal_masking.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "cgw/sim/request_journal.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

namespace sim = cgw::sim;
namespace net = cgw::net;
namespace json = boost::json;

namespace {

constexpr const char* kId = "11010119900101001X";  // synthetic; never a real person

net::Request request(net::http::verb verb, std::string target, std::string content_type,
                     std::string body) {
  net::Request req{verb, target, 11};
  if (!content_type.empty()) req.set(net::http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

net::Response response(std::string content_type, std::string body) {
  net::Response res{net::http::status::ok, 11};
  res.set(net::http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

sim::SimulatorConfig config() {
  sim::SimulatorConfig c;
  c.app_id = "app";
  c.secret = "secret-0123456789abcdef0123456789";
  c.pool_size = 10;
  return c;
}

class Carriers : public ::testing::Test {
 protected:
  boost::asio::io_context ioc_;
};

TEST_F(Carriers, MobileReadsSignedJsonBodiesQueriesAndReplies) {
  sim::mobile::MobileSimulator s(ioc_.get_executor(), sim::mobile::settings_from(config()));
  auto lock = request(net::http::verb::post, "/open/v1/numbers/lock", "application/json",
                      R"({"number":"13800001111","holdMinutes":0})");
  auto reply = response("application/json", R"({"code":"0","data":{"lockId":"LK1"}})");
  auto c = s.correlate(lock, &reply);
  EXPECT_EQ(c.msisdn, "13800001111");
  EXPECT_EQ(c.lock_id, "LK1");
  EXPECT_TRUE(s.correlate(lock, nullptr).lock_id.empty());
  auto query = request(net::http::verb::get, "/open/v1/orders/query?orderId=MO9", "", "");
  auto order = response("application/json",
                        R"({"code":"0","data":{"orderId":"MO9","partnerOrderId":"P-1"}})");
  c = s.correlate(query, &order);
  EXPECT_EQ(c.carrier_order_id, "MO9");
  EXPECT_EQ(c.partner_order_id, "P-1");
}

TEST_F(Carriers, UnicomReadsTheFormRouter) {
  auto cfg = config();
  sim::unicom::UnicomSimulator s(ioc_.get_executor(), sim::unicom::settings_from(cfg));
  auto req = request(net::http::verb::post, "/router/rest", "application/x-www-form-urlencoded",
                     "method=order.create&number=18600002222&lock_id=UL7&out_order_id=P%2D2");
  auto reply = response("application/json", R"({"code":"0000","data":{"order_id":"UO5"}})");
  auto c = s.correlate(req, &reply);
  EXPECT_EQ(c.msisdn, "18600002222");
  EXPECT_EQ(c.lock_id, "UL7");
  EXPECT_EQ(c.partner_order_id, "P-2");
  EXPECT_EQ(c.carrier_order_id, "UO5");
}

TEST_F(Carriers, TelecomReadsXml) {
  auto cfg = config();
  cfg.settings["callback_secret"] = "callback-secret";
  sim::telecom::TelecomSimulator s(ioc_.get_executor(), sim::telecom::settings_from(cfg));
  auto req = request(net::http::verb::post, "/api/v2/orders", "application/xml",
                     "<CreateOrderRequest><PartnerOrderId>P-3</PartnerOrderId>"
                     "<Number>18900003333</Number><ReserveId>RS1</ReserveId></CreateOrderRequest>");
  auto reply = response("application/xml",
                        "<CreateOrderResponse><Order><OrderId>TO4</OrderId></Order>"
                        "</CreateOrderResponse>");
  auto c = s.correlate(req, &reply);
  EXPECT_EQ(c.msisdn, "18900003333");
  EXPECT_EQ(c.lock_id, "RS1");
  EXPECT_EQ(c.partner_order_id, "P-3");
  EXPECT_EQ(c.carrier_order_id, "TO4");
}

TEST_F(Carriers, MvnoReadsJsonAndKeepsTheEncryptedIdAsSent) {
  auto cfg = config();
  cfg.secret = secret_file("mvno-demo-id-aes.key");
  cfg.settings["gateway_public_key"] = secret_file("mvno-demo-gateway-public.pem");
  cfg.settings["carrier_private_key"] = secret_file("mvno-demo-carrier-private.pem");
  sim::mvno::MvnoSimulator s(ioc_.get_executor(), sim::mvno::settings_from(cfg));
  const std::string body =
      R"({"partnerOrderNo":"P-4","msisdn":"17000004444","occupyNo":"OC1",)"
      R"("certName":"张三","certNoEnc":"q83vEjRWeJAbCc0=","receiver":{"name":"李四","phone":"13912345678","address":"北京市海淀区"}})";
  auto req = request(net::http::verb::post, "/mvno/v1/orders", "application/json", body);
  auto reply = response("application/json", R"({"code":"0","data":{"orderNo":"MV6"}})");
  auto c = s.correlate(req, &reply);
  EXPECT_EQ(c.msisdn, "17000004444");
  EXPECT_EQ(c.partner_order_id, "P-4");
  EXPECT_EQ(c.carrier_order_id, "MV6");
  EXPECT_EQ(c.lock_id, "OC1");
  auto masked = json::parse(sim::mask_body("application/json", body, s.journal_masking()));
  EXPECT_EQ(masked.at("certNoEnc").as_string(), "q83vEjRWeJAbCc0=");  // ciphertext, as sent
  EXPECT_EQ(masked.at("certName").as_string(), "张*");
  EXPECT_EQ(masked.at("receiver").at("name").as_string(), "李*");
  EXPECT_EQ(masked.at("receiver").at("phone").as_string(), "1391***5678");
}

TEST(JournalMasking, MasksLikeTheGatewayInEachFormat) {
  sim::JournalMasking m;
  m.id_numbers = {"certNo", "cert_no", "CertNo"};
  m.names = {"certName", "cert_name", "CertName"};
  m.images = {"portrait", "Content"};
  m.secrets = {"sign"};
  auto j = json::parse(sim::mask_body(
      "application/json; charset=utf-8",
      std::string(R"({"certNo":")") + kId + R"(","certName":"欧阳娜娜","portrait":"QUJD","n":1})",
      m));
  EXPECT_EQ(j.at("certNo").as_string(), "1101**********001X");
  EXPECT_EQ(j.at("certName").as_string(), "欧***");
  EXPECT_EQ(j.at("portrait").as_string(),
            "[image 4 bytes sha256:"
            "d9cae0dbdbf078b2020e2abe5fcd74bc1edba83c35f6b8a86d638ed9b8d3d1f9]");
  EXPECT_EQ(j.at("n").as_int64(), 1);

  const std::string form = sim::mask_body(
      "application/x-www-form-urlencoded",
      std::string("cert_no=") + kId + "&cert_name=%E5%BC%A0%E4%B8%89&sign=abc&number=1", m);
  EXPECT_EQ(form, "cert_no=1101**********001X&cert_name=%E5%BC%A0*&sign=***&number=1");

  const std::string xml = sim::mask_body("application/xml",
                                         std::string("<R><CertNo>") + kId +
                                             "</CertNo><CertName>张三</CertName><Photos><Photo>"
                                             "<Content>QUJD</Content></Photo></Photos></R>",
                                         m);
  EXPECT_EQ(xml.find(kId), std::string::npos) << xml;
  EXPECT_NE(xml.find("<CertNo>1101**********001X</CertNo>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<CertName>张*</CertName>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Content>[image 4 bytes sha256:"), std::string::npos) << xml;

  // What cannot be parsed cannot be masked field by field: size and hash only.
  const std::string broken =
      sim::mask_body("application/json", std::string("{\"certNo\":\"") + kId, m);
  EXPECT_EQ(broken.find(kId), std::string::npos);
  EXPECT_EQ(broken.rfind("[body 29 bytes sha256:", 0), 0u) << broken;
}

TEST(JournalMasking, HidesSecretHeadersAndCapsBodies) {
  sim::JournalMasking m;
  auto req = request(net::http::verb::post, "/x", "application/json",
                     "{\"pad\":\"" + std::string(70 * 1024, 'a') + "\"}");
  req.set("X-Signature", "deadbeef");
  req.set(net::http::field::authorization, "Bearer tok");
  req.set("X-Nonce", "n1");
  req.set(sim::kServedAsHeader, "/x");
  auto msg = sim::journal_message(req, m);
  std::map<std::string, std::string> headers(msg.headers.begin(), msg.headers.end());
  EXPECT_EQ(headers.at("X-Signature"), "***");
  EXPECT_EQ(headers.at("Authorization"), "***");
  EXPECT_EQ(headers.at("X-Nonce"), "n1");
  EXPECT_FALSE(headers.contains(sim::kServedAsHeader));
  EXPECT_TRUE(msg.truncated);
  EXPECT_EQ(msg.body.size(), sim::kJournalBodyCap);
  EXPECT_EQ(msg.body_bytes, 70u * 1024 + 10);
}

TEST(Journal, FiltersByCorrelationTimeAndCountsAndClears) {
  sim::RequestJournal journal;
  auto entry = [](int64_t at, std::string op, std::string msisdn, std::string pid, std::string oid,
                  std::string lock) {
    sim::JournalEntry e;
    e.at_ms = at;
    e.operation = std::move(op);
    e.correlation = {std::move(msisdn), std::move(pid), std::move(oid), std::move(lock)};
    return e;
  };
  journal.add(entry(100, "lock", "13800000001", "", "", "L1"));
  journal.add(entry(200, "order", "13800000001", "P1", "MO1", "L1"));
  journal.add(entry(300, "lock", "13800000002", "", "", "L2"));
  sim::JournalQuery q;
  q.msisdn = "13800000001";
  EXPECT_EQ(journal.count(q), 2u);
  q = {};
  q.order_id = "P1";
  EXPECT_EQ(journal.count(q), 1u);
  q.order_id = "MO1";
  EXPECT_EQ(journal.count(q), 1u);
  q = {};
  q.lock_id = "L2";
  EXPECT_EQ(journal.query(q).at(0).at_ms, 300);
  q = {};
  q.since_ms = 150;
  q.until_ms = 300;
  q.operation = "lock";
  EXPECT_EQ(journal.count(q), 1u);
  journal.clear();
  EXPECT_EQ(journal.count({}), 0u);
  EXPECT_EQ(journal.total(), 0u);
}

TEST(Journal, RecordedBytesAreBoundedOldestFirst) {
  sim::RequestJournal journal(5000, 1000);
  for (int i = 0; i < 5; ++i) {
    sim::JournalEntry e;
    e.at_ms = i;
    e.seq = static_cast<uint64_t>(i + 1);
    journal.add(e);
    sim::JournalExchange ex;
    ex.request.body = std::string(400, 'x');
    EXPECT_TRUE(journal.complete(e.seq, ex));
  }
  const auto kept = journal.last(10);
  ASSERT_EQ(kept.size(), 2u);  // 2 x 400 bytes fit in 1000, 3 do not
  EXPECT_EQ(kept.front().at_ms, 3);
  EXPECT_EQ(journal.total(), 5u);
}

TEST(FaultMatch, ParsesAndRefusesPrecisely) {
  auto parsed = sim::fault_rules_from_json(json::parse(
      R"({"kind":"business_error","code":"3002","first":1,
          "match":{"msisdn":"13800000001","header":{"X-Tenant":"qa1"},"body":{"contact.phone":"1"}}})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const auto& m = parsed.rules.at(0).match;
  EXPECT_EQ(m.msisdn, "13800000001");
  EXPECT_EQ(json::serialize(sim::to_json(m)),
            R"({"msisdn":"13800000001","header":{"X-Tenant":"qa1"},"body":{"contact.phone":"1"}})");
  auto err = [](const char* match) {
    return sim::fault_rules_from_json(
               json::parse(std::string(R"({"kind":"reset","match":)") + match + "}"))
        .error;
  };
  EXPECT_EQ(err(R"({"msisdm":"1"})"),
            "match: unknown key 'msisdm' (known: msisdn, order_id, header, body)");
  EXPECT_EQ(err("{}"), "match must name at least one of msisdn, order_id, header, body");
  EXPECT_EQ(err(R"({"msisdn":"138"})"), "match.msisdn must be 11 digits");
  EXPECT_EQ(err(R"({"header":{"bad name":"x"}})"),
            "match.header: 'bad name' is not a valid header name");
  EXPECT_EQ(err(R"({"body":{"a":1}})"), "match.body.a must be a string of at most 256 characters");
  EXPECT_EQ(err(R"({"order_id":""})"),
            "match.order_id must be a non-empty string of at most 64 characters");
}

TEST(FaultMatch, SchedulesCountOnlyMatchingCalls) {
  sim::FaultInjector faults(1);
  auto parsed = sim::fault_rules_from_json(json::parse(
      R"({"kind":"reset","every":2,"match":{"order_id":"P1","body":{"planCode":"A"}}})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(faults.add(parsed.rules), "");
  auto subject = [](std::string pid, std::string plan) {
    sim::MatchSubject s;
    s.correlation.partner_order_id = std::move(pid);
    s.field = [plan](std::string_view f) -> std::optional<std::string> {
      if (f == "planCode") return plan;
      return std::nullopt;
    };
    return s;
  };
  const auto p1a = subject("P1", "A"), p2a = subject("P2", "A"), p1b = subject("P1", "B");
  // Calls that do not match are not counted: the 2nd matching call fires.
  EXPECT_FALSE(faults.decide("op", 0, &p1a));
  EXPECT_FALSE(faults.decide("op", 0, &p2a));
  EXPECT_FALSE(faults.decide("op", 0, &p1b));
  EXPECT_FALSE(faults.decide("op", 0));  // no subject: a matching rule never applies
  EXPECT_TRUE(faults.decide("op", 0, &p1a));
  EXPECT_EQ(faults.rules().at(0).seen, 2u);
  EXPECT_EQ(faults.rules().at(0).fired, 1u);
}

}  // namespace
