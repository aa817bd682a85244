// One carrier in process, for the tests of the rooms that drive carriers
// (the activation engine, the inventory sync): the real cgw-sim started by
// the e2e harness, the carrier's real plugin loaded by the gateway's plugin
// host, a real SQLite store in the test's directory, and an io_context run
// on two threads. The test calls the room's code directly; nothing is
// mocked, and no HTTP server runs (carrier callbacks go nowhere, so orders
// are followed by polling).
#pragma once

#include "app/app.hpp"
#include "carriers/services.hpp"
#include "core/background_tasks.hpp"
#include "harness.hpp"
#include "inventory/inventory.hpp"
#include "store/operations.hpp"
#include "store/sqlite/open.hpp"

#include "cgw/common/time_format.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cgw::gw::in_process {

class CarrierInProcess {
 public:
  // Starts the simulator of `carrier` (pool of `pool_size` numbers) and
  // loads its plugin against it; "" or what failed.
  std::string start(const std::string& name, const std::string& carrier, int pool_size = 300) {
    stack_ = std::make_unique<cgw::test::Stack>(name);
    test::SimSpec sim(carrier, 7, pool_size);
    sim.activation_delay_ms = 200;
    if (auto why = stack_->start_sim(test::sim_config({sim})); !why.empty()) return why;
    test::GatewaySpec spec;
    spec.tenants = {{"t1", {"unused-key"}}};
    test::CarrierSpec cs(carrier, stack_->sim_url(carrier));
    cs.activation_poll_interval_s = 1;
    cs.sync_page_size = 100;
    spec.carriers = {cs};
    std::ofstream(stack_->dir / "pii.key") << std::string(64, 'd');
    auto parsed = parse_config(test::gateway_config(spec), stack_->dir / "gateway.yaml");
    if (!parsed) return "config: " + parsed.error().message;
    svc = std::make_unique<Services>(std::move(parsed.value()), ioc);
    svc->now = [] { return system_now_ms(); };
    auto store = open_sqlite_store(svc->config.store_path,
                                   std::make_shared<const PiiCipher>(svc->config.pii_key));
    if (!store) return "store: " + store.error().message;
    svc->store = std::move(store.value());
    inventory = std::make_unique<Inventory>(*svc);
    svc->store.numbers->set_hold_observer(&inventory->index);
    auto loaded = load_carrier(svc->config.carriers.at(0),
                               "http://127.0.0.1:9/v1/callbacks/" + carrier, ioc.get_executor());
    if (!loaded) return "plugin: " + loaded.error().message;
    this->carrier = loaded.value().get();
    svc->carriers.emplace(carrier, std::move(loaded.value()));
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc.run(); });
    return {};
  }

  ~CarrierInProcess() { stop(); }

  // Cancels the tasks, stops the I/O threads and destroys what is still
  // suspended while everything it uses is alive (as App does).
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    if (svc) svc->stopping = true;
    boost::asio::post(ioc, [this] { tasks.cancel_all(); });
    test::wait_until([this] { return tasks.running() == 0; }, std::chrono::seconds(10));
    guard_.reset();
    ioc.stop();
    for (auto& t : threads_) t.join();
    if (inventory) inventory->sync_worker.join();
    if (svc && svc->store.db) svc->store.db->stop_group_commit();
    ioc.shutdown();
    if (stack_) stack_->finish();
  }

  // Runs `aw` on the io_context to its end (at most `timeout`).
  template <class T>
  T run(boost::asio::awaitable<T> aw, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::optional<T> out;  // T need not be default-constructible (Result)
    auto fut = boost::asio::co_spawn(ioc, store_into(std::move(aw), out), boost::asio::use_future);
    if (fut.wait_for(timeout) != std::future_status::ready) {
      ADD_FAILURE() << "the operation did not end within " << timeout.count() << " s";
      std::abort();  // a frame still running would use what the test destroys
    }
    fut.get();
    return std::move(*out);
  }

  uint16_t sim_port() const { return stack_->sim_port(); }

  GatewayIo ioc{2};
  std::unique_ptr<Services> svc;
  BackgroundTasks tasks{ioc};
  std::unique_ptr<Inventory> inventory;
  Carrier* carrier = nullptr;

 private:
  template <class T>
  static boost::asio::awaitable<void> store_into(boost::asio::awaitable<T> aw,
                                                 std::optional<T>& out) {
    out.emplace(co_await std::move(aw));
  }
  std::unique_ptr<cgw::test::Stack> stack_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(ioc);
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace cgw::gw::in_process
