#include "process.hpp"

#include "time_scale.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace cgw::test {

Process::~Process() {
  if (pid_ > 0 && !exit_code_) stop(SIGKILL, std::chrono::seconds(5));
}

bool Process::start(const std::vector<std::string>& argv, const std::filesystem::path& log_file) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // The child dies with the test: no stray servers if the test crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(fd);
  exit_code_.reset();
  return pid_ > 0;
}

bool Process::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::optional<int> Process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (exit_code_) return exit_code_;
  kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
  return std::nullopt;  // did not stop in time
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> wait_for_file(const std::filesystem::path& file,
                                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(file)) {
      auto s = read_file(file);
      if (!s.empty()) return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::optional<std::string> start_and_wait(Process& p, const std::vector<std::string>& argv,
                                          const std::filesystem::path& log_file,
                                          const std::filesystem::path& ready_file,
                                          std::chrono::milliseconds timeout, std::string* why) {
  std::filesystem::remove(ready_file);
  if (!p.start(argv, log_file)) {
    if (why) *why = "cannot start " + argv.front();
    return std::nullopt;
  }
  auto ready = wait_for_file(ready_file, scaled(timeout));
  if (!ready && why) *why = argv.front() + " did not start: " + read_file(log_file);
  return ready;
}

}  // namespace cgw::test
