#include "cgw/sim/callback_sender.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

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

namespace {

bool is_signature_name(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "sign" || lower == "authorization" || lower.ends_with("signature") ||
         lower.ends_with("-sign") || lower.ends_with("_sign");
}

// Stays well-formed (hex stays hex), so the partner refuses it for the
// signature itself rather than for its syntax.
void flip_last(std::string& value) {
  if (!value.empty()) value.back() = value.back() == '0' ? '1' : '0';
}

}  // namespace

void corrupt_signature(net::HeaderList& headers, std::string& body) {
  bool corrupted = false;
  for (auto& [name, value] : headers)
    if (is_signature_name(name) && !value.empty()) {
      flip_last(value);
      corrupted = true;
    }
  if (corrupted) return;
  // No signature header: a carrier that signs inside a JSON body.
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return;
  for (auto& [key, field] : v.as_object())
    if (is_signature_name(key) && field.is_string() && !field.as_string().empty()) {
      std::string s(field.as_string());
      flip_last(s);
      field = s;
      body = boost::json::serialize(v);
      return;
    }
}

namespace {

enum ChaosKind : size_t { kDuplicate, kReorder, kDelay, kDrop, kBadSignature, kKindCount };

// What chaos decided for one event that the public record does not show.
struct EventState {
  std::string body;
  uint64_t seq = 0;  // enqueue order, for reorder
  bool corrupt_next = false, duplicate_next = false;
  int64_t hold_until_ms = 0;
};

bool pending(const CallbackRecord& r) {
  return !r.acknowledged && !r.gave_up && !r.dropped;
}

}  // namespace

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
  // Event ids whose record is still pending (in id order, as `records`):
  // the scheduler looks only at these, so its work does not grow with every
  // callback ever sent (a record-day run sends hundreds of thousands).
  std::set<std::string> live;
  // The live records that are not in flight, by when they may go: `waiting`
  // by next attempt, `held` (chaos reorder) apart. Starting the due ones
  // takes them from the front, so a record day with thousands of callbacks
  // in flight costs no scan of them per callback.
  std::set<std::pair<int64_t, std::string>> waiting;
  std::set<std::string> held;
  size_t in_flight = 0;
  std::vector<std::string> order;            // event ids in enqueue order
  std::map<std::string, EventState> events;  // by event id
  uint64_t enqueued = 0;
  CallbackChaos chaos;
  uint64_t chaos_count = 0;  // callbacks enqueued since the chaos was set
  std::vector<DrawStream> draws = make_draws(0);
  SignatureCorruptor corruptor = corrupt_signature;

  static std::vector<DrawStream> make_draws(uint64_t seed) {
    std::vector<DrawStream> d;
    for (size_t k = 0; k < kKindCount; ++k) d.emplace_back(mix_seed(seed, 100 + k));
    return d;
  }
  // mu held: a live record that is not in flight waits for its turn.
  void park(const std::string& id, const CallbackRecord& rec) {
    if (rec.held)
      held.insert(id);
    else
      waiting.emplace(rec.next_attempt_ms, id);
  }
  // mu held: lets every held callback enqueued before `seq` go now.
  void release_held_before(uint64_t seq) {
    for (auto it = held.begin(); it != held.end();) {
      auto& rec = records.at(*it);
      if (events.at(*it).seq >= seq) {
        ++it;
        continue;
      }
      rec.held = false;
      waiting.emplace(rec.next_attempt_ms, *it);
      it = held.erase(it);
    }
  }
  // mu held: the chaos decisions for a new callback. Every kind draws for
  // every callback so that decisions do not shift when settings combine.
  void apply_chaos(CallbackRecord& rec, EventState& st) {
    const uint64_t n = ++chaos_count;
    const int64_t now = clock.now_ms();
    std::array<bool, kKindCount> fires{};
    const std::optional<Schedule>* schedules[kKindCount] = {
        &chaos.duplicate, &chaos.reorder, &chaos.delay, &chaos.drop, &chaos.bad_signature};
    for (size_t k = 0; k < kKindCount; ++k)
      fires[k] = *schedules[k] && schedule_fires(**schedules[k], n, now, draws[k]);
    if (fires[kDrop]) {
      rec.dropped = true;
      rec.chaos.push_back("drop");
      release_held_before(st.seq);  // the dropped one counts as "the next one"
      return;
    }
    if (fires[kDelay]) {
      rec.next_attempt_ms = now + chaos.delay_ms;
      rec.chaos.push_back("delay");
    }
    if (fires[kReorder]) {
      rec.held = true;
      st.hold_until_ms = now + kReorderMaxHoldMs;
      rec.chaos.push_back("reorder");
    }
    if (fires[kDuplicate]) {
      st.duplicate_next = true;
      rec.chaos.push_back("duplicate");
    }
    if (fires[kBadSignature]) {
      st.corrupt_next = true;
      rec.chaos.push_back("bad_signature");
    }
  }
};

namespace {

// One POST of the callback; never throws for network trouble.
asio::awaitable<CallbackAttempt> send_once(const CallbackSigner& signer,
                                           const SignatureCorruptor& corruptor,
                                           const AckPredicate& is_ack, net::HttpClient& client,
                                           const SimClock& clock, net::ClientRequest req,
                                           bool corrupt) {
  req.method = "POST";
  req.headers = signer(url_target(req.url), req.body);
  if (corrupt && corruptor) corruptor(req.headers, req.body);
  // The carrier's signer may set its own type (telecom sends XML).
  const bool typed = std::any_of(req.headers.begin(), req.headers.end(), [](const auto& h) {
    return boost::beast::iequals(h.first, "Content-Type");
  });
  if (!typed) req.headers.emplace_back("Content-Type", "application/json");
  net::ClientResponse res = co_await client.send(std::move(req));
  CallbackAttempt attempt;
  attempt.at_ms = clock.now_ms();
  attempt.transport = res.transport;
  attempt.http_status = res.status;
  attempt.acknowledged = res.ok() && is_ack(res.status, res.body);
  attempt.error = res.ok() ? (attempt.acknowledged ? "" : "not acknowledged") : res.error;
  attempt.chaos = corrupt ? "bad_signature" : "";
  co_return attempt;
}

}  // namespace

asio::awaitable<void> CallbackSender::deliver(std::shared_ptr<Shared> s, std::string event_id) {
  net::ClientRequest req;
  bool corrupt = false, duplicate = false;
  uint64_t seq = 0;
  SignatureCorruptor corruptor;
  {
    std::lock_guard lock(s->mu);
    corruptor = s->corruptor;
    auto& st = s->events.at(event_id);
    req.url = s->records.at(event_id).url;
    req.body = st.body;
    corrupt = std::exchange(st.corrupt_next, false);
    duplicate = std::exchange(st.duplicate_next, false);
    seq = st.seq;
  }
  std::vector<CallbackAttempt> attempts;
  attempts.push_back(
      co_await send_once(s->signer, corruptor, s->is_ack, s->client, s->clock, req, corrupt));
  if (duplicate) {
    attempts.push_back(
        co_await send_once(s->signer, corruptor, s->is_ack, s->client, s->clock, req, false));
    attempts.back().chaos = "duplicate";
  }

  {
    std::lock_guard lock(s->mu);
    auto& rec = s->records.at(event_id);
    const bool first_try = rec.attempts.empty();
    rec.in_flight = false;
    --s->in_flight;
    for (const auto& a : attempts) {
      rec.attempts.push_back(a);
      rec.acknowledged = rec.acknowledged || a.acknowledged;
    }
    // A duplicate copy is chaos, not a retry: it does not use up attempts.
    const int n =
        static_cast<int>(std::count_if(rec.attempts.begin(), rec.attempts.end(),
                                       [](const auto& a) { return a.chaos != "duplicate"; }));
    const CallbackAttempt& last = attempts.front();
    if (rec.acknowledged) {
      spdlog::info("callback {} for order {} acknowledged (attempt {})", event_id, rec.order_id, n);
    } else if (n >= s->policy.max_attempts) {
      rec.gave_up = true;
      spdlog::warn("callback {} for order {} given up after {} attempts: {}", event_id,
                   rec.order_id, n, last.error);
    } else {
      rec.next_attempt_ms = last.at_ms + backoff_ms(s->policy, n);
      spdlog::info("callback {} for order {} attempt {} failed ({}), next in {} ms", event_id,
                   rec.order_id, n, last.error, rec.next_attempt_ms - last.at_ms);
    }
    if (!pending(rec))
      s->live.erase(event_id);
    else
      s->park(event_id, rec);
    if (first_try) s->release_held_before(seq);
  }
  // The next ones: reordered callbacks go right after this one, and a
  // callback waiting for a free delivery slot takes this one's.
  start_due_of(s);
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
    EventState st;
    st.body = std::move(job.body);
    st.seq = ++shared_->enqueued;
    shared_->apply_chaos(rec, st);
    if (rec.dropped)
      spdlog::info("callback {} for order {} dropped (callback chaos)", job.event_id, job.order_id);
    shared_->order.push_back(job.event_id);
    shared_->events.emplace(job.event_id, std::move(st));
    if (pending(rec)) {
      shared_->live.insert(job.event_id);
      shared_->park(job.event_id, rec);
    }
    shared_->records.emplace(job.event_id, std::move(rec));
  }
  tick();
}

void CallbackSender::tick() {
  start_due_of(shared_);
}

std::vector<std::string> CallbackSender::start_due() {
  return start_due_of(shared_);
}

std::vector<std::string> CallbackSender::start_due_of(const std::shared_ptr<Shared>& s) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(s->mu);
    if (s->stopped) return due;
    const int64_t now = s->clock.now_ms();
    for (auto it = s->held.begin(); it != s->held.end();) {
      if (s->events.at(*it).hold_until_ms > now) {
        ++it;
        continue;
      }
      auto& rec = s->records.at(*it);
      rec.held = false;
      s->waiting.emplace(rec.next_attempt_ms, *it);
      it = s->held.erase(it);
    }
    while (!s->waiting.empty() && s->waiting.begin()->first <= now &&
           s->in_flight < s->policy.max_in_flight) {
      auto node = s->waiting.extract(s->waiting.begin());
      s->records.at(node.value().second).in_flight = true;  // one attempt at a time per event
      ++s->in_flight;
      due.push_back(std::move(node.value().second));
    }
  }
  for (auto& id : due) {
    // A delivery that ends by an exception must not leave its event marked
    // in flight forever: schedule a retry as for any failed attempt.
    auto on_done = [s, id](std::exception_ptr e) {
      if (!e) return;
      std::lock_guard lock(s->mu);
      auto& rec = s->records.at(id);
      spdlog::error("callback {} delivery ended by an exception", id);
      if (!rec.in_flight) return;  // it ended after its attempt was recorded
      rec.in_flight = false;
      --s->in_flight;
      if (!pending(rec)) {
        s->live.erase(id);
        return;
      }
      rec.next_attempt_ms = s->clock.now_ms() + s->policy.first_backoff_ms;
      s->park(id, rec);
    };
    asio::co_spawn(s->executor, deliver(s, id), std::move(on_done));
  }
  return due;
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

void CallbackSender::set_chaos(CallbackChaos chaos, uint64_t default_seed) {
  std::lock_guard lock(shared_->mu);
  shared_->draws = Shared::make_draws(chaos.seed.value_or(default_seed));
  shared_->chaos = std::move(chaos);
  shared_->chaos_count = 0;
}

std::vector<CallbackJob> CallbackSender::pending_jobs() const {
  std::lock_guard lock(shared_->mu);
  std::vector<CallbackJob> out;
  for (const auto& id : shared_->order) {
    if (!shared_->live.count(id)) continue;
    const CallbackRecord& rec = shared_->records.at(id);
    out.push_back(CallbackJob{id, rec.order_id, rec.url, shared_->events.at(id).body});
  }
  return out;
}

uint64_t CallbackSender::chaos_count() const {
  std::lock_guard lock(shared_->mu);
  return shared_->chaos_count;
}

void CallbackSender::restore_chaos(CallbackChaos chaos, uint64_t default_seed, uint64_t count) {
  std::lock_guard lock(shared_->mu);
  shared_->draws = Shared::make_draws(chaos.seed.value_or(default_seed));
  const std::optional<Schedule>* schedules[kKindCount] = {
      &chaos.duplicate, &chaos.reorder, &chaos.delay, &chaos.drop, &chaos.bad_signature};
  // apply_chaos() draws once per callback for each kind with a probability.
  for (size_t k = 0; k < kKindCount; ++k)
    if (*schedules[k] && (*schedules[k])->probability) shared_->draws[k].skip(count);
  shared_->chaos = std::move(chaos);
  shared_->chaos_count = count;
}

CallbackChaos CallbackSender::chaos() const {
  std::lock_guard lock(shared_->mu);
  return shared_->chaos;
}

void CallbackSender::set_signature_corruptor(SignatureCorruptor corruptor) {
  std::lock_guard lock(shared_->mu);
  shared_->corruptor = std::move(corruptor);
}

size_t CallbackSender::in_flight() const {
  std::lock_guard lock(shared_->mu);
  return shared_->in_flight;
}

std::optional<int64_t> CallbackSender::next_due_ms() const {
  std::lock_guard lock(shared_->mu);
  std::optional<int64_t> next;
  if (shared_->stopped) return next;  // nothing will be started
  // With every delivery slot taken, the next start is when one finishes,
  // whatever the clock says.
  if (!shared_->waiting.empty() && shared_->in_flight < shared_->policy.max_in_flight)
    next = shared_->waiting.begin()->first;
  for (const auto& id : shared_->held) {
    const int64_t at = shared_->events.at(id).hold_until_ms;
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace cgw::sim
