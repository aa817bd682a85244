#include "cgw/sim/sim_instance.hpp"

#include "admin_internal.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace cgw::sim {

namespace asio = boost::asio;
namespace json = boost::json;
using net::http::status;

namespace {

constexpr auto kPollSlice = std::chrono::milliseconds(20);

// Clears a flag when the coroutine that set it ends, however it ends.
struct FlagGuard {
  std::atomic<bool>& flag;
  ~FlagGuard() { flag = false; }
};

// Half of the body, so JSON or XML no longer parses.
void truncate_body(net::Response& res) {
  std::string& body = res.body();
  if (body.size() < 2)
    body = "{";
  else
    body.resize(body.size() / 2);
  res.result(status::ok);
  res.prepare_payload();
}

}  // namespace

std::string check_callback_chaos(const CarrierSimulator& sim, const CallbackChaos& chaos) {
  if (!chaos.any() || sim.sends_callbacks()) return {};
  return std::string(sim.carrier()) +
         " sends no callbacks (its partner polls), so no callback chaos kind applies to it; "
         "callback chaos is for carriers that send callbacks";
}

SimInstance::SimInstance(std::unique_ptr<CarrierSimulator> sim, SimContext* ctx, uint64_t seed)
    : sim_(std::move(sim)), ctx_(ctx), inner_(sim_->handler()), faults_(seed), seed_(seed) {}

std::shared_ptr<SimInstance> SimInstance::create(const SimulatorFactory& factory,
                                                 asio::any_io_executor executor,
                                                 const SimulatorConfig& config,
                                                 const std::string& ns_name) {
  SimContextCapture capture;
  auto sim = factory(std::move(executor), config);
  if (!sim) throw std::runtime_error("the simulator factory returned nothing");
  std::shared_ptr<SimInstance> inst(
      new SimInstance(std::move(sim), capture.captured(), config.seed));
  // Before any request draws from it.
  if (inst->ctx_ && !ns_name.empty()) inst->ctx_->ids.reseed(id_stream_seed(config.seed, ns_name));
  std::vector<FaultRule> rules = config.faults;
  if (auto err = check_operations(rules, inst->sim_->operations()); !err.empty())
    throw std::invalid_argument("faults: " + err);
  if (auto err = inst->faults_.add(rules); !err.empty()) throw std::invalid_argument(err);
  if (config.callback_chaos)
    if (auto err = check_callback_chaos(*inst->sim_, *config.callback_chaos); !err.empty())
      throw std::invalid_argument("callback_chaos: " + err);
  if (config.callback_chaos && inst->ctx_)
    inst->ctx_->callbacks.set_chaos(*config.callback_chaos, config.seed);
  return inst;
}

void SimInstance::start() {
  sim_->start();
}

void SimInstance::stop() {
  stopped_ = true;
  sim_->stop();
}

int64_t SimInstance::now_ms() const {
  return ctx_ ? ctx_->clock.now_ms() : cgw::system_now_ms();
}

asio::awaitable<void> SimInstance::sleep_ms(int64_t ms) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  // In slices, so that stop() (shutdown) does not wait for a long fault.
  while (!stopped_ && std::chrono::steady_clock::now() < deadline) {
    timer.expires_at(std::min(deadline, std::chrono::steady_clock::now() + kPollSlice));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> SimInstance::callbacks_settled() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kCallbackSettleLimitMs);
  while (ctx_->callbacks.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<net::Response> SimInstance::serve(net::Request& req, net::Peer peer) {
  auto self = shared_from_this();  // a namespace deleted meanwhile stays alive
  const std::string_view target = req.target();
  if (SimContext::is_admin_target(target)) {
    const std::string path = admin::path_of(target);
    if (path == "/admin/faults" || path.starts_with("/admin/faults/"))
      co_return handle_faults(req, path);
    if (ctx_ && path == "/admin/clock" && req.method() == net::http::verb::post)
      co_return co_await move_clock(req);
    if (path == "/admin/callback-chaos" && req.method() == net::http::verb::post &&
        !sim_->sends_callbacks()) {
      // Refused here, where the carrier is known; a body that does not
      // parse gets the carrier's own answer (400) below.
      std::string err;
      if (auto body = admin::parse_body(req, err)) {
        auto parsed = callback_chaos_from_json(*body);
        if (parsed.ok())
          if (auto e = check_callback_chaos(*sim_, parsed.chaos); !e.empty())
            co_return admin::error(req, status::bad_request, e);
      }
    }
    co_return co_await inner_(req, peer);
  }
  if (admin::path_of(target) == "/healthz") co_return co_await inner_(req, peer);

  const std::string operation = sim_->operation_of(req);
  if (auto fault = faults_.decide(operation, now_ms()))
    co_return co_await serve_with_fault(req, peer, operation, *fault);
  req.set(kServedAsHeader, operation);
  req.set(kServedWithFaultHeader, "");
  co_return co_await inner_(req, peer);
}

asio::awaitable<net::Response> SimInstance::serve_with_fault(net::Request& req,
                                                             const net::Peer& peer,
                                                             const std::string& operation,
                                                             const FaultRule& fault) {
  const std::string method(req.method_string()), target(req.target());
  const std::string kind = to_string(fault.kind);
  spdlog::info("{}: fault {} ({}) on {} {}", sim_->carrier(), kind, fault.id, method, target);
  // A request the carrier never saw is journaled here, unchecked.
  auto journal_unserved = [&](std::string code, int http_status) {
    if (ctx_)
      ctx_->journal.add(JournalEntry{now_ms(), method, target, false, std::move(code), http_status,
                                     operation, kind});
  };
  auto serve_inner = [&]() -> asio::awaitable<net::Response> {
    req.set(kServedAsHeader, operation);
    req.set(kServedWithFaultHeader, kind);
    co_return co_await inner_(req, peer);
  };

  if (fault.kind == FaultKind::kLatency) {
    co_await sleep_ms(fault.latency_ms);
    co_return co_await serve_inner();
  }
  if (fault.kind == FaultKind::kBusinessError) {
    net::Response res = sim_->business_error(req, fault.code);
    journal_unserved(fault.code, res.result_int());
    co_return res;
  }
  std::optional<net::Response> served;
  if (fault.after_serve)
    served = co_await serve_inner();
  else
    journal_unserved("", fault.kind == FaultKind::kHttpStatus  ? fault.http_status
                         : fault.kind == FaultKind::kMalformed ? 200
                                                               : 0);
  switch (fault.kind) {
    case FaultKind::kHttpStatus: {
      net::Response res =
          net::make_response(req, static_cast<status>(fault.http_status),
                             json::serialize(json::object{{"error", "injected fault"},
                                                          {"status", fault.http_status}}));
      if (fault.retry_after_s)
        res.set(net::http::field::retry_after, std::to_string(*fault.retry_after_s));
      co_return res;
    }
    case FaultKind::kMalformed: {
      net::Response res = served ? std::move(*served) : sim_->business_error(req, "0");
      truncate_body(res);
      co_return res;
    }
    case FaultKind::kTimeout:
      co_await sleep_ms(fault.hold_ms);
      throw net::AbortConnection();
    default:  // kReset
      throw net::AbortConnection();
  }
}

net::Response SimInstance::handle_faults(const net::Request& req, const std::string& path) {
  using net::http::verb;
  auto list = [&] {
    json::array out;
    for (const auto& s : faults_.rules()) out.push_back(to_json(s));
    json::object reply{{"faults", std::move(out)}};
    // The names a rule may use besides "*", so a test need not guess them.
    if (auto ops = sim_->operations(); !ops.empty()) {
      json::array names;
      for (auto& op : ops) names.push_back(json::string(op));
      reply["operations"] = std::move(names);
    }
    return reply;
  };
  if (path != "/admin/faults") {  // /admin/faults/<id>
    const std::string id = path.substr(std::string_view("/admin/faults/").size());
    if (req.method() != verb::delete_)
      return admin::error(req, status::method_not_allowed, "use DELETE");
    if (!faults_.remove(id)) return admin::error(req, status::not_found, "no fault rule " + id);
    return json_response(req, status::ok, list());
  }
  if (req.method() == verb::get) return json_response(req, status::ok, list());
  if (req.method() == verb::delete_) {
    faults_.clear();
    return json_response(req, status::ok, list());
  }
  if (req.method() != verb::post)
    return admin::error(req, status::method_not_allowed, "use GET, POST or DELETE");
  std::string err;
  auto body = admin::parse_body(req, err);
  if (!body) return admin::error(req, status::bad_request, err);
  auto parsed = fault_rules_from_json(*body);
  if (!parsed.ok()) return admin::error(req, status::bad_request, parsed.error);
  if (auto e = check_operations(parsed.rules, sim_->operations()); !e.empty())
    return admin::error(req, status::bad_request, e);
  if (auto e = faults_.add(parsed.rules); !e.empty()) return admin::error(req, status::conflict, e);
  json::array added;
  for (const auto& r : parsed.rules) added.push_back(json::string(r.id));
  auto out = list();
  out["added"] = std::move(added);
  return json_response(req, status::created, out);
}

asio::awaitable<net::Response> SimInstance::move_clock(const net::Request& req) {
  if (moving_clock_.exchange(true))
    co_return admin::error(req, status::conflict, "another clock move is in progress");
  FlagGuard guard{moving_clock_};
  admin::ClockCommand cmd;
  if (auto err = admin::parse_clock_command(req, ctx_->clock, cmd); !err.empty())
    co_return admin::error(req, status::bad_request, err);
  if (cmd.freeze && *cmd.freeze) ctx_->clock.freeze();
  const int64_t from = ctx_->clock.now_ms();
  std::vector<FiredTimer> fired;
  size_t steps = 0;
  if (cmd.set_ms || cmd.advance_ms) {
    const int64_t target = cmd.set_ms ? *cmd.set_ms : from + *cmd.advance_ms;
    co_await callbacks_settled();
    while (steps < kMaxClockSteps) {
      const bool more = ctx_->step_toward(target, fired);
      ++steps;
      // An attempt's outcome schedules its retry: wait for it before
      // looking for the next due time.
      co_await callbacks_settled();
      if (!more) break;
    }
    if (ctx_->clock.now_ms() < target) {  // the step limit was reached
      ctx_->clock.set_ms(target);
      ctx_->tick();
    }
  }
  if (cmd.freeze && !*cmd.freeze) ctx_->clock.unfreeze();
  co_return json_response(req, status::ok,
                          admin::clock_move_json(*ctx_, from, std::move(fired), steps));
}

}  // namespace cgw::sim
