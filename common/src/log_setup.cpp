#include "cgw/common/log_setup.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cgw {

bool init_logging(std::string_view program, std::string_view level) {
  spdlog::drop(std::string(program));  // callable more than once (tests)
  auto logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %n %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(std::string(level));
  bool known = lvl != spdlog::level::off || level == "off";
  spdlog::set_level(known ? lvl : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
  return known;
}

}  // namespace cgw
