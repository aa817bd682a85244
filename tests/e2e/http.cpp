#include "http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>

namespace cgw::test {

namespace beast = boost::beast;
namespace http_ns = beast::http;
using tcp = boost::asio::ip::tcp;

boost::json::value HttpResult::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

std::string HttpResult::error_code() const {
  auto v = json();
  if (!v.is_object()) return {};
  auto* e = v.as_object().if_contains("error");
  if (!e || !e->is_object()) return {};
  auto* c = e->as_object().if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : std::string();
}

HttpResult http(const std::string& method, uint16_t port, const std::string& target,
                const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResult out;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  boost::system::error_code ec;
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out;
  http_ns::request<http_ns::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http_ns::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() && req[http_ns::field::content_type].empty())
    req.set(http_ns::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http_ns::write(stream, req, ec);
  if (ec) return out;
  beast::flat_buffer buffer;
  http_ns::response<http_ns::string_body> res;
  http_ns::read(stream, buffer, res, ec);
  if (ec) return out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace cgw::test
