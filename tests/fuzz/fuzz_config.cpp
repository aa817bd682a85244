// Fuzz target: the gateway's config loader. Any text: a config or a
// "file:line: what" error, never a crash or an exception.
#include "core/config.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = cgw::gw::parse_config(text, "/fuzz/gateway.yaml");
  if (!r && r.error().message.rfind("/fuzz/gateway.yaml", 0) != 0) abort();
  return 0;
}
