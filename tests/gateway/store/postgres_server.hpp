// A real PostgreSQL 15 for a test binary: scripts/pg_local.sh starts a
// private cluster in a fresh temporary directory (Unix socket only, no
// port, no system service) and stops it at the end.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace cgw::gw::in_process {

class PostgresServer {
 public:
  // "" or what failed (with the script's output).
  std::string start() {
    stop_orphans();
    dir_ = std::filesystem::path("/tmp") / ("cgw_pg_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    return run("start");
  }
  std::string stop() { return run("stop"); }
  // Starts the stopped cluster again (same data): a database restart.
  std::string start_again() { return run("start"); }
  ~PostgresServer() {
    if (!dir_.empty()) {
      run("stop");
      std::filesystem::remove_all(dir_);
    }
  }
  std::string dsn() const { return "host=" + dir_.string() + " port=5432 user=cgw dbname=cgw"; }

 private:
  std::string run(const std::string& cmd) {
    const std::string line =
        std::string(CGW_SOURCE_DIR) + "/scripts/pg_local.sh " + cmd + " " + dir_.string() + " 2>&1";
    FILE* f = ::popen(line.c_str(), "r");
    if (!f) return "cannot run " + line;
    std::string out;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    const int rc = ::pclose(f);
    return rc == 0 ? std::string() : "pg_local.sh " + cmd + " failed: " + out;
  }
  // A test binary killed at its ctest timeout cannot stop its server: the
  // next one stops every server whose binary is gone, so they never pile up.
  static void stop_orphans() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/tmp", ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("cgw_pg_", 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + 7, nullptr, 10);
      if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      PostgresServer orphan;
      orphan.dir_ = e.path();  // the destructor stops it and removes the directory
    }
  }
  std::filesystem::path dir_;
};

// The executable's one server, started on first use and stopped when the
// executable exits: every PostgreSQL test of an executable shares it, one
// after the other in that one process (the executable is one ctest test),
// each in its own database or schema.
inline PostgresServer& shared_postgres() {
  static std::unique_ptr<PostgresServer> server = [] {
    auto s = std::make_unique<PostgresServer>();
    if (auto why = s->start(); !why.empty()) throw std::runtime_error(why);
    return s;
  }();
  return *server;
}

}  // namespace cgw::gw::in_process
