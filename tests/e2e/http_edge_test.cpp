// The HTTP layer of the real cgw-gateway under requests that no ordinary
// client sends, written byte for byte on a raw socket: framing that a front
// end could read differently (request smuggling, RFC 9112), missing or
// repeated Host and Authorization, methods on the health and metrics
// routes, and the answers the HTTP layer writes itself before any route.
#include "mobile_stack.hpp"
#include "raw_http.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

MobileStack* stack = nullptr;

const std::string kAuth = "Authorization: Bearer " + kMobileStackKey + "\r\n";

// Sends `request` on a new connection and reads one answer.
struct Exchange {
  std::unique_ptr<RawConnection> conn;
  std::optional<RawResponse> res;
};
Exchange exchange(const std::string& request, bool head = false) {
  Exchange e{std::make_unique<RawConnection>(stack->gw_port), {}};
  EXPECT_TRUE(e.conn->connected());
  EXPECT_TRUE(e.conn->send(request));
  e.res = e.conn->read_response(head);
  return e;
}

// A documented error body: {"error":{"code","message","retryable"}}.
void expect_error_body(const RawResponse& r, const std::string& code) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  const auto& err = v.at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), code) << r.body;
  EXPECT_TRUE(err.at("message").is_string()) << r.body;
  EXPECT_TRUE(err.at("retryable").is_bool()) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
}

// A refusal of the HTTP layer: 400 BAD_REQUEST with a request id, then the
// connection closed (nothing after it may be read as another request).
void expect_refused_and_closed(const std::string& request, const std::string& why) {
  SCOPED_TRACE(why);
  auto e = exchange(request);
  ASSERT_TRUE(e.res) << "no answer";
  EXPECT_EQ(e.res->status, 400) << e.res->body;
  expect_error_body(*e.res, "BAD_REQUEST");
  EXPECT_FALSE(e.res->header("x-request-id").empty());
  EXPECT_EQ(e.res->header("connection"), "close");
  EXPECT_TRUE(e.conn->closed_by_peer());
}

class HttpEdge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack = new MobileStack("cgw_http_edge");
    const auto err = stack->start();
    ASSERT_TRUE(err.empty()) << err;
  }
  static void TearDownTestSuite() {
    stack->gateway.stop(SIGTERM, 10s);
    stack->sim.stop(SIGTERM, 5s);
    finish_test_dir(stack->dir);
    delete stack;
    stack = nullptr;
  }
};

TEST_F(HttpEdge, TransferEncodingOtherThanChunkedIsRefusedAndTheConnectionClosed) {
  // A front end that honours Transfer-Encoding would see the bytes after the
  // empty chunk as the next request; one that reads by Content-Length sees
  // one request. Either reading must not be served.
  const std::string smuggled = "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string te :
       {"xchunked", "identity", "chunked, identity", "identity, chunked", "gzip, chunked",
        "chunked\r\nTransfer-Encoding: chunked", "chunked\r\nTransfer-Encoding: identity"}) {
    expect_refused_and_closed("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                                  "\r\nContent-Length: " + std::to_string(smuggled.size()) +
                                  "\r\n\r\n" + smuggled,
                              "TE " + te + " with Content-Length");
    expect_refused_and_closed(
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n" + smuggled,
        "TE " + te + " alone");
  }
  // HTTP/1.0 has no Transfer-Encoding at all (RFC 9112 6.1).
  expect_refused_and_closed("POST /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                            "TE in HTTP/1.0");
  // Exactly "chunked" is served, and the connection stays open.
  auto e = exchange("POST /v1/reservations HTTP/1.1\r\nHost: x\r\n" + kAuth +
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2\r\n{}\r\n0\r\n\r\n");
  ASSERT_TRUE(e.res);
  EXPECT_EQ(e.res->status, 400);  // routed: the handler asks for the key
  expect_error_body(*e.res, "IDEMPOTENCY_KEY_REQUIRED");
  ASSERT_TRUE(e.conn->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = e.conn->read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpEdge, ChunkedWithContentLengthIsRefused) {
  // RFC 9112 6.3 lets a server refuse or ignore Content-Length: refused.
  expect_refused_and_closed(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
      "0\r\n\r\n",
      "TE then CL");
  expect_refused_and_closed(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n",
      "CL then TE");
  expect_refused_and_closed(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
      "CL twice");
}

TEST_F(HttpEdge, HostMissingRepeatedOrMalformedIsRefused) {
  expect_refused_and_closed("GET /healthz HTTP/1.1\r\n\r\n", "no Host");
  expect_refused_and_closed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "two Hosts");
  expect_refused_and_closed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "Host twice");
  expect_refused_and_closed("GET /healthz HTTP/1.1\r\nHost: user@example.com\r\n\r\n",
                            "userinfo in Host");
  expect_refused_and_closed("GET /healthz HTTP/1.1\r\nHost: example.com:80x\r\n\r\n",
                            "port not a number");
  // HTTP/1.0 may omit it; host:port and an IPv6 literal are fine.
  EXPECT_EQ(exchange("GET /healthz HTTP/1.0\r\n\r\n").res.value_or(RawResponse{}).status, 200);
  EXPECT_EQ(exchange("GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n")
                .res.value_or(RawResponse{})
                .status,
            200);
}

TEST_F(HttpEdge, TwoAuthorizationHeadersAreRefused) {
  // Same key twice or a valid one and another: never "first one wins".
  expect_refused_and_closed("GET /v1/carriers HTTP/1.1\r\nHost: x\r\n" + kAuth + kAuth + "\r\n",
                            "same key twice");
  expect_refused_and_closed("GET /v1/carriers HTTP/1.1\r\nHost: x\r\n" + kAuth +
                                "Authorization: Bearer someone-else\r\n\r\n",
                            "two keys");
  // Other fields whose copies a front end and the gateway could pick
  // differently.
  expect_refused_and_closed("POST /v1/reservations HTTP/1.1\r\nHost: x\r\n" + kAuth +
                                "Idempotency-Key: a\r\nIdempotency-Key: b\r\n"
                                "Content-Length: 2\r\n\r\n{}",
                            "two Idempotency-Keys");
  expect_refused_and_closed(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\nX-Request-Id: b\r\n\r\n",
      "two request ids");
  auto one = exchange("GET /v1/carriers HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n");
  ASSERT_TRUE(one.res);
  EXPECT_EQ(one.res->status, 200);
}

TEST_F(HttpEdge, HealthReadyAndMetricsAnswer405WithAllow) {
  for (const std::string path : {"/healthz", "/readyz", "/metrics"}) {
    for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
      SCOPED_TRACE(method + " " + path);
      auto e = exchange(method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + kAuth +
                        "Content-Length: 0\r\n\r\n");
      ASSERT_TRUE(e.res);
      EXPECT_EQ(e.res->status, 405);
      EXPECT_EQ(e.res->header("allow"), "GET, HEAD");
      expect_error_body(*e.res, "METHOD_NOT_ALLOWED");
      EXPECT_FALSE(e.res->header("x-request-id").empty());
    }
  }
  // HEAD: the GET answer's head, no body, and the connection stays usable.
  auto e = exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", /*head=*/true);
  ASSERT_TRUE(e.res);
  EXPECT_EQ(e.res->status, 200);
  EXPECT_EQ(e.res->header("content-length"), "15");  // {"status":"ok"}
  ASSERT_TRUE(e.conn->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = e.conn->read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, R"({"status":"ok"})");
  // Every other route names its methods too.
  auto other = exchange("DELETE /v1/carriers HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n");
  ASSERT_TRUE(other.res);
  EXPECT_EQ(other.res->status, 405);
  EXPECT_EQ(other.res->header("allow"), "GET, HEAD");
  auto res = exchange("PUT /v1/reservations/res_1 HTTP/1.1\r\nHost: x\r\n" + kAuth +
                      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(res.res);
  EXPECT_EQ(res.res->status, 405);
  EXPECT_EQ(res.res->header("allow"), "GET, HEAD, DELETE");
}

TEST_F(HttpEdge, AnswersOfTheHttpLayerCarryARequestIdAndTheErrorBody) {
  // 431: headers over the limit (4096 bytes here).
  auto big = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(6000, 'a') +
                      "\r\n\r\n");
  ASSERT_TRUE(big.res);
  EXPECT_EQ(big.res->status, 431);
  expect_error_body(*big.res, "HEADERS_TOO_LARGE");
  EXPECT_FALSE(big.res->header("x-request-id").empty());
  EXPECT_TRUE(big.conn->closed_by_peer());
  // 413: a body over the limit, refused from its Content-Length; the
  // client's (valid) request id is kept.
  auto large = exchange(
      "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nX-Request-Id: edge-413\r\n"
      "Content-Length: 100000\r\n\r\n{");
  ASSERT_TRUE(large.res);
  EXPECT_EQ(large.res->status, 413);
  expect_error_body(*large.res, "BODY_TOO_LARGE");
  EXPECT_EQ(large.res->header("x-request-id"), "edge-413");
  EXPECT_TRUE(large.conn->closed_by_peer());
  // 400: not HTTP at all.
  auto junk = exchange("NOT HTTP\r\n\r\n");
  ASSERT_TRUE(junk.res);
  EXPECT_EQ(junk.res->status, 400);
  expect_error_body(*junk.res, "BAD_REQUEST");
  EXPECT_FALSE(junk.res->header("x-request-id").empty());
  // A client request id that is not 1-128 of [A-Za-z0-9._-] is replaced.
  auto bad_id = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\tb\xff\r\n\r\n");
  ASSERT_TRUE(bad_id.res);
  EXPECT_EQ(bad_id.res->status, 200);
  const auto rid = bad_id.res->header("x-request-id");
  EXPECT_EQ(rid.size(), 16u) << rid;
  EXPECT_EQ(rid.find_first_not_of("0123456789abcdef"), std::string::npos) << rid;
}

}  // namespace
