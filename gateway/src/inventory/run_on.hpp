// Runs blocking work (store reads and writes, index rebuilds) on one of the
// Inventory's worker threads, off the I/O threads, so requests keep flowing
// while a million rows are written or read.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace cgw::gw {

// Runs `f` on `worker` and resumes the caller on its own executor; rethrows
// what `f` threw. The worker belongs to the Inventory, not to a
// function-local static: a static outlived main() and wrote to a destroyed
// store at exit. (No coroutine lambdas: GCC 12 miscompiles their captures.)
template <class F>
boost::asio::awaitable<void> run_on(boost::asio::thread_pool& worker, F f) {
  namespace asio = boost::asio;
  auto home = co_await asio::this_coro::executor;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      [&f, &worker, home](auto handler) {
        asio::post(worker, [&f, home, handler = std::move(handler)]() mutable {
          std::exception_ptr error;
          try {
            f();
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(home, [handler = std::move(handler), error]() mutable { handler(error); });
        });
      },
      asio::use_awaitable);
}

}  // namespace cgw::gw
