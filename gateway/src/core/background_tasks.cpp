#include "core/background_tasks.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <map>

namespace cgw::gw {

namespace asio = boost::asio;

struct BackgroundTasks::Task {
  Task(std::string n, std::function<void()> d) : name(std::move(n)), on_done(std::move(d)) {}
  std::string name;
  // Holds co_spawn's cancellation handler and the task's cancellation
  // state: it must outlive the coroutine frame, so the group keeps the Task
  // until the frame is gone (see finished()).
  asio::cancellation_signal signal;
  std::function<void()> on_done;
  bool cancel_requested = false;  // under the group's mutex
  // Its place in the group's list (under the group's mutex): removed in
  // constant time. A busy gateway runs a hundred thousand tasks (one per
  // open activation); a search of the list per finished task made each
  // finish cost O(n) under the mutex, and the I/O threads spun on it.
  std::list<std::shared_ptr<Task>>::iterator self;
  bool listed = false;
};

BackgroundTasks::BackgroundTasks(asio::io_context& ioc) : ioc_(ioc) {}
BackgroundTasks::~BackgroundTasks() = default;

bool BackgroundTasks::spawn(std::string name, asio::awaitable<void> task,
                            std::function<void()> on_done) {
  auto t = std::make_shared<Task>(std::move(name), std::move(on_done));
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return false;
    t->self = tasks_.insert(tasks_.end(), t);
    t->listed = true;
  }
  // Posted, so that a cancel_all() (which runs with a single I/O thread,
  // see the header) is either seen here (not started) or emitted after the
  // slot is connected.
  asio::post(ioc_, [this, t, task = std::move(task)]() mutable {
    bool skip = false;
    {
      std::lock_guard lock(mu_);
      skip = t->cancel_requested;
    }
    if (skip) {  // cancelled before it ever ran: the frame goes with this handler
      finished(t, nullptr);
      return;
    }
    asio::co_spawn(ioc_, std::move(task),
                   asio::bind_cancellation_slot(
                       t->signal.slot(), [this, t](std::exception_ptr e) { finished(t, e); }));
  });
  return true;
}

void BackgroundTasks::finished(const std::shared_ptr<Task>& t, std::exception_ptr error) {
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      if (!is_cancellation(e)) spdlog::error("task {} ended by an error: {}", t->name, e.what());
    } catch (...) {
      spdlog::error("task {} ended by an unknown error", t->name);
    }
  }
  if (t->on_done) t->on_done();
  {
    std::lock_guard lock(mu_);
    if (t->listed) {
      tasks_.erase(t->self);
      t->listed = false;
    }
  }
  // The coroutine frame still unwinds after this handler, and its
  // cancellation state lives in the Task's signal: the last reference goes
  // in a later handler, not in this one.
  asio::post(ioc_, [t] {});
}

void BackgroundTasks::cancel_all() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  for (const auto& t : tasks_) {
    t->cancel_requested = true;
    asio::post(ioc_, [t] { t->signal.emit(asio::cancellation_type::terminal); });
  }
}

bool BackgroundTasks::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

size_t BackgroundTasks::running() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

std::string BackgroundTasks::describe_running() const {
  std::map<std::string, size_t> by_name;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : tasks_) ++by_name[t->name];
  }
  std::string out;
  for (const auto& [name, n] : by_name)
    out += (out.empty() ? "" : ", ") + name + (n > 1 ? " x" + std::to_string(n) : "");
  return out;
}

asio::awaitable<void> cancellation_point() {
  co_return;
}

bool is_cancellation(const std::exception& e) {
  const auto* se = dynamic_cast<const boost::system::system_error*>(&e);
  return se && se->code() == asio::error::operation_aborted;
}

}  // namespace cgw::gw
