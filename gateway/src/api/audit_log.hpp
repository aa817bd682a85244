// The audit trail: one JSON line per call on reservations, verifications
// and activations - who (tenant, key label), what (action), when, which
// object, and the outcome. Never any personal data: the line is built from
// ids, codes and statuses only, never from request bodies.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace cgw::gw {

struct AuditEntry {
  int64_t at_ms = 0;
  std::string request_id, tenant, key_label, action, object_id, outcome;
  int http_status = 0;
};

class AuditLog {
 public:
  explicit AuditLog(std::filesystem::path file) : file_(std::move(file)) {}
  ~AuditLog();
  // Opens (appending); INTERNAL naming the file and the cause when it cannot.
  Status open();
  void record(const AuditEntry& e);
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace cgw::gw
