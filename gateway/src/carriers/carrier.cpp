// One configured carrier: its plugin instance and the step loop that
// performs the plugin's HTTP requests.
#include "carriers/carrier.hpp"

#include "cgw/common/yaml_json.hpp"
#include "core/background_tasks.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <memory>

namespace cgw::gw {

namespace json = boost::json;

namespace {
cgw_str view(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}
std::string copy(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}

// A flow longer than this is a plugin bug (a loop), not a carrier protocol.
constexpr int kMaxSteps = 16;

Error plugin_error(std::string message) {
  return make_error(code::kPluginError, std::move(message));
}

// The end of an operation that a DONE or FAIL step reports.
OperationResult step_result(const cgw_step_v1& step) {
  if (step.kind == CGW_STEP_DONE) {
    boost::system::error_code ec;
    auto result = json::parse(
        std::string_view(step.result_json.ptr ? step.result_json.ptr : "", step.result_json.len),
        ec);
    if (ec) return plugin_error("the plugin's result is not JSON");
    return result;
  }
  Error e;
  // From 1.2 the sized error; a 1.0 or 1.1 plugin's is the one by value.
  const cgw_error_v2* sized =
      CGW_HAS_MEMBER(&step, cgw_step_v1, error_v2) ? step.error_v2 : nullptr;
  if (sized && sized->struct_size >= offsetof(cgw_error_v2, outcome_unknown) + 1) {
    e.code = copy(sized->code);
    e.message = copy(sized->message);
    e.carrier_code = copy(sized->carrier_code);
    e.retryable = sized->retryable != 0;
    e.outcome_unknown = sized->outcome_unknown != 0;
  } else {
    e.code = copy(step.error.code);
    e.message = copy(step.error.message);
    e.carrier_code = copy(step.error.carrier_code);
    e.retryable = step.error.retryable != 0;
    e.outcome_unknown = step.error.outcome_unknown != 0;
  }
  if (e.code.empty()) e.code = code::kPluginError;
  return e;
}

// The HTTP request a SEND step asks for: the sized form from 1.2, the one
// by value (and 1.1's request_flags) before.
net::ClientRequest request_of(const cgw_step_v1& step) {
  net::ClientRequest req;
  auto fill = [&req](const auto& r, uint32_t flags) {
    req.method = copy(r.method);
    req.url = copy(r.url);
    for (size_t i = 0; i < r.header_count; ++i)
      req.headers.emplace_back(copy(r.headers[i].name), copy(r.headers[i].value));
    req.body = copy(r.body);
    req.timeout = std::chrono::milliseconds(r.timeout_ms);
    req.replayable = (flags & CGW_REQUEST_REPLAYABLE) != 0;
  };
  const cgw_request_v2* sized =
      CGW_HAS_MEMBER(&step, cgw_step_v1, request_v2) ? step.request_v2 : nullptr;
  if (sized && CGW_HAS_MEMBER(sized, cgw_request_v2, timeout_ms))
    fill(*sized, sized->flags);
  else
    fill(step.request, CGW_HAS_MEMBER(&step, cgw_step_v1, request_flags) ? step.request_flags : 0u);
  return req;
}

net::ClientOptions client_options(const CarrierConfig& c) {
  net::ClientOptions o;
  o.connect_timeout = c.connect_timeout;
  o.request_timeout = c.request_timeout;
  o.verify_tls = c.tls_verify;
  o.ca_file = c.tls_ca_file.string();
  // Every call in flight may keep its connection for the next one: a pool
  // smaller than the concurrency limit closes connections that a moment
  // later must be opened again.
  o.max_idle_per_origin =
      std::max<size_t>(o.max_idle_per_origin, static_cast<size_t>(std::max(c.max_concurrency, 0)));
  return o;
}

// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date,
// in any of the three date forms a recipient must accept.
std::optional<int64_t> retry_after_seconds(std::string_view v, int64_t now_ms) {
  constexpr int64_t kMax = 86400;  // a longer wait is a carrier bug, not advice
  if (!v.empty() && v.size() <= 18 &&
      std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::min<int64_t>(std::stoll(std::string(v)), kMax);
  const std::string text(v);
  for (const char* form :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), form, &tm);
    if (!end || *end != '\0') continue;
    const int64_t at_s = ::timegm(&tm);
    const int64_t now_s = now_ms / 1000;
    return std::clamp<int64_t>(at_s - now_s, 0, kMax);
  }
  return std::nullopt;
}

// The path of a URL, for logs: never the query (it may carry identifiers).
std::string path_of(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "/";
  auto q = url.find('?', slash);
  return url.substr(slash, q == std::string::npos ? std::string::npos : q - slash);
}
}  // namespace

std::optional<Error> rate_limited_error(const net::ClientResponse& res, int64_t now_ms) {
  if (!res.ok() || res.status != 429) return std::nullopt;
  Error e = make_error(code::kCarrierUnavailable, "the carrier asks to slow down (HTTP 429)",
                       /*retryable=*/true);
  e.outcome_unknown = false;  // a refusal: nothing was applied
  e.rate_limited = true;
  for (const auto& [name, value] : res.headers)
    if (boost::iequals(name, "Retry-After")) {
      e.retry_after_s = retry_after_seconds(boost::trim_copy(value), now_ms);
      break;
    }
  return e;
}

Carrier::Carrier(CarrierConfig config, std::shared_ptr<PluginLibrary> library,
                 boost::asio::any_io_executor executor)
    : config_(std::move(config)),
      library_(std::move(library)),
      context_(std::make_unique<HostContext>()),
      client_(executor, client_options(config_)),
      breaker_(config_.id, BreakerOptions{config_.breaker_window, config_.breaker_min_calls,
                                          config_.breaker_failure_ratio, config_.breaker_open}),
      limiter_(config_.max_concurrency, config_.max_qps) {
  context_->carrier_id = config_.id;
}

Carrier::~Carrier() {
  if (instance_) library_->table->destroy(instance_);
}

Status Carrier::create(const std::string& callback_url) {
  YAML::Node settings = YAML::Clone(config_.settings);
  if (!settings["base_url"]) settings["base_url"] = config_.base_url;
  if (!settings["callback_url"]) settings["callback_url"] = callback_url;
  // As the plugin asked (ABI 1.2): JSON, so it needs no YAML library; a
  // plugin of ABI 1.0 or 1.1 gets the YAML text it was built for.
  std::string text;
  if (library_->config_format == CGW_CONFIG_JSON) {
    text = json::serialize(yaml_to_json(settings));
  } else {
    YAML::Emitter out;
    out << settings;
    text = out.c_str();
  }
  cgw_step_v1* error = nullptr;
  instance_ = library_->table->create(context_.get(), view(text), &error);
  if (instance_) return {};
  Error refused = make_error(code::kConfigInvalid,
                             library_->path.string() + ": the plugin refused its settings");
  if (error) {
    if (error->kind == CGW_STEP_FAIL) {
      if (error->error.code.len) refused.code = copy(error->error.code);
      refused.message += ": " + copy(error->error.message);
    }
    library_->table->free_step(error);
  }
  return refused;
}

Result<std::unique_ptr<Carrier>> load_carrier(const CarrierConfig& config,
                                              const std::string& callback_url,
                                              boost::asio::any_io_executor executor) {
  auto library = load_plugin(config.plugin, host_table());
  if (!library) return library.error();
  auto carrier = std::make_unique<Carrier>(config, std::move(library.value()), executor);
  if (auto created = carrier->create(callback_url); !created) return created.error();
  return carrier;
}

boost::asio::awaitable<OperationResult> Carrier::run(std::string operation,
                                                     std::string input_json) {
  for (int attempt = 0;; ++attempt) {
    auto outcome = co_await run_once(operation, input_json);
    // A carrier that asked us to slow down is not asked again at once: the
    // platform gets its Retry-After instead.
    if (outcome.ok() || !outcome.error().retryable || outcome.error().rate_limited ||
        !is_read_operation(operation) || attempt >= config_.max_retries)
      co_return outcome;
    co_await backoff(attempt);
    spdlog::info("carrier={} op={} retry {} after: {} {}", config_.id, operation, attempt + 1,
                 outcome.error().code, outcome.error().message);
  }
}

boost::asio::awaitable<OperationResult> Carrier::run_once(const std::string& operation,
                                                          const std::string& input_json) {
  // An operation that changes something at the carrier goes out only once
  // the writes before it would survive a crash (set_store). A read (a sync
  // page, a query) changes nothing there and need not wait.
  if (store_ && !is_read_operation(operation) && !co_await store_->committed())
    co_return make_error(code::kStoreUnavailable,
                         "the store failed: nothing is sent to the carrier", true);
  const cgw_plugin_v1* t = library_->table;
  auto free_step = [t](cgw_step_v1* s) {
    if (s) t->free_step(s);
  };
  std::unique_ptr<cgw_step_v1, decltype(free_step)> step(
      t->start(instance_, view(operation), view(input_json)), free_step);
  for (int n = 0; n < kMaxSteps; ++n) {
    if (!step) co_return plugin_error("the plugin returned no step");
    // ABI 1.0's step ends where request_flags (1.1) begins: older plugins
    // keep working.
    if (step->struct_size < offsetof(cgw_step_v1, request_flags))
      co_return plugin_error("the plugin returned a step smaller than ABI 1.0's");
    if (step->kind == CGW_STEP_DONE || step->kind == CGW_STEP_FAIL) co_return step_result(*step);
    if (step->kind != CGW_STEP_SEND)
      co_return plugin_error("the plugin returned an unknown step kind");

    // Copy what the request needs, then give the step back before waiting.
    const net::ClientRequest req = request_of(*step);
    const std::string state = copy(step->state);
    step.reset();
    net::ClientResponse res = co_await logged_send(operation, req);

    // A 429 is answered here for every plugin alike (the plugins read
    // HTTP statuses by their own protocol and none of them knows Retry-After).
    if (auto limited = rate_limited_error(res, host_table()->now_unix_ms(context_.get())))
      co_return std::move(*limited);

    std::vector<cgw_header> headers;
    headers.reserve(res.headers.size());
    for (const auto& [k, v] : res.headers) headers.push_back({view(k), view(v)});
    cgw_http_response_v1 response{res.transport, res.status, headers.data(), headers.size(),
                                  view(res.body)};
    step.reset(t->resume(instance_, view(state), &response));
  }
  co_return plugin_error("the operation did not finish within " + std::to_string(kMaxSteps) +
                         " steps");
}

boost::asio::awaitable<net::ClientResponse> Carrier::logged_send(const std::string& operation,
                                                                 const net::ClientRequest& req) {
  const std::string call_path = path_of(req.url);
  auto started = std::chrono::steady_clock::now();
  net::ClientResponse res = co_await send(req);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  spdlog::debug("carrier={} op={} call {} status={} transport={} latency_us={}", config_.id,
                operation, call_path, res.status, res.transport, us);
  if (!res.ok())
    spdlog::warn("carrier={} op={} transport failure: {}", config_.id, operation, res.error);
  co_return res;
}

boost::asio::awaitable<net::ClientResponse> Carrier::send(const net::ClientRequest& request) {
  for (int attempt = 0;; ++attempt) {
    if (!breaker_.allow()) {
      // Fail fast: nothing is sent, and the plugin maps it like any
      // unreachable carrier (retryable).
      net::ClientResponse open;
      open.transport = CGW_TRANSPORT_NOT_SENT;
      open.error = "circuit open";
      co_return open;
    }
    net::ClientResponse res;
    {
      auto slot = co_await limiter_.acquire();
      res = co_await client_.send(request);
    }
    // A call cut short by the shutdown is no carrier failure and must not
    // be acted on: the task unwinds from here (operation_aborted).
    co_await cancellation_point();
    const bool server_error = res.ok() && res.status >= 500;
    breaker_.record(res.ok() && !server_error);
    // Only a request that never left can go again as it is; anything else
    // goes back to the plugin (run() decides whether to start over).
    if (res.transport != CGW_TRANSPORT_NOT_SENT || attempt >= config_.max_retries) co_return res;
    co_await backoff(attempt);
    spdlog::info("carrier={} resend {} after: {}", config_.id, attempt + 1, res.error);
  }
}

boost::asio::awaitable<void> Carrier::backoff(int attempt) {
  // 100 ms, 200 ms, ... each scaled by a random factor so retries of many
  // calls do not line up.
  unsigned char r = 0;
  host_table()->random_bytes(nullptr, &r, 1);
  auto base = std::chrono::milliseconds(100 << std::min(attempt, 6));
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, base / 2 + base * r / 512);
  co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

ParsedCallback Carrier::parse_callback(const std::string& method, const std::string& target,
                                       const net::HeaderList& headers, const std::string& body) {
  const cgw_plugin_v1* t = library_->table;
  std::vector<cgw_header> hs;
  for (const auto& [k, v] : headers) hs.push_back({view(k), view(v)});
  cgw_http_request_v1 req{view(method), view(target), hs.data(), hs.size(), view(body), 0};
  ParsedCallback out;
  cgw_callback_v1* cb = t->parse_callback(instance_, &req);
  // Every member of ABI 1.0 (error_v2 came with 1.2).
  if (!cb || !CGW_HAS_MEMBER(cb, cgw_callback_v1, error)) {
    if (cb) t->free_callback(cb);
    out.refusal = plugin_error("the plugin returned no callback result");
    return out;
  }
  out.verified = cb->verified == 1;
  out.events_json = copy(cb->events_json);
  out.ack_status = cb->ack_status;
  out.ack_content_type = copy(cb->ack_content_type);
  out.ack_body = copy(cb->ack_body);
  const cgw_error_v2* sized =
      CGW_HAS_MEMBER(cb, cgw_callback_v1, error_v2) ? cb->error_v2 : nullptr;
  const bool use_sized = sized && CGW_HAS_MEMBER(sized, cgw_error_v2, message);
  out.refusal.code = copy(use_sized ? sized->code : cb->error.code);
  out.refusal.message = copy(use_sized ? sized->message : cb->error.message);
  t->free_callback(cb);
  return out;
}

}  // namespace cgw::gw
