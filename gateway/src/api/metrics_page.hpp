// GET /metrics: the counters of core/metrics.hpp with the gauges read at
// scrape time from the store and the search index.
#pragma once

#include "carriers/services.hpp"
#include "inventory/number_index.hpp"

#include <string>

namespace cgw::gw {

// Reads the gauges of every loaded carrier and renders everything.
std::string render_metrics(Services& svc, const NumberIndex& numbers);

}  // namespace cgw::gw
