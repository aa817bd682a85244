// Starting and stopping the real cgw processes for end-to-end tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cgw::test {

class Process {
 public:
  Process() = default;
  ~Process();  // SIGKILLs a process still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts `argv`; stdout and stderr go to `log_file`. False on failure.
  bool start(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  bool running();
  // Sends `sig` and waits up to `timeout`; the exit code, or nullopt.
  std::optional<int> stop(int sig, std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Waits until `file` exists with content, up to `timeout`; returns it.
std::optional<std::string> wait_for_file(const std::filesystem::path& file,
                                         std::chrono::milliseconds timeout);
std::string read_file(const std::filesystem::path& file);

// Starts `argv`, a cgw process that writes `ready_file` (its ports) once it
// listens, and waits up to `timeout` for that file. Returns its content, or
// nullopt with the process's log in `*why`.
std::optional<std::string> start_and_wait(Process& p, const std::vector<std::string>& argv,
                                          const std::filesystem::path& log_file,
                                          const std::filesystem::path& ready_file,
                                          std::chrono::milliseconds timeout, std::string* why);

}  // namespace cgw::test
