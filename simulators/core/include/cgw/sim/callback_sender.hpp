// Delivers carrier callbacks (signed POSTs to a partner's notify URL) until
// the partner acknowledges them. Retries back off 1 s, 2 s, 4 s ... capped
// at 60 s, at most 10 attempts, timed by the simulated clock (advancing it
// makes retries due). Every attempt is journaled for the admin API.
//
// Due work is started by tick(); the owner calls it periodically and after
// the clock moves.
//
// Callback chaos (callback_chaos.hpp: duplicate, reorder, delay, drop, bad
// signature) is applied here, so every carrier gets it without code of its
// own; each chaos decision and every attempt (the duplicate copy and the
// corrupted one too) is in journal().
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/sim/callback_chaos.hpp"
#include "cgw/sim/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct CallbackPolicy {
  int max_attempts = 10;
  int64_t first_backoff_ms = 1'000;
  int64_t max_backoff_ms = 60'000;
  std::chrono::milliseconds request_timeout{5'000};
  // Deliveries in flight at once, as a carrier's pool of notifier workers;
  // the rest wait their turn. It matches the HTTP client's idle connections
  // per origin, so every delivery reuses a kept-alive connection.
  size_t max_in_flight = 64;
};

// Backoff after the `attempts`-th failed attempt (1-based): 1 s, 2 s, 4 s...
int64_t backoff_ms(const CallbackPolicy& policy, int attempts);

struct CallbackJob {
  std::string event_id, order_id, url, body;
};

struct CallbackAttempt {
  int64_t at_ms = 0;  // simulated time
  int transport = 0;  // CGW_TRANSPORT_*
  int http_status = 0;
  bool acknowledged = false;
  std::string error;
  std::string chaos{};  // "duplicate" (the second copy), "bad_signature" or ""
};

struct CallbackRecord {
  std::string event_id, order_id, url;
  std::vector<CallbackAttempt> attempts;
  bool acknowledged = false;
  bool gave_up = false;  // max_attempts reached without acknowledgement
  bool in_flight = false;
  int64_t next_attempt_ms = 0;
  std::vector<std::string> chaos{};  // the chaos kinds applied to this callback
  bool dropped = false;              // chaos `drop`: never sent, never retried
  bool held = false;                 // chaos `reorder`: waiting for the next callback
};

// Builds the headers of one attempt. Called per attempt: timestamps and
// nonces must be fresh, else the partner would refuse retries as replays.
using CallbackSigner =
    std::function<net::HeaderList(std::string_view target, std::string_view body)>;
// Whether a reply acknowledges the callback (carrier-specific body).
using AckPredicate = std::function<bool(int http_status, std::string_view body)>;
// Makes a signed attempt fail the partner's signature check (chaos
// bad_signature). The default, corrupt_signature(), flips the last
// character of every signature header (named Sign, Authorization, or ending
// in Signature, -Sign or _Sign; not X-Sign-Type), or, when there is none,
// of a top-level "sign"/"signature" string of a JSON body. A carrier that
// signs some other way sets its own with set_signature_corruptor().
using SignatureCorruptor = std::function<void(net::HeaderList& headers, std::string& body)>;
void corrupt_signature(net::HeaderList& headers, std::string& body);

class CallbackSender {
 public:
  CallbackSender(boost::asio::any_io_executor executor, const SimClock& clock,
                 CallbackSigner signer, AckPredicate is_ack, CallbackPolicy policy = {});
  ~CallbackSender();
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  void enqueue(CallbackJob job);  // first attempt due at once
  void tick();                    // starts every due attempt
  void stop();                    // no new attempts from now on
  std::vector<CallbackRecord> journal() const;

  // Replaces the chaos settings; callbacks are counted from 1 again and the
  // draw streams restart from chaos.seed (default `default_seed`).
  void set_chaos(CallbackChaos chaos, uint64_t default_seed);
  CallbackChaos chaos() const;
  void set_signature_corruptor(SignatureCorruptor corruptor);

  // For a saved namespace: the callbacks not yet acknowledged, given up or
  // dropped, in the order enqueued (with their bodies), and how many
  // callbacks the chaos has counted.
  std::vector<CallbackJob> pending_jobs() const;
  uint64_t chaos_count() const;
  // Like set_chaos(), then counted on to `count`: each kind's draw stream
  // skips the draws those callbacks made.
  void restore_chaos(CallbackChaos chaos, uint64_t default_seed, uint64_t count);

  // Like tick(), returning the event ids whose attempt it started.
  std::vector<std::string> start_due();
  size_t in_flight() const;  // attempts sent and not answered yet
  // The earliest simulated time an attempt (or a reorder release) is due;
  // nullopt when nothing waits.
  std::optional<int64_t> next_due_ms() const;

 private:
  struct Shared;
  static boost::asio::awaitable<void> deliver(std::shared_ptr<Shared> s, std::string event_id);
  static std::vector<std::string> start_due_of(const std::shared_ptr<Shared>& s);
  std::shared_ptr<Shared> shared_;
};

// The request target (path and query, as on the wire) of an absolute URL,
// or "" when the URL is not http(s).
std::string url_target(std::string_view url);

}  // namespace cgw::sim
