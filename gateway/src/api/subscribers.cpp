// The subscriber services' routes (docs/after-sales.md "Subscriber
// services"): a number the tenant sold, its top-ups, SIM replacements,
// suspend and resume. Parsing, validation and statuses here; the work in
// orders/subscribers.hpp.
#include "orders/subscribers.hpp"
#include "api/support.hpp"
#include "api/tenant_carriers.hpp"
#include "core/recharge_status.hpp"

#include "cgw/common/crypto.hpp"

#include <cgw/types.hpp>

namespace cgw::gw::api {

namespace {

// Top-ups from 1 fen to 10,000 yuan.
constexpr int64_t kMaxRechargeFen = 1'000'000;

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// The {msisdn} segment: 11 digits.
Status check_msisdn(const std::string& msisdn) {
  if (msisdn.size() != 11 || !all_digits(msisdn)) return bad_argument("msisdn must be 11 digits");
  return {};
}

json::object subscriber_json(const std::string& msisdn, const std::string& carrier,
                             const SubscriberInfo& s) {
  auto opt = [](const std::optional<int64_t>& v) { return v ? json::value(*v) : nullptr; };
  return json::object{{"msisdn", msisdn},
                      {"carrier", shown_carrier(carrier)},
                      {"status", wire_name(s.status.value_or(SubscriberStatus::active))},
                      {"plan_id", text_or_null(s.plan_id)},
                      {"balance_fen", s.balance_fen},
                      {"data_left_mb", opt(s.data_left_mb)},
                      {"voice_left_minutes", opt(s.voice_left_minutes)},
                      {"reason", text_or_null(s.reason)}};
}

json::object recharge_json(const Recharge& r) {
  return json::object{
      {"recharge_id", r.id},
      {"msisdn", r.msisdn},
      {"carrier", shown_carrier(r.carrier)},
      {"amount_fen", r.amount_fen},
      {"status", r.status},
      {"carrier_recharge_id", text_or_null(r.carrier_recharge_id)},
      {"failure_reason", text_or_null(r.failure_reason)},
      {"balance_fen", r.balance_fen ? json::value(*r.balance_fen) : json::value(nullptr)},
      {"created_at", rfc3339(r.created_at_ms)},
      {"updated_at", rfc3339(r.updated_at_ms)}};
}

json::object replacement_json(const SimReplacement& r) {
  json::array history;
  for (const auto& h : r.history)
    history.push_back(
        json::object{{"status", h.status}, {"at", rfc3339(h.at_ms)}, {"cause", h.cause}});
  json::value failure = nullptr;
  if (!r.failure_code.empty())
    failure = json::object{{"code", r.failure_code}, {"message", r.failure_message}};
  return json::object{{"replacement_id", r.id},
                      {"msisdn", r.msisdn},
                      {"carrier", shown_carrier(r.carrier)},
                      {"reason", r.reason},
                      {"status", r.status},
                      {"carrier_order_id", text_or_null(r.carrier_order_id)},
                      {"courier", text_or_null(r.courier)},
                      {"waybill", text_or_null(r.waybill)},
                      {"failure", std::move(failure)},
                      {"created_at", rfc3339(r.created_at_ms)},
                      {"updated_at", rfc3339(r.updated_at_ms)},
                      {"history", std::move(history)}};
}

Reply with_replay(Reply reply, bool replayed) {
  if (replayed) reply.res.set("Idempotent-Replayed", "true");
  return reply;
}

}  // namespace

Awaitable get_subscriber(Ctx& c) {
  if (auto ok = check_msisdn(c.param); !ok) co_return error_response(c, ok.error());
  auto info = co_await query_subscriber(c.svc, c.tenant, c.param);
  if (!info) co_return error_response(c, info.error());
  auto line = c.svc.store.subscribers->sold_line(c.tenant, c.param);
  co_return json_response(c, 200,
                          subscriber_json(c.param, line ? line->carrier : "", info.value()));
}

Awaitable create_recharge(Ctx& c) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  if (auto ok = check_msisdn(c.param); !ok) co_return error_response(c, ok.error());
  auto body = parse_body(c, {"amount_fen"});
  if (!body) co_return error_response(c, body.error());
  const auto* amount = body->if_contains("amount_fen");
  if (!amount || !amount->is_int64() || amount->as_int64() < 1 ||
      amount->as_int64() > kMaxRechargeFen)
    co_return error_response(
        c, bad_argument("amount_fen is required: an integer from 1 to 1000000 (fen)"));
  RechargeRequest req{c.tenant, key.value(), {}, c.param, amount->as_int64()};
  req.request_hash = crypto::sha256_hex(json::serialize(json::object{
      {"op", op::kSubscriberRecharge}, {"msisdn", c.param}, {"amount_fen", req.amount_fen}}));
  auto done = co_await recharge_subscriber(c.svc, req);
  if (!done) co_return error_response(c, done.error());
  const Recharge& r = done->recharge;
  // Settled: created (201); still submitting: accepted, to be asked again.
  Reply reply = json_response(c, r.status == recharge::kSubmitting ? 202 : 201, recharge_json(r));
  reply.object_id = r.id;
  reply.outcome = r.status;
  co_return with_replay(std::move(reply), done->replayed);
}

Awaitable get_recharge(Ctx& c) {
  auto r = c.svc.store.subscribers->recharge(c.tenant, c.param);
  if (!r) co_return error_response(c, not_found("no such recharge"));
  co_return json_response(c, 200, recharge_json(*r));
}

namespace {

// The body of POST /v1/subscribers/{msisdn}/sim-replacements, checked.
Status read_replacement(const json::object& body, SimReplaceRequest& req) {
  for (auto [field, dest, max] : {std::tuple{"name", &req.name, size_t{64}},
                                  std::tuple{"id_number", &req.id_number, size_t{32}},
                                  std::tuple{"reason", &req.reason, size_t{16}}}) {
    auto v = req_string(body, field, max);
    if (!v) return v.error();
    *dest = v.value();
  }
  if (req.reason != "lost" && req.reason != "damaged")
    return bad_argument("reason must be lost or damaged");
  return read_delivery(body, req.delivery);
}

}  // namespace

Awaitable create_sim_replacement(Ctx& c) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  if (auto ok = check_msisdn(c.param); !ok) co_return error_response(c, ok.error());
  auto body = parse_body(c, {"name", "id_number", "reason", "delivery"});
  if (!body) co_return error_response(c, body.error());
  SimReplaceRequest req;
  req.tenant = c.tenant;
  req.key = key.value();
  req.msisdn = c.param;
  if (auto read = read_replacement(body.value(), req); !read)
    co_return error_response(c, read.error());
  // The hash of the decoded request (the ID number only as its hash).
  req.request_hash = crypto::sha256_hex(
      json::serialize(json::object{{"op", op::kSubscriberSimReplace},
                                   {"msisdn", req.msisdn},
                                   {"name", crypto::sha256_hex(req.name)},
                                   {"id_number", crypto::sha256_hex(req.id_number)},
                                   {"reason", req.reason},
                                   {"delivery", json::value_from(req.delivery)}}));
  auto done = co_await replace_sim(c.svc, req);
  if (!done) co_return error_response(c, done.error());
  Reply reply = json_response(c, 202, replacement_json(done->replacement));
  reply.object_id = done->replacement.id;
  co_return with_replay(std::move(reply), done->replayed);
}

Awaitable get_sim_replacement(Ctx& c) {
  auto r = c.svc.store.subscribers->replacement(c.tenant, c.param);
  if (!r) co_return error_response(c, not_found("no such sim replacement"));
  co_return json_response(c, 200, replacement_json(*r));
}

namespace {

Awaitable change_line_route(Ctx& c, bool suspend) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  if (auto ok = check_msisdn(c.param); !ok) co_return error_response(c, ok.error());
  LineChangeRequest req{c.tenant, key.value(), {}, c.param, "holder_request", suspend};
  // The body is optional: {"reason": "lost_phone"}.
  if (!c.req.body().empty()) {
    auto body = parse_body(c, {"reason"});
    if (!body) co_return error_response(c, body.error());
    auto reason = opt_string(body.value(), "reason", 32);
    if (!reason) co_return error_response(c, reason.error());
    if (reason.value()) req.reason = *reason.value();
  }
  req.request_hash = crypto::sha256_hex(
      json::serialize(json::object{{"op", suspend ? op::kSubscriberSuspend : op::kSubscriberResume},
                                   {"msisdn", req.msisdn},
                                   {"reason", req.reason}}));
  const std::string carrier = [&] {
    auto line = c.svc.store.subscribers->sold_line(c.tenant, c.param);
    return line ? line->carrier : std::string();
  }();
  // Named before the co_await: g++ 12 mishandles some temporaries inside a
  // co_await expression.
  const LineErrorAnswer answer_for = [suspend](const Error& e) {
    // A line the carrier suspended itself cannot be resumed by the
    // partner: a conflict with the state of the target (409), not a
    // carrier fault (ErrorSubject).
    return IdempotentReplay{
        http_status_for(e.code, suspend ? ErrorSubject::kReferenced : ErrorSubject::kTarget),
        error_body(e)};
  };
  const LineAnswer accepted = [&](const SubscriberInfo& s) {
    return IdempotentReplay{200, json::serialize(subscriber_json(req.msisdn, carrier, s))};
  };
  auto answer = co_await change_line(c.svc, req, answer_for, accepted);
  if (!answer) co_return error_response(c, answer.error());
  Reply reply = replay_response(c, answer->answer.http_status, answer->answer.body, "msisdn");
  if (!answer->replayed) reply.res.erase("Idempotent-Replayed");
  co_return reply;
}

}  // namespace

Awaitable suspend_subscriber(Ctx& c) {
  Reply reply = co_await change_line_route(c, true);
  co_return reply;
}

Awaitable resume_subscriber(Ctx& c) {
  Reply reply = co_await change_line_route(c, false);
  co_return reply;
}

}  // namespace cgw::gw::api
