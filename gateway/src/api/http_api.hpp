// The unified API's front door: request ids, authentication, scopes,
// routing and the one access-log line per request.
#pragma once

#include "api/routes.hpp"
#include "api/support.hpp"
#include "carriers/services.hpp"

#include "cgw/common/http_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace cgw::gw {

class HttpApi {
 public:
  explicit HttpApi(api::Deps deps);
  ~HttpApi();
  boost::asio::awaitable<net::Response> handle(net::Request& req, const net::Peer& peer);

 private:
  struct KeyEntry {
    std::string tenant, label;
    std::set<std::string> scopes;
  };
  boost::asio::awaitable<api::Reply> dispatch(api::Ctx& c);
  Status admit(api::Ctx& c, api::Caller caller, const char* scope, bool scope_listed);
  void audit(const api::Ctx& c, const api::Reply& reply);
  void log_access(const api::Ctx& c, std::chrono::steady_clock::time_point started,
                  const net::Response& res);
  // The entry of an API key, or null: by SHA-256 (keys_), remembered for
  // keys that matched in a small cache (see key_cache_).
  const KeyEntry* find_key(std::string_view key);
  api::Deps deps_;
  Services& svc_;                         // deps_.svc
  std::map<std::string, KeyEntry> keys_;  // sha256 hex of the key -> tenant
  // Keys that matched, direct-mapped by a seeded hash of the key: a hit
  // costs a hash and a constant-time comparison instead of SHA-256 (whose
  // OpenSSL call was a visible share of a search). Bounded; unknown keys are
  // never cached.
  struct CachedKey {
    std::string key;
    const KeyEntry* entry = nullptr;
  };
  static constexpr size_t kKeyCacheSlots = 64;
  std::mutex key_cache_mu_;
  std::array<CachedKey, kKeyCacheSlots> key_cache_;
  uint64_t key_cache_seed_ = 0;
  std::shared_ptr<spdlog::logger> access_log_;  // api::make_access_log()
};

}  // namespace cgw::gw
