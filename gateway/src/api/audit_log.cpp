#include "api/audit_log.hpp"

#include "cgw/common/log_setup.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::gw {

AuditLog::~AuditLog() {
  if (logger_) logger_->flush();
}

Status AuditLog::open() {
  try {
    if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path());
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file_.string(), false);
    logger_ = std::make_shared<spdlog::logger>("audit", std::move(sink));
    logger_->set_formatter(make_log_formatter("%v"));
    logger_->flush_on(spdlog::level::info);  // each line reaches the file at once
    return {};
  } catch (const std::exception& e) {
    return make_error(code::kInternal, "audit log " + file_.string() + ": " + e.what());
  }
}

void AuditLog::record(const AuditEntry& e) {
  if (!logger_) return;
  // The object id comes from the request path: escaped before it is
  // serialized, so the line is valid JSON in valid UTF-8 whatever the
  // client sent (JSON alone would pass bytes that are not UTF-8 through).
  boost::json::object line{
      {"at", rfc3339_utc(e.at_ms)},     {"request_id", log_escape(e.request_id)},
      {"tenant", log_escape(e.tenant)}, {"key", log_escape(e.key_label)},
      {"action", log_escape(e.action)}, {"object_id", log_escape(e.object_id)},
      {"http_status", e.http_status},   {"outcome", log_escape(e.outcome)}};
  logger_->info(boost::json::serialize(line));
}

}  // namespace cgw::gw
