// Runs a function periodically on an executor until stopped. Simulators use
// it to make due work happen (order completion, lock expiry, callback
// retries) while nobody calls them.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace cgw::sim {

class Ticker {
 public:
  Ticker(boost::asio::any_io_executor executor, std::chrono::milliseconds period,
         std::function<void()> fn);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void start();
  // After stop() returns the function is not started again (a call already
  // running finishes).
  void stop();

 private:
  struct State;
  static boost::asio::awaitable<void> loop(std::shared_ptr<State> s);
  std::shared_ptr<State> state_;
};

}  // namespace cgw::sim
