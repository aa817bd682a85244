// Log injection against the real cgw-gateway: control characters, line and
// paragraph separators, bidirectional overrides and bytes that are not
// UTF-8 go through every client value that reaches a log record - the ID
// number and name of a KYC check, query values, the path, headers
// (User-Agent, X-Request-Id, Idempotency-Key, Host), carrier ids in paths
// and queries. Afterwards every record of the gateway's log (its own lines
// and the access log) and of the audit log must still be one line of valid
// UTF-8 without a control character, and the escaped values must be there.
#include "mobile_stack.hpp"
#include "raw_http.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A code point at s[i] if well-formed UTF-8 (RFC 3629), written here
// independently of the gateway's own decoder; 0 length when malformed.
size_t utf8_length(const std::string& s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Empty when `line` is one clean log line, else what is wrong with it.
std::string line_problem(const std::string& line) {
  for (size_t i = 0; i < line.size();) {
    char32_t cp = 0;
    const size_t n = utf8_length(line, i, cp);
    if (n == 0) return "not UTF-8 at byte " + std::to_string(i);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
      return "control character U+" + std::to_string(static_cast<uint32_t>(cp)) + " at byte " +
             std::to_string(i);
    i += n;
  }
  return {};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos;
  return n;
}

const std::string kAuth = "Authorization: Bearer " + kMobileStackKey + "\r\n";

// One request on its own connection; its status, or 0.
int send_raw(uint16_t port, const std::string& request) {
  RawConnection conn(port);
  if (!conn.send(request)) return 0;
  auto r = conn.read_response();
  return r ? r->status : 0;
}

std::string post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\n" + kAuth + extra_headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}
std::string get(const std::string& target, const std::string& extra_headers = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + kAuth + extra_headers + "\r\n";
}

TEST(LogInjection, EveryRecordStaysOneLineOfValidText) {
  MobileStack stack("cgw_log_injection");
  const auto err = stack.start();
  ASSERT_TRUE(err.empty()) << err;
  const uint16_t port = stack.gw_port;
  size_t routed = 0;  // requests that reach the API (one access-log line each)
  auto routed_send = [&](const std::string& request) {
    ++routed;
    EXPECT_NE(send_raw(port, request), 0) << request;
  };

  // KYC: ID numbers and names with control characters where the masks keep
  // characters (start and end) and in between; escapes as JSON allows.
  const std::vector<std::string> ids = {
      R"(11010519491231002X\n)",          R"(\n11010519491231002X)",
      R"(1101051949123100\u0000X)",       R"(11010519491231\r\nFAKE info forged)",
      R"(\u001b[31m11010519491231002X)",  R"(11010519491231002\u2028)",
      R"(110105194912310\u202e2X)",       R"(11010519491231002X\u0085)",
      R"(\u0000\u0000\u0000\u0000\u0000)"};
  const std::vector<std::string> names = {R"(\n张三)", "张三",         R"(\u0000)",
                                          "张三",      R"(\u202eabc)", "张三",
                                          R"(\r)",     "张三",         R"(李\u0007\u007f)"};
  size_t verified = 0;  // KYC checks answered 200: one log record each
  for (size_t i = 0; i < ids.size(); ++i) {
    ++routed;
    verified += send_raw(port, post("/v1/kyc/verifications",
                                    R"({"carrier":"mobile","id_number":")" + ids[i] +
                                        R"(","name":")" + names[i] + R"("})")) == 200;
  }
  // Query values, also raw bytes that are not UTF-8, and a carrier id.
  routed_send(get("/v1/numbers?carrier=mobile&province=%0A%00%C0%AF&city=%0D%E2%80%A8"));
  routed_send(get("/v1/numbers?carrier=mob%0Aile%00&suffix=\xC0\xAF"));
  routed_send(get("/v1/plans?carrier=%1B%5B2J%C3%28"));
  // Paths, percent-encoded (decoded into the audit log's object id) and raw.
  routed_send(get("/v1/reservations/res%0A%00%C0%AF%E2%80%A8%E2%80%AE"));
  routed_send(get("/v1/reservations/res\xC0\xAF\xE2\x80\xA8"));
  routed_send("DELETE /v1/reservations/%0D%0Ax%FF HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n");
  routed_send(get("/v1/activations/act%00%0A/webhooks"));
  // Headers: tabs and bytes that are not UTF-8 are what HTTP lets through.
  routed_send(get("/v1/carriers", "User-Agent: evil\tagent\xff\xfe\r\nX-Request-Id: a\tb\xc0\r\n"));
  routed_send(post("/v1/reservations", R"({"carrier":"mobile","msisdn":"\n1340\u0000"})",
                   "Idempotency-Key: key\t\xC0\xAF\xE2\x80\xAE\r\nUser-Agent: \x80\r\n"));
  routed_send(post("/v1/activations", R"({"reservation_id":"res\n","plan_id":"\u0000"})",
                   "Idempotency-Key: \xff\xff\r\n"));
  // Carrier ids in callback paths (no API key: the carrier signs).
  routed_send(
      "POST /v1/callbacks/mob%0Aile%00%C0 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"
      "x\ny");
  const std::string odd_body("\x01\n\r\xc0\xaf\x00zz", 8);
  routed_send("POST /v1/callbacks/mobile HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n" +
              odd_body);
  // Refused by the HTTP layer itself (logged there, no access-log line).
  EXPECT_EQ(send_raw(port, "GET /healthz HTTP/1.1\r\nHost: a\xff\r\nHost: b\r\n\r\n"), 400);

  // The access log is written in batches: stop the gateway so that every
  // line is out, then read what it wrote.
  ASSERT_TRUE(stack.gateway.stop(SIGTERM, 15s).has_value());
  const auto gateway_log = lines_of(read_file(stack.dir / "gateway.log"));
  const auto audit_log = lines_of(read_file(stack.dir / "audit.log"));
  ASSERT_FALSE(gateway_log.empty());
  ASSERT_FALSE(audit_log.empty());
  for (const auto& line : gateway_log)
    EXPECT_EQ(line_problem(line), "") << "gateway log line: " << line;
  for (const auto& line : audit_log) {
    EXPECT_EQ(line_problem(line), "") << "audit log line: " << line;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    EXPECT_TRUE(!ec && v.is_object()) << "audit log line is not a JSON object: " << line;
  }
  // Nothing was split or lost: one access-log line per routed request, and
  // the hostile values are there, escaped.
  EXPECT_EQ(count_containing(gateway_log, " http method="), routed + stack.start_requests);
  EXPECT_EQ(count_containing(gateway_log, R"(path=/v1/reservations/res\xC0\xAF\u{2028})"), 1u);
  EXPECT_EQ(count_containing(gateway_log, "kyc verification="), verified);
  EXPECT_GE(count_containing(audit_log, R"(\\xC0\\xAF)"), 1u);
  EXPECT_EQ(count_containing(gateway_log, "http: refused a request"), 1u);
  stack.sim.stop(SIGTERM, 5s);
  finish_test_dir(stack.dir);
}

}  // namespace
