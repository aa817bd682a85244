// Fuzz target: the unified API's request decoding - routing, authentication,
// scopes, JSON bodies and every field check - through the gateway's own
// HttpApi on a real (temporary) store. The input is a request: a first line
// "METHOD TARGET", header lines, an empty line, then the body. Whatever it
// is, the answer must be an HTTP status with a JSON error or result body.
#include "api/api_in_process.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace {
using namespace cgw::gw;

struct Gateway {
  cgw::gw::in_process::ApiInProcess gw;

  Gateway() {
    spdlog::set_level(spdlog::level::warn);  // one access-log line per input is noise
    setenv("CGW_FUZZ_PII_KEY", std::string(64, 'f').c_str(), 1);
    const auto dir =
        std::filesystem::temp_directory_path() / ("cgw_fuzz_api_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    // The key is "cgw-demo-key"; a second tenant has inventory:read only.
    const std::string yaml =
        "security: {pii_key: {env: CGW_FUZZ_PII_KEY}}\n"
        "tenants:\n  - id: demo\n    api_keys:\n      - sha256: "
        "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123\n"
        "  - id: reader\n    api_keys:\n      - sha256: " +
        std::string(64, 'a') +
        "\n        scopes: [inventory:read]\n"
        "carriers:\n  - id: mobile\n    plugin: /nonexistent.so\n    base_url: "
        "http://127.0.0.1:9\n";
    if (!gw.start(yaml, dir, int64_t{1796000000000}).empty()) abort();
  }
};

// "METHOD TARGET\nName: value\n...\n\nbody"
bool parse_request(const std::string& in, cgw::net::Request& req) {
  const auto head_end = in.find("\n\n");
  std::istringstream head(in.substr(0, head_end));
  std::string line;
  if (!std::getline(head, line)) return false;
  const auto space = line.find(' ');
  if (space == std::string::npos || space == 0) return false;
  const auto verb = boost::beast::http::string_to_verb(line.substr(0, space));
  if (verb == boost::beast::http::verb::unknown) return false;
  req.method(verb);
  req.target(line.substr(space + 1));
  req.version(11);
  while (std::getline(head, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    const auto value_at = line.find_first_not_of(' ', colon + 1);
    req.set(line.substr(0, colon), value_at == std::string::npos ? "" : line.substr(value_at));
  }
  if (head_end != std::string::npos) req.body() = in.substr(head_end + 2);
  req.prepare_payload();
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Gateway gateway;
  auto& gw = gateway.gw;
  cgw::net::Request req;
  try {
    if (!parse_request(std::string(reinterpret_cast<const char*>(data), size), req)) return 0;
  } catch (const std::exception&) {
    return 0;  // not a request Beast would have parsed off the wire
  }
  cgw::net::Peer peer;
  peer.address = "127.0.0.1";
  auto done = boost::asio::co_spawn(gw.ioc, gw.api->handle(req, peer), boost::asio::use_future);
  gw.ioc.restart();
  gw.ioc.run();
  const auto res = done.get();
  const int status = static_cast<int>(res.result_int());
  if (status < 200 || status > 599) abort();
  boost::system::error_code ec;
  auto body = boost::json::parse(res.body(), ec);
  if (ec || !body.is_object()) abort();  // every answer is a JSON object
  if (status >= 400 && !body.as_object().contains("error")) abort();
  return 0;
}
