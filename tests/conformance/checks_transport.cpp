// How the plugin maps transport trouble (docs/sdk.md section 11): a closed
// port (NOT_SENT), and a local proxy in front of the carrier that, once the
// instance is warm, never answers (TIMEOUT), resets the connection (BROKEN),
// or answers 503, garbage or an oversized body. No simulator fault API
// needed; without a carrier behind the proxy only the warm-up is lost.
#include "probes.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace cgw::conformance {

namespace {

using tcp = asio::ip::tcp;
// Short, so the TIMEOUT check is quick; the plugin's own timeout_ms hint,
// when it sets one, still wins (the host honours it).
constexpr std::chrono::milliseconds kProxyTimeout{1'000};

// A port with nothing listening: connecting is refused, nothing is sent.
uint16_t closed_port(asio::any_io_executor ex) {
  tcp::acceptor a(ex);
  a.open(tcp::v4());
  a.bind({asio::ip::address_v4::loopback(), 0});
  const uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

Arm nothing_to_arm() {
  return []() -> asio::awaitable<std::string> { co_return std::string(); };
}

Arm proxy_mode(FaultProxy& proxy, FaultProxy::Mode mode) {
  return [&proxy, mode]() -> asio::awaitable<std::string> {
    proxy.set_mode(mode);
    co_return std::string();
  };
}

struct ProxyCheck {
  const char* check;
  FaultProxy::Mode mode;
  const Rule* rule;
};

}  // namespace

Awaitable check_transport(Suite& suite) {
  if (!suite.runner.any_selected("transport")) co_return;
  if (!has_probes(suite)) {
    for (auto c : all_checks())
      if (c.starts_with("transport."))
        suite.runner.not_applicable(c, "the plugin declares no operation");
    co_return;
  }
  if (suite.runner.selected("transport.not_sent"))
    co_await run_probes(suite, "transport.not_sent",
                        "http://127.0.0.1:" + std::to_string(closed_port(suite.executor)),
                        kNotSentRule, kProxyTimeout, nothing_to_arm());

  const ProxyCheck checks[] = {
      {"transport.timeout", FaultProxy::Mode::kSilent, &kTimeoutRule},
      {"transport.broken", FaultProxy::Mode::kHangUp, &kBrokenRule},
      {"transport.http_503", FaultProxy::Mode::kHttp503, &k5xxRule},
      {"transport.bad_body", FaultProxy::Mode::kGarbage, &kBadReplyRule},
      {"transport.too_big", FaultProxy::Mode::kTooBig, &kBadReplyRule},
  };
  for (const auto& c : checks) {
    if (!suite.runner.selected(c.check)) continue;
    suite.proxy.set_mode(FaultProxy::Mode::kPass);  // for the warm-up
    co_await run_probes(suite, c.check, suite.proxy.base_url(), *c.rule, kProxyTimeout,
                        proxy_mode(suite.proxy, c.mode));
  }
  suite.proxy.set_mode(FaultProxy::Mode::kPass);
}

}  // namespace cgw::conformance
