// Runs one carrier operation to its end on an io_context, for the plugin
// host's tests.
#pragma once

#include "carriers/carrier.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace cgw::gw::test {

// Runs `op` (input {}) to its end on `ioc` (a Result has no empty state, so
// the coroutine stores it rather than handing it to a future).
inline OperationResult run_op(Carrier& c, boost::asio::io_context& ioc, const char* op) {
  std::optional<OperationResult> out;
  boost::asio::co_spawn(
      ioc, [&]() -> boost::asio::awaitable<void> { out = co_await c.run(op, "{}"); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  ioc.restart();
  return std::move(*out);
}

}  // namespace cgw::gw::test
