// A small blocking HTTP client for tests (Boost.Beast, one connection per
// request) and JSON helpers.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cgw::test {

struct HttpResult {
  int status = 0;                              // 0: no response (connection failed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json() const;
  std::string error_code() const;  // error.code of an error body, else ""
};

HttpResult http(const std::string& method, uint16_t port, const std::string& target,
                const std::string& body = {},
                const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace cgw::test
