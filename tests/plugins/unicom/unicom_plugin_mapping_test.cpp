// More of unicom_plugin_test: UnicomOperations, UnicomBusinessCodes,
// UnicomTransport, UnicomMalformed, UnicomPrivacy, UnicomConfig,
// UnicomCallbacks, UnicomConcurrency, UnicomSharedObject (shared fixtures:
// unicom_plugin_fixture.hpp).
#include "unicom_plugin_fixture.hpp"

using namespace unicom_plugin;

namespace {

TEST(UnicomOperations, KycVerdicts) {
  Unicom u;
  auto s = u.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).count("portrait"), 0u);
  auto verdict = [&](const char* result, const char* reason) {
    return Unicom::result_of(
        *u.resume(*s, ok({{"check_id", "RC1"}, {"result", result}, {"reason_code", reason}})));
  };
  EXPECT_EQ(verdict("PASS", ""),
            json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"RC1"})"));
  EXPECT_EQ(verdict("MANUAL_REVIEW", ""),
            json::parse(R"({"result":"review","reasons":[],"carrier_ref":"RC1"})"));
  const std::pair<const char*, const char*> table[] = {
      {"4001", "ID_INVALID"},      {"4002", "ID_NAME_MISMATCH"}, {"4003", "ID_NOT_FOUND"},
      {"4004", "ID_INVALIDATED"},  {"4005", "UNDERAGE"},         {"4006", "FACE_MISMATCH"},
      {"4007", "LIVENESS_FAILED"}, {"4008", "QUOTA_EXCEEDED"},   {"4009", "BLACKLISTED"},
      {"4999", "UNKNOWN"}};
  for (const auto& [code, reason] : table)
    EXPECT_EQ(verdict("NOT_PASS", code).at("reasons"), json::array{json::string(reason)}) << code;
}

// ------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code, message;
  bool retryable;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}
class UnicomBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(UnicomBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Unicom u;
  for (const std::string op : {cgw::op::kNumberReserve, cgw::op::kActivationSubmit}) {
    const Err e = Unicom::error_of(*u.run(op, valid_input(op), biz(row.carrier_code)));
    EXPECT_EQ(e.code, row.gateway_code) << op;
    EXPECT_EQ(e.carrier_code, row.carrier_code);
    EXPECT_EQ(e.retryable, row.retryable);
    EXPECT_FALSE(e.outcome_unknown);                      // the carrier refused: nothing happened
    EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
    if (!row.message.empty()) {
      EXPECT_EQ(e.message, row.message);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, UnicomBusinessCodes,
                         testing::Values(CodeRow{"1001", "CARRIER_AUTH_FAILED", "", false},
                                         CodeRow{"1002", "CARRIER_AUTH_FAILED", "", false},
                                         CodeRow{"1003", "CARRIER_AUTH_FAILED", "", true},
                                         CodeRow{"2001", "INVALID_ARGUMENT", "", false},
                                         CodeRow{"2002", "INVALID_ARGUMENT", "", false},
                                         CodeRow{"2003", "CARRIER_REJECTED", "", false},
                                         CodeRow{"3001", "NUMBER_UNAVAILABLE", "", false},
                                         CodeRow{"3002", "NUMBER_UNAVAILABLE", "", false},
                                         CodeRow{"3003", "RESERVATION_EXPIRED", "", false},
                                         CodeRow{"3004", "RESERVATION_NOT_FOUND", "", false},
                                         CodeRow{"3005", "PLAN_NOT_FOUND", "", false},
                                         CodeRow{"4005", "CARRIER_REJECTED", "UNDERAGE", false},
                                         CodeRow{"4008", "CARRIER_REJECTED", "QUOTA_EXCEEDED",
                                                 false},
                                         CodeRow{"4009", "CARRIER_REJECTED", "BLACKLISTED", false},
                                         CodeRow{"4010", "CARRIER_UNAVAILABLE", "", true},
                                         CodeRow{"5001", "ORDER_NOT_FOUND", "", false},
                                         CodeRow{"9999", "CARRIER_UNAVAILABLE", "", true},
                                         CodeRow{"7777", "CARRIER_REJECTED", "", false}));

struct TransportRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};
void PrintTo(const TransportRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " status=" << r.reply.status;
}
class UnicomTransport : public testing::TestWithParam<TransportRow> {};

TEST_P(UnicomTransport, MapsPerDoc) {
  const TransportRow& row = GetParam();
  Unicom u;
  const Err e = Unicom::error_of(*u.run(row.op, valid_input(row.op), row.reply));
  EXPECT_EQ(e.code, row.code);
  EXPECT_EQ(e.retryable, row.retryable);
  EXPECT_EQ(e.outcome_unknown, row.outcome_unknown);
}

INSTANTIATE_TEST_SUITE_P(
    Table, UnicomTransport,
    testing::Values(
        TransportRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE",
                     1, 0},
        TransportRow{"kyc.verify", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.query", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1,
                     1},
        TransportRow{"activation.submit", transport(99), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.reserve", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.release", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"plans.list", http(503), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"number.reserve", http(500), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", http(502), "CARRIER_UNAVAILABLE", 1, 1},
        TransportRow{"plans.list", http(404), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", http(405), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG),
                     "CARRIER_BAD_RESPONSE", 0, 1}));

struct MalformedRow {
  std::string op, body;
};
void PrintTo(const MalformedRow& r, std::ostream* os) {
  *os << r.op << " " << r.body;
}
class UnicomMalformed : public testing::TestWithParam<MalformedRow> {};

// Untrusted replies: every shape problem is CARRIER_BAD_RESPONSE, never a
// crash or a PLUGIN_ERROR; writes keep outcome_unknown (the carrier answered).
TEST_P(UnicomMalformed, IsBadResponse) {
  const MalformedRow& row = GetParam();
  Unicom u;
  const Err e = Unicom::error_of(*u.run(row.op, valid_input(row.op), raw(row.body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << e.message;
  EXPECT_FALSE(e.retryable);
  const bool writes =
      row.op == "number.reserve" || row.op == "number.release" || row.op == "activation.submit";
  EXPECT_EQ(e.outcome_unknown, writes);
  EXPECT_EQ(e.message.find(kName), std::string::npos);
}

#define OK_DATA(d) R"({"code":"0000","msg":"success","data":)" d "}"
INSTANTIATE_TEST_SUITE_P(
    Shapes, UnicomMalformed,
    testing::Values(
        MalformedRow{"plans.list", "not json"}, MalformedRow{"plans.list", ""},
        MalformedRow{"plans.list", "[1,2]"}, MalformedRow{"plans.list", R"({"msg":"ok"})"},
        MalformedRow{"plans.list", R"({"code":0,"data":{"products":[]}})"},

        MalformedRow{"plans.list", R"({"code":"<b>x</b>"})"},
        MalformedRow{"plans.list", R"({"code":"0000"})"}, MalformedRow{"plans.list", OK_DATA("[]")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[1]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[{"product_code":"P","product_name":"n",
            "monthly_fee":"3900","flow_mb":1,"voice_min":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"products":[{"product_code":"P","product_name":"n",
            "monthly_fee":39.5,"flow_mb":1,"voice_min":1}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":"9"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":-1})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":1,"change_seq":"3"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"total":1,"change_seq":-3})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":0})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":1,"numbers":[{"number":"1",
            "province":"a","city":"b","price":1,"state":"idle"}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"total":1,"numbers":[{"number":"1",
            "province":"a","city":"b","price":1,"level":11,"state":"FREE"}]})")},
        MalformedRow{"number.reserve", "{{{"},
        MalformedRow{"number.reserve",
                     OK_DATA(R"({"lock_id":7,"expire_time":"2025-11-22 17:11:40"})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lock_id":"L","expire_time":1763802700000})")},
        MalformedRow{"number.reserve",
                     OK_DATA(R"({"lock_id":"L","expire_time":"2025-13-01 00:00:00"})")},
        MalformedRow{"number.release", OK_DATA("null")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"check_id":"C","result":"MAYBE"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"result":"PASS"})")},
        MalformedRow{"kyc.verify",
                     OK_DATA(R"({"check_id":"C","result":"NOT_PASS","reason_code":4001})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"order_state":"IN_PROCESS"})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"order_id":"O","order_state":"DONE"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"order_id":"O"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"order_id":"O","order_state":"FAILED",
            "fail_code":4009})")}));
#undef OK_DATA

// ---------------------------------------------------------------- privacy ---

TEST(UnicomPrivacy, ErrorsNeverContainNameOrIdNumber) {
  Unicom u;
  const std::string echo = R"({"code":"4002","msg":")" + std::string(kName) + kIdNumber + R"("})";
  const std::vector<Reply> replies = {transport(CGW_TRANSPORT_TIMEOUT),
                                      http(500),
                                      http(418),
                                      raw("not json"),
                                      raw(echo),
                                      biz("4002"),
                                      biz("2002"),
                                      ok({{"check_id", kIdNumber}, {"result", kName}}),
                                      ok({{"order_id", 5}, {"order_state", kName}})};
  for (const std::string op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit})
    for (const Reply& r : replies) {
      auto s = u.run(op, valid_input(op), r);
      if (s->kind != CGW_STEP_FAIL) continue;
      const Err e = Unicom::error_of(*s);
      EXPECT_EQ(e.message.find(kName), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.message.find(kIdNumber), std::string::npos) << op << " " << r.body;
      EXPECT_EQ(e.carrier_code.find(kIdNumber), std::string::npos);
    }
}

// ---------------------------------------------------------------- config ---

TEST(UnicomConfig, InvalidSettingsAreConfigInvalid) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{base_url: 'http://h', app_id: a}", "'secret' is required"},
      {"{base_url: 'http://h', app_id: a, secret: ''}", "'secret'"},
      {"{base_url: 'http://h', app_id: a, secret: [TOPSECRET]}", "'secret'"},
      {"{app_id: a, secret: TOPSECRET}", "'base_url' is required"},
      {"{base_url: 'not a url', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'ftp://h', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'http://h/?x=1', app_id: a, secret: TOPSECRET}", "'base_url'"},
      {"{base_url: 'http://h', secret: TOPSECRET}", "'app_id' is required"},
      {"{base_url: 'http://h', app_id: {x: 1}, secret: TOPSECRET}", "'app_id'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minutes: x}", "'lock_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minutes: 0}", "'lock_minutes'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, timeout_ms: -1}", "'timeout_ms'"},
      {"{base_url: 'http://h', app_id: a, secret: TOPSECRET, lock_minuts: 5}", "'lock_minuts'"},
      {"[1, 2]", "not a JSON object"},
      {"", "not a JSON object"},
  };
  for (const auto& [yaml, needle] : cases) {
    Unicom u(yaml);
    EXPECT_FALSE(u.created()) << yaml;
    EXPECT_EQ(u.create_error.code, "CONFIG_INVALID") << yaml;
    EXPECT_NE(u.create_error.message.find(needle), std::string::npos)
        << yaml << " -> " << u.create_error.message;
    EXPECT_EQ(u.create_error.message.find("TOPSECRET"), std::string::npos);
  }
}

// --------------------------------------------- callbacks, threads, .so ---

TEST(UnicomCallbacks, EveryCallbackIsRefused) {
  Unicom u;
  auto r = u.callback(R"({"order_id":"UO1","order_state":"ACTIVATED"})");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->verified, 0);
  EXPECT_EQ(sv(r->error.code), "CALLBACK_REJECTED");
  EXPECT_NE(r->ack_status, 200);
}

TEST(UnicomConcurrency, ParallelOperationsOnOneInstance) {
  Unicom u;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto r = u.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                       ok({{"lock_id", std::string("L").append(std::to_string(i))},
                           {"expire_time", kNowBeijing}}));
        if (r->kind == CGW_STEP_DONE) ++good;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 400);
}

TEST(UnicomSharedObject, RealModuleExportsTableWithoutCallbacks) {
  const cgw::test::LoadedModule module(CGW_UNICOM_PLUGIN_PATH);
  const cgw_plugin_v1* t = module.table();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi_major, CGW_ABI_MAJOR);
  EXPECT_EQ(t->struct_size, sizeof(cgw_plugin_v1));
  EXPECT_EQ(sv(t->name), "unicom");
  EXPECT_EQ(sv(t->version), "1.0.0");
  EXPECT_EQ(t->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MNO));
  EXPECT_EQ(t->capabilities, kCaps);
  EXPECT_EQ(t->capabilities & CGW_CAP_CALLBACKS, 0u);
  {
    Unicom u(kConfig, t);
    ASSERT_TRUE(u.created());
    auto s = u.start(cgw::op::kPlansList, nullptr);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(Unicom::form(*s).at("sign"), "454D8B631821D8E76DF08F13E02AFE79");
    EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok({{"products", json::array{}}}))),
              json::parse(R"({"plans":[]})"));
  }
}

}  // namespace
