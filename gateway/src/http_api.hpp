// The unified API's front door: request ids, authentication, scopes,
// routing and the one access-log line per request.
#pragma once

#include "api_support.hpp"
#include "services.hpp"

#include "cgw/common/http_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <map>
#include <set>
#include <string>

namespace cgw::gw {

class HttpApi {
 public:
  explicit HttpApi(Services& services);
  boost::asio::awaitable<net::Response> handle(net::Request& req, const net::Peer& peer);

 private:
  struct KeyEntry {
    std::string tenant, label;
    std::set<std::string> scopes;
  };
  void audit(const api::Ctx& c, const std::string& key_label, const net::Response& res);
  Services& svc_;
  std::map<std::string, KeyEntry> keys_;  // sha256 hex of the key -> tenant
};

}  // namespace cgw::gw
