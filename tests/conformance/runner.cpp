// The runner, and the helpers every check uses.
#include "suite.hpp"

#include "identities.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/common/time_format.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <iostream>
#include <limits>

namespace cgw::conformance {

const std::vector<std::string_view>& all_checks() {
  static const std::vector<std::string_view> kChecks = {
      "load",
      "create",
      "create.rejects_empty_settings",
      "unsupported_operation",
      "plans.list",
      "inventory.sync",
      "number.reserve",
      "number.reserve.held",
      "number.reserve.retry",
      "number.release",
      "number.reserve.after_release",
      "inventory.changes.cursor",
      "inventory.changes.reserved",
      "inventory.changes.none",
      "inventory.changes.released",
      "kyc.pass",
      "kyc.id_name_mismatch",
      "kyc.id_not_found",
      "kyc.id_invalidated",
      "kyc.face_mismatch",
      "kyc.liveness_failed",
      "kyc.quota_exceeded",
      "kyc.blacklisted",
      "kyc.review",
      "kyc.underage",
      "kyc.upstream_timeout",
      "activation.submit.rejected_applicant",
      "activation.submit",
      "activation.submit.idempotent",
      "activation.callback",
      "callback.duplicate",
      "callback.bad_signature",
      "callback.tampered_body",
      "callback.ack_accepted",
      "activation.query",
      "activation.query.unknown_order",
      "lifecycle.forward",
      "lifecycle.callbacks",
      "cancel.after_shipping",
      "cancel.before_shipping",
      "cancel.idempotent",
      "subscriber.query",
      "subscriber.query.unknown",
      "recharge",
      "recharge.idempotent",
      "recharge.query",
      "recharge.query.not_found",
      "recharge.lost_reply",
      "suspend",
      "suspend.idempotent",
      "resume",
      "resume.idempotent",
      "resume.carrier_suspended",
      "subscriber.status_event",
      "sim_replace",
      "sim_replace.identity_mismatch",
      "sim_replace.idempotent",
      "sim_replace.query",
      "transport.not_sent",
      "transport.timeout",
      "transport.broken",
      "transport.http_503",
      "transport.bad_body",
      "transport.too_big",
      "fault.http_503",
      "fault.timeout",
      "fault.reset",
      "fault.malformed",
      "fault.lost_submit_reply",
      "errors.no_pii",
  };
  return kChecks;
}

namespace {
bool in_group(std::string_view check, std::string_view group) {
  return check == group ||
         (check.size() > group.size() && check.starts_with(group) && check[group.size()] == '.');
}
}  // namespace

bool Runner::selected(std::string_view check) const {
  // Every other check needs these two, so they are always shown.
  if (only_.empty() || check == "load" || check == "create") return true;
  return std::any_of(only_.begin(), only_.end(),
                     [&](const std::string& o) { return in_group(check, o); });
}

bool Runner::any_selected(std::string_view group) const {
  for (auto c : all_checks())
    if (in_group(c, group) && selected(c)) return true;
  return false;
}

void Runner::line(std::string_view verdict, std::string_view check, std::string_view detail) {
  std::cout << verdict << ' ' << check << " \u2014 " << (detail.empty() ? "ok" : detail)
            << std::endl;
}

void Runner::pass(std::string_view check, std::string_view detail) {
  if (!selected(check)) return;
  ++passed_;
  line("PASS", check, detail);
}
void Runner::fail(std::string_view check, std::string_view detail) {
  if (!selected(check)) return;
  ++failed_;
  line("FAIL", check, detail);
}
void Runner::skip(std::string_view check, std::string_view detail) {
  if (!selected(check)) return;
  ++skipped_;
  line("SKIP", check, detail);
}
void Runner::not_applicable(std::string_view check, std::string_view detail) {
  if (!selected(check)) return;
  ++not_applicable_;
  line("N/A", check, detail);
}
void Runner::verdict(std::string_view check, const std::string& problem, std::string_view detail) {
  if (problem.empty())
    pass(check, detail);
  else
    fail(check, problem);
}

void Runner::print_summary() const {
  std::cout << passed_ << " passed, " << failed_ << " failed, " << skipped_ << " skipped, "
            << not_applicable_ << " not applicable" << std::endl;
}

bool Suite::needs_line() const {
  for (const char* group :
       {"lifecycle", "cancel", "subscriber", "recharge", "suspend", "resume", "sim_replace"})
    if (runner.any_selected(group)) return true;
  return false;
}

std::string Suite::callback_url() const {
  return listener.base_url() + "/v1/callbacks/" + library->name;
}

gw::CarrierConfig carrier_config(const Suite& suite, const std::string& base_url,
                                 std::chrono::milliseconds request_timeout) {
  gw::CarrierConfig c;
  c.id = suite.library->name;
  c.display_name = "conformance";
  c.plugin = suite.library->path;
  c.base_url = base_url;
  c.connect_timeout = std::chrono::milliseconds(2'000);
  c.request_timeout = request_timeout;
  // The checks judge the plugin's mapping of one attempt: the gateway's
  // retries would hide it, and its breaker would answer for the carrier.
  c.max_retries = 0;
  c.breaker_min_calls = std::numeric_limits<int>::max();
  c.settings = YAML::Clone(suite.settings);
  // --base-url wins over a base_url in the settings file: the host always
  // fills it from carriers[].base_url.
  c.settings["base_url"] = base_url;
  return c;
}

std::unique_ptr<gw::Carrier> make_carrier(const Suite& suite, gw::CarrierConfig config,
                                          std::string& why) {
  auto carrier = std::make_unique<gw::Carrier>(std::move(config), suite.library, suite.executor);
  if (auto created = carrier->create(suite.callback_url()); !created) {
    why = created.error().message;
    return nullptr;
  }
  return carrier;
}

namespace {
// Replaces every occurrence of `secret` in `s`; true when there was one.
bool mask_in(std::string& s, const std::string& secret, const std::string& masked) {
  bool found = false;
  for (size_t at = s.find(secret); !secret.empty() && at != std::string::npos;
       at = s.find(secret, at + masked.size())) {
    s.replace(at, secret.size(), masked);
    found = true;
  }
  return found;
}
}  // namespace

asio::awaitable<gw::OperationResult> run_op(Suite& suite, gw::Carrier& carrier,
                                            std::string operation, json::value input) {
  gw::OperationResult o = co_await carrier.run(operation, json::serialize(input));
  if (!o.ok()) {
    for (const auto& pii : suite.pii_sent) {
      const std::string masked = pii.size() == 18 ? id::mask_id_number(pii) : id::mask_name(pii);
      const bool in_message = mask_in(o.error().message, pii, masked);
      const bool in_code = mask_in(o.error().carrier_code, pii, masked);
      if (in_message || in_code)
        suite.pii_leaks.push_back(operation + " error " +
                                  (in_message ? "message" : "carrier_code") + " contains " +
                                  masked);
    }
  }
  co_return o;
}

Awaitable sleep_ms(int64_t ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

int64_t now_ms() {
  return system_now_ms();
}

std::string describe(const gw::OperationResult& result) {
  if (result.ok()) return "DONE " + json::serialize(result.value()).substr(0, 200);
  const gw::Error& o = result.error();
  std::string s = o.code;
  if (o.retryable) s += " retryable";
  if (o.outcome_unknown) s += " outcome_unknown";
  if (!o.carrier_code.empty()) s += " carrier_code=" + o.carrier_code;
  return s + ": " + o.message;
}

std::string expect_error(const gw::OperationResult& result, std::string_view code,
                         std::optional<bool> retryable, std::optional<bool> outcome_unknown) {
  if (result.ok()) return "expected " + std::string(code) + ", got a result";
  const gw::Error& o = result.error();
  std::string problem;
  if (o.code != code) problem = "code " + o.code + " instead of " + std::string(code);
  auto flag = [&](const char* name, std::optional<bool> want, bool got) {
    if (!want || *want == got) return;
    if (!problem.empty()) problem += "; ";
    problem += std::string(name) + (got ? " set" : " not set");
  };
  flag("retryable", retryable, o.retryable);
  flag("outcome_unknown", outcome_unknown, o.outcome_unknown);
  return problem.empty() ? problem : problem + " (" + describe(result) + ")";
}

json::object query_input(const std::string& gateway_order_id, const std::string& carrier_order_id,
                         const std::string& plugin_data) {
  return json::object{{"gateway_order_id", gateway_order_id},
                      {"carrier_order_id", carrier_order_id},
                      {"plugin_data", plugin_data}};
}

json::object submit_input(const std::string& order_id, const std::string& msisdn,
                          const std::string& plan_id, const std::string& reservation,
                          const std::string& id_number) {
  return json::object{
      {"gateway_order_id", order_id},
      {"msisdn", msisdn},
      {"plan_id", plan_id},
      {"carrier_reservation_id", reservation},
      {"name", kApplicantName},
      {"id_number", id_number},
      {"delivery",
       {{"name", kApplicantName}, {"phone", "13900000000"}, {"address", "北京市东城区示例路1号"}}}};
}

std::string fresh_id(std::string_view prefix) {
  return std::string(prefix) + crypto::random_hex(8);
}

asio::awaitable<AdminReply> admin_call(const Suite& suite, std::string method, std::string path,
                                       std::string body) {
  net::ClientOptions opts;
  opts.connect_timeout = std::chrono::milliseconds(2'000);
  opts.request_timeout = std::chrono::milliseconds(10'000);
  net::HttpClient client(suite.executor, opts);
  net::ClientRequest req;
  req.method = std::move(method);
  req.url = suite.options.sim_admin + path;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.body = std::move(body);
  net::ClientResponse res = co_await client.send(std::move(req));
  AdminReply r;
  r.ok = res.ok();
  r.status = res.status;
  r.error = res.error;
  boost::system::error_code ec;
  r.body = json::parse(res.body, ec);
  if (ec) r.body = nullptr;
  co_return r;
}

void check_no_pii(Suite& suite) {
  if (suite.pii_leaks.empty()) {
    suite.runner.pass("errors.no_pii",
                      "no error message or carrier_code echoed a name or ID "
                      "number the checks sent");
    return;
  }
  std::string all;
  for (const auto& l : suite.pii_leaks) all += (all.empty() ? "" : "; ") + l;
  suite.runner.fail("errors.no_pii", all);
}

}  // namespace cgw::conformance
