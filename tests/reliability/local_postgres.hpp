// A private PostgreSQL 15 for a reliability run (scripts/pg_local.sh:
// initdb into `dir`, a Unix socket there, no port, no system service),
// stopped when it goes.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace cgw::reliability {

class LocalPostgres {
 public:
  explicit LocalPostgres(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~LocalPostgres() {
    if (started_) run("stop");
  }
  std::string start() {
    std::filesystem::create_directories(dir_.parent_path());
    auto err = run("start");
    started_ = err.empty();
    return err;
  }
  std::string dsn() const { return "host=" + dir_.string() + " port=5432 user=cgw dbname=cgw"; }
  // Runs `sql` with psql; whether it succeeded.
  bool psql(const std::string& sql) const {
    const std::string line =
        "psql '" + dsn() + "' -qAtc \"" + sql + "\" >>" + dir_.string() + ".psql.log 2>&1";
    return std::system(line.c_str()) == 0;
  }

 private:
  std::string run(const std::string& cmd) {
    const std::string line = std::string(CGW_SOURCE_DIR) + "/scripts/pg_local.sh " + cmd + " " +
                             dir_.string() + " >" + dir_.string() + "." + cmd + ".log 2>&1";
    return std::system(line.c_str()) == 0
               ? std::string()
               : "pg_local.sh " + cmd + " failed (see " + dir_.string() + "." + cmd + ".log)";
  }
  std::filesystem::path dir_;
  bool started_ = false;
};

}  // namespace cgw::reliability
