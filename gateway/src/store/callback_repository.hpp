// Carrier callback events, deduplicated by (carrier, event id).
#pragma once

#include "store/database.hpp"

#include <cstdint>
#include <string>

namespace cgw::gw {

class CallbackRepository {
 public:
  virtual ~CallbackRepository() = default;
  struct Recorded {
    bool fresh = false;      // false: a duplicate event
    bool id_reused = false;  // the event id was seen before with another event
  };
  // Records the event unless it was seen. The same id with another payload
  // is not a redelivery but an id the carrier used again (e.g. a simulator
  // restarted with its seed): recorded under a derived key, and fresh.
  virtual Recorded record(Tx& tx, const std::string& carrier, const std::string& event_id,
                          const std::string& payload, int64_t now_ms) = 0;
};

}  // namespace cgw::gw
