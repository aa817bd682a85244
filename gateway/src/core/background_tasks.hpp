// The gateway's background coroutines (inventory sync, activation drives
// and polls, webhook deliveries, housekeeping) as one cancellable group, so
// that the shutdown can end each at its current suspension point and wait
// for it before the objects it uses are destroyed (docs/architecture.md,
// "Stopping").
//
// Tasks run on the io_context's own executor, not on strands: g++ 12
// miscompiles coroutines whose executor is a reference-counted
// asio::strand<> (the strand was freed while it ran: SIGSEGV in
// strand_executor_service at shutdown, Release builds only). Asio's
// cancellation is not thread-safe, so cancel_all() must be called while a
// single thread runs the io_context: App stops the other I/O threads first
// (app/app.cpp, serve()). A cancelled task sees `operation_aborted`: an
// async wait completes with it, and the next `co_await` of an awaitable
// throws it (Asio's throw_if_cancelled); it unwinds to the group, which
// counts that as a normal end.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

namespace cgw::gw {

class BackgroundTasks {
 public:
  explicit BackgroundTasks(boost::asio::io_context& ioc);
  ~BackgroundTasks();
  BackgroundTasks(const BackgroundTasks&) = delete;
  BackgroundTasks& operator=(const BackgroundTasks&) = delete;

  // Runs `task`; `on_done` runs once it has ended, however
  // it ended. Once cancel_all() was called nothing new starts: false, and
  // neither `task` nor `on_done` runs.
  bool spawn(std::string name, boost::asio::awaitable<void> task,
             std::function<void()> on_done = {});
  // Refuses new tasks and cancels every running one (terminal cancellation).
  // Only while one thread runs the io_context (see above).
  void cancel_all();
  bool cancelled() const;
  size_t running() const;
  // The running tasks by name, counted ("activation x2, sync mobile"): what
  // the shutdown logs when its deadline cuts them off.
  std::string describe_running() const;

 private:
  struct Task;
  void finished(const std::shared_ptr<Task>& task, std::exception_ptr error);

  boost::asio::io_context& ioc_;
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::list<std::shared_ptr<Task>> tasks_;
};

// A suspension point that does nothing: co_await it right after a call
// whose result must not be acted on once the task was cancelled (a carrier
// call cut short looks like a broken connection). It throws
// `operation_aborted` when the calling coroutine was cancelled.
boost::asio::awaitable<void> cancellation_point();

// Whether `e` is the `operation_aborted` a cancelled task unwinds with:
// a catch-all around a task's co_await rethrows it.
bool is_cancellation(const std::exception& e);

}  // namespace cgw::gw
