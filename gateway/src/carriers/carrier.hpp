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
#include "store/database.hpp"

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
  // The table's ABI 1.2 declarations, or what an older table means.
  uint16_t min_host_minor = 0;
  uint16_t config_format = CGW_CONFIG_YAML;
  uint32_t traits = CGW_TRAITS_V1_DEFAULT;
  uint64_t kyc_outcomes = CGW_KYC_ALL_OUTCOMES;
};

// Loads and checks one library. A refusal is CONFIG_INVALID with a message
// naming the file and the reason (not loadable, no entry point, another
// major, a plugin needing a newer host minor than `host->abi_minor`, an
// incomplete table). Tests pass a host table of an older minor to see
// what that host would do.
Result<std::shared_ptr<PluginLibrary>> load_plugin(const std::filesystem::path& path,
                                                   const cgw_host_v1* host);

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

// A carrier operation ends in the plugin's result (JSON, the operation's
// output type of <cgw/types.hpp>) or in an Error with the plugin's
// normalized code, its message, the carrier's code, whether a retry may
// help, whether the outcome is unknown, and for a 429 the carrier's
// Retry-After.
using OperationResult = Result<boost::json::value>;

// A carrier's 429 Too Many Requests, whatever its protocol: the carrier
// asks us to slow down and has applied nothing, so CARRIER_UNAVAILABLE,
// retryable, rate limited, outcome known, with the delay of its
// Retry-After (delta seconds or an HTTP-date against `now_ms`, clamped to
// 0..86400) when valid. Nullopt for any other response.
std::optional<Error> rate_limited_error(const net::ClientResponse& res, int64_t now_ms);

// What the plugin made of one callback. Not a Result: the carrier gets the
// acknowledgement the plugin chose whether the callback was verified or
// refused (each in the carrier's own format), so both branches carry an
// ack; `refusal` is the plugin's code and message when it was not verified.
struct ParsedCallback {
  bool verified = false;
  std::string events_json;  // when verified: a JSON array of cgw::CallbackEvent
  int ack_status = 200;
  std::string ack_content_type, ack_body;
  Error refusal;
};

class Carrier {
 public:
  Carrier(CarrierConfig config, std::shared_ptr<PluginLibrary> library,
          boost::asio::any_io_executor executor);
  ~Carrier();
  // Creates the plugin instance with the carrier's settings; CONFIG_INVALID
  // with the plugin's reason when it refuses them.
  Status create(const std::string& callback_url);

  const CarrierConfig& config() const { return config_; }
  const PluginLibrary& library() const { return *library_; }
  uint64_t capabilities() const { return library_->table->capabilities; }
  bool has(uint64_t cap) const { return (capabilities() & cap) == cap; }

  // Runs one operation to its end through the step loop. A read operation
  // that fails retryably runs again from its start, so the plugin signs a
  // fresh request (a resent one would be refused as a replayed nonce).
  boost::asio::awaitable<OperationResult> run(std::string operation, std::string input_json);
  // Every operation that changes something at the carrier waits until the
  // store's writes made before it are committed (Database::committed()):
  // what the carrier is told never runs ahead of what a crash would keep.
  void set_store(Database* store) { store_ = store; }
  const CircuitBreaker& breaker() const { return breaker_; }
  int calls_in_flight() const { return limiter_.in_flight(); }
  ParsedCallback parse_callback(const std::string& method, const std::string& target,
                                const net::HeaderList& headers, const std::string& body);

 private:
  CarrierConfig config_;
  std::shared_ptr<PluginLibrary> library_;
  std::unique_ptr<HostContext> context_;
  cgw_instance* instance_ = nullptr;
  Database* store_ = nullptr;
  boost::asio::awaitable<OperationResult> run_once(const std::string& operation,
                                                   const std::string& input_json);
  // send(), with the call's latency and any transport failure logged.
  boost::asio::awaitable<net::ClientResponse> logged_send(const std::string& operation,
                                                          const net::ClientRequest& req);
  // One carrier call under the breaker and the limits; resent as is only
  // when nothing of it was sent.
  boost::asio::awaitable<net::ClientResponse> send(const net::ClientRequest& request);
  // Exponential backoff with full jitter before retry `attempt` + 1.
  boost::asio::awaitable<void> backoff(int attempt);

  net::HttpClient client_;
  CircuitBreaker breaker_;
  CallLimiter limiter_;
};

// Loads `config.plugin` and creates its instance with the carrier's
// settings: the carrier, or the refusal of load_plugin or Carrier::create
// (each names the file).
Result<std::unique_ptr<Carrier>> load_carrier(const CarrierConfig& config,
                                              const std::string& callback_url,
                                              boost::asio::any_io_executor executor);

}  // namespace cgw::gw
