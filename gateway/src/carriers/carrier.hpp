// Loading carrier plugins (Boost.DLL) and driving their sans-I/O steps.
//
// A PluginLibrary is loaded once and kept loaded for the life of the
// process. A Carrier is one configured carrier: a plugin instance, the
// host context its callbacks see, and the HTTP client that performs its
// SEND steps.
#pragma once

#include "carriers/resilience.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

#include <cgw/abi.h>

#include "cgw/common/http_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cgw::gw {

// The clock every plugin and the engine read (tests may replace it).
using NowFn = std::function<int64_t()>;

struct PluginLibrary {
  std::filesystem::path path;
  boost::dll::shared_library library;
  const cgw_plugin_v1* table = nullptr;
  std::string name, version, abi;  // abi as "major.minor"
};

// Loads and checks one library. On refusal returns nullptr and sets `why`.
std::shared_ptr<PluginLibrary> load_plugin(const std::filesystem::path& path,
                                           const cgw_host_v1* host, std::string& why);

// The host table handed to every plugin (one per process).
const cgw_host_v1* host_table();
void set_host_clock(NowFn now);

// The per-instance context behind the `ctx` pointer of host calls.
struct HostContext {
  std::string carrier_id;
  std::mutex cache_mu;
  struct CacheEntry {
    std::string value;
    int64_t expires_at_ms = 0;  // 0: no expiry
  };
  std::map<std::string, CacheEntry, std::less<>> cache;
};

struct OperationOutcome {
  bool ok = false;
  boost::json::value result;  // when ok
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
  // The carrier answered 429 (rate_limited_outcome): not retried here, and
  // its Retry-After in seconds, when it sent one, goes to the platform.
  bool rate_limited = false;
  std::optional<int64_t> retry_after_s = std::nullopt;
};

// A failed outcome as the gateway's error: the plugin's normalized code, its
// message (the code when it has none), whether a retry may help, and the
// carrier's Retry-After.
inline Error error_of(const OperationOutcome& o) {
  Error e{o.code, o.message.empty() ? o.code : o.message, o.retryable};
  e.retry_after_s = o.retry_after_s;
  return e;
}

// A carrier's 429 Too Many Requests, whatever its protocol: the carrier
// asks us to slow down and has applied nothing, so CARRIER_UNAVAILABLE,
// retryable, outcome known, with the delay of its Retry-After (delta
// seconds or an HTTP-date against `now_ms`, clamped to 0..86400) when
// valid. Nullopt for any other response.
std::optional<OperationOutcome> rate_limited_outcome(const net::ClientResponse& res,
                                                     int64_t now_ms);

struct CallbackOutcome {
  bool verified = false;
  std::string events_json;
  int ack_status = 200;
  std::string ack_content_type, ack_body;
  std::string error_code, error_message;
};

class Carrier {
 public:
  Carrier(CarrierConfig config, std::shared_ptr<PluginLibrary> library,
          boost::asio::any_io_executor executor);
  ~Carrier();
  // Creates the plugin instance with the carrier's settings. Empty or error.
  std::string create(const std::string& callback_url);

  const CarrierConfig& config() const { return config_; }
  const PluginLibrary& library() const { return *library_; }
  uint64_t capabilities() const { return library_->table->capabilities; }
  bool has(uint64_t cap) const { return (capabilities() & cap) == cap; }

  // Runs one operation to its end through the step loop. A read operation
  // that fails retryably runs again from its start, so the plugin signs a
  // fresh request (a resent one would be refused as a replayed nonce).
  boost::asio::awaitable<OperationOutcome> run(std::string operation, std::string input_json);
  const CircuitBreaker& breaker() const { return breaker_; }
  int calls_in_flight() const { return limiter_.in_flight(); }
  CallbackOutcome parse_callback(const std::string& method, const std::string& target,
                                 const net::HeaderList& headers, const std::string& body);

 private:
  CarrierConfig config_;
  std::shared_ptr<PluginLibrary> library_;
  std::unique_ptr<HostContext> context_;
  cgw_instance* instance_ = nullptr;
  boost::asio::awaitable<OperationOutcome> run_once(const std::string& operation,
                                                    const std::string& input_json);
  // One carrier call under the breaker and the limits; resent as is only
  // when nothing of it was sent.
  boost::asio::awaitable<net::ClientResponse> send(const net::ClientRequest& request);
  // Exponential backoff with full jitter before retry `attempt` + 1.
  boost::asio::awaitable<void> backoff(int attempt);

  net::HttpClient client_;
  CircuitBreaker breaker_;
  CallLimiter limiter_;
};

}  // namespace cgw::gw
