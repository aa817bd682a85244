// The interface cgw-sim drives: one object per configured carrier.
#pragma once

#include "cgw/common/http_server.hpp"

#include <string_view>

namespace cgw::sim {

class CarrierSimulator {
 public:
  virtual ~CarrierSimulator() = default;
  virtual std::string_view carrier() const = 0;
  // The HTTP handler to serve (the carrier API and /admin).
  virtual net::Handler handler() = 0;
  virtual void start() = 0;  // background work
  virtual void stop() = 0;   // no new background work
};

}  // namespace cgw::sim
