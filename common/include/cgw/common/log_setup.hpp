#pragma once

#include <string>
#include <string_view>

namespace cgw {

// Sets up the default spdlog logger: stderr, one line per event, UTC time.
// Returns false (and keeps "info") when `level` is not a known level name.
bool init_logging(std::string_view program, std::string_view level);

}  // namespace cgw
