// cgw-gateway: parses the command line and wires. Serving is the App
// (app/app.hpp: owns every part, SIGINT/SIGTERM stop it in reverse order
// with exit code 0); `--rotate-pii` and `--new-api-key` are one-shot
// commands (app/commands.hpp).
#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/config.hpp"

#include "cgw/common/log_setup.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

using namespace cgw;
using namespace cgw::gw;

namespace {

int usage() {
  std::cerr << "usage: cgw-gateway --config <file> [--port-file <file>] [--check-config]\n"
               "       cgw-gateway --config <file> --rotate-pii [--batch <rows>]   (re-seal "
               "stored PII under the current key; default 500 rows per transaction)\n"
               "       cgw-gateway --new-api-key [<prefix>]   (prefix: a-z, 0-9, '_'; "
               "default cgw_live)\n";
  return 2;
}

struct Args {
  std::string config_path, port_file;
  bool check_only = false, rotate = false;
  size_t batch_rows = 500;
};

// False for anything but the documented options.
bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      a.config_path = argv[++i];
    } else if (arg == "--port-file" && i + 1 < argc) {
      a.port_file = argv[++i];
    } else if (arg == "--check-config") {
      a.check_only = true;
    } else if (arg == "--rotate-pii") {
      a.rotate = true;
    } else if (arg == "--batch" && i + 1 < argc) {
      try {
        a.batch_rows = std::stoul(argv[++i]);
      } catch (const std::exception&) {
        return false;
      }
      if (a.batch_rows == 0) return false;
    } else {
      return false;
    }
  }
  return !a.config_path.empty();
}

}  // namespace

int main(int argc, char** argv) {
  App::catch_startup_signals();
  if (argc >= 2 && std::string(argv[1]) == "--new-api-key") {
    const int rc = argc > 3 ? 2 : new_api_key(argc == 3 ? argv[2] : "cgw_live");
    return rc == 2 ? usage() : rc;
  }
  Args args;
  if (!parse_args(argc, argv, args)) return usage();
  auto loaded = load_config(args.config_path);
  if (!loaded) {
    std::cerr << "cgw-gateway: invalid config: " << loaded.error().message << "\n";
    return 2;
  }
  if (args.check_only) {
    std::cout << "config OK: " << args.config_path << "\n";
    return 0;
  }
  if (!init_logging("cgw-gateway", loaded->log_level))
    spdlog::warn("unknown log level '{}', using info", loaded->log_level);
  int rc = 0;
  if (args.rotate) {
    rc = rotate_pii(loaded.value(), args.batch_rows);
  } else {
    App app(std::move(loaded.value()), AppOptions{args.config_path, args.port_file});
    rc = app.run();
  }
  spdlog::default_logger()->flush();
  return rc;
}
