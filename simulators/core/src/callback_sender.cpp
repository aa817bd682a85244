#include "cgw/sim/callback_sender.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <map>
#include <mutex>

namespace cgw::sim {

namespace asio = boost::asio;

int64_t backoff_ms(const CallbackPolicy& policy, int attempts) {
  int64_t delay = policy.first_backoff_ms;
  for (int i = 1; i < attempts && delay < policy.max_backoff_ms; ++i) delay *= 2;
  return std::min(delay, policy.max_backoff_ms);
}

std::string url_target(std::string_view url) {
  auto r = boost::urls::parse_absolute_uri(url);
  if (!r || (r->scheme() != "http" && r->scheme() != "https") || r->host().empty()) return {};
  // The same rule as cgw::net::HttpClient uses to build the request line, so
  // the signed target is the target sent.
  std::string target(r->encoded_path());
  if (target.empty()) target = "/";
  if (r->has_query()) target += "?" + std::string(r->encoded_query());
  return target;
}

// Owned jointly by the sender and its in-flight deliveries, so a delivery
// finishing during shutdown never touches freed memory.
struct CallbackSender::Shared {
  Shared(asio::any_io_executor ex, const SimClock& c, CallbackSigner s, AckPredicate a,
         CallbackPolicy p)
      : executor(ex),
        clock(c),
        signer(std::move(s)),
        is_ack(std::move(a)),
        policy(p),
        client(ex, client_options(p)) {}

  static net::ClientOptions client_options(const CallbackPolicy& p) {
    net::ClientOptions o;
    o.request_timeout = p.request_timeout;
    return o;
  }

  asio::any_io_executor executor;
  const SimClock& clock;
  CallbackSigner signer;
  AckPredicate is_ack;
  CallbackPolicy policy;
  net::HttpClient client;
  mutable std::mutex mu;
  bool stopped = false;
  std::map<std::string, CallbackRecord> records;  // by event id
  std::vector<std::string> order;                 // event ids in enqueue order
  std::map<std::string, std::string> bodies;      // by event id
};

asio::awaitable<void> CallbackSender::deliver(std::shared_ptr<Shared> s, std::string event_id) {
  net::ClientRequest req;
  {
    std::lock_guard lock(s->mu);
    const auto& rec = s->records.at(event_id);
    req.url = rec.url;
    req.body = s->bodies.at(event_id);
  }
  req.method = "POST";
  req.headers = s->signer(url_target(req.url), req.body);
  req.headers.emplace_back("Content-Type", "application/json");
  net::ClientResponse res = co_await s->client.send(std::move(req));

  CallbackAttempt attempt;
  attempt.at_ms = s->clock.now_ms();
  attempt.transport = res.transport;
  attempt.http_status = res.status;
  attempt.acknowledged = res.ok() && s->is_ack(res.status, res.body);
  attempt.error = res.ok() ? (attempt.acknowledged ? "" : "not acknowledged") : res.error;

  std::lock_guard lock(s->mu);
  auto& rec = s->records.at(event_id);
  rec.in_flight = false;
  rec.attempts.push_back(attempt);
  const int n = static_cast<int>(rec.attempts.size());
  if (attempt.acknowledged) {
    rec.acknowledged = true;
    spdlog::info("callback {} for order {} acknowledged (attempt {})", event_id, rec.order_id, n);
  } else if (n >= s->policy.max_attempts) {
    rec.gave_up = true;
    spdlog::warn("callback {} for order {} given up after {} attempts: {}", event_id, rec.order_id,
                 n, attempt.error);
  } else {
    rec.next_attempt_ms = attempt.at_ms + backoff_ms(s->policy, n);
    spdlog::info("callback {} for order {} attempt {} failed ({}), next in {} ms", event_id,
                 rec.order_id, n, attempt.error, rec.next_attempt_ms - attempt.at_ms);
  }
}

CallbackSender::CallbackSender(asio::any_io_executor executor, const SimClock& clock,
                               CallbackSigner signer, AckPredicate is_ack, CallbackPolicy policy)
    : shared_(std::make_shared<Shared>(std::move(executor), clock, std::move(signer),
                                       std::move(is_ack), policy)) {}

CallbackSender::~CallbackSender() {
  stop();
}

void CallbackSender::enqueue(CallbackJob job) {
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->records.count(job.event_id)) return;  // one record per event
    CallbackRecord rec;
    rec.event_id = job.event_id;
    rec.order_id = job.order_id;
    rec.url = job.url;
    rec.next_attempt_ms = shared_->clock.now_ms();
    shared_->order.push_back(job.event_id);
    shared_->bodies.emplace(job.event_id, std::move(job.body));
    shared_->records.emplace(job.event_id, std::move(rec));
  }
  tick();
}

void CallbackSender::tick() {
  std::vector<std::string> due;
  {
    std::lock_guard lock(shared_->mu);
    if (shared_->stopped) return;
    const int64_t now = shared_->clock.now_ms();
    for (auto& [id, rec] : shared_->records) {
      if (rec.acknowledged || rec.gave_up || rec.in_flight || rec.next_attempt_ms > now) continue;
      rec.in_flight = true;  // one attempt at a time per event
      due.push_back(id);
    }
  }
  for (auto& id : due) {
    // A delivery that ends by an exception must not leave its event marked
    // in flight forever: schedule a retry as for any failed attempt.
    auto on_done = [s = shared_, id](std::exception_ptr e) {
      if (!e) return;
      std::lock_guard lock(s->mu);
      auto& rec = s->records.at(id);
      rec.in_flight = false;
      rec.next_attempt_ms = s->clock.now_ms() + s->policy.first_backoff_ms;
      spdlog::error("callback {} delivery ended by an exception", id);
    };
    asio::co_spawn(shared_->executor, deliver(shared_, id), std::move(on_done));
  }
}

void CallbackSender::stop() {
  std::lock_guard lock(shared_->mu);
  shared_->stopped = true;
}

std::vector<CallbackRecord> CallbackSender::journal() const {
  std::lock_guard lock(shared_->mu);
  std::vector<CallbackRecord> out;
  out.reserve(shared_->order.size());
  for (const auto& id : shared_->order) out.push_back(shared_->records.at(id));
  return out;
}

}  // namespace cgw::sim
