#include "api/metrics_page.hpp"

namespace cgw::gw {

std::string render_metrics(Services& svc, const NumberIndex& numbers) {
  std::vector<CarrierGauges> gauges;
  const int64_t now = svc.now ? svc.now() : 0;
  for (const auto& [id, carrier] : svc.carriers) {
    CarrierGauges g{id, {}, {}, numbers.available(id)};
    if (svc.store.db) {
      g.staleness_s = svc.store.numbers->inventory(id, false).staleness_s(now);
      g.last_full_sync_ms = svc.store.numbers->sync_state(id).last_full_sync_at_ms;
    }
    gauges.push_back(std::move(g));
  }
  std::optional<int64_t> open;
  std::map<std::string, int64_t> unknown;
  if (svc.store.db) {
    open = static_cast<int64_t>(svc.store.activations->open_ids().size());
    unknown = svc.store.activations->unknown_by_carrier();
  }
  std::string page = svc.metrics.render(gauges, open, unknown);
  // Only a test deployment with a movable clock has it (docs/test-clock.md).
  if (svc.clock.movable())
    page +=
        "# HELP cgw_test_clock_offset_ms How far the gateway's test clock is ahead of real time.\n"
        "# TYPE cgw_test_clock_offset_ms gauge\ncgw_test_clock_offset_ms " +
        std::to_string(svc.clock.offset_ms()) + "\n";
  return page;
}

}  // namespace cgw::gw
