#include "carriers/plan_catalog.hpp"

#include <cgw/abi.h>
#include <spdlog/spdlog.h>
#include <cgw/types.hpp>
#include "carriers/typed_call.hpp"

namespace cgw::gw {

std::optional<PlanCatalog::Entry> PlanCatalog::cached(const std::string& carrier_id) {
  std::lock_guard lock(mu_);
  auto it = by_carrier_.find(carrier_id);
  if (it == by_carrier_.end()) return std::nullopt;
  return it->second;
}

boost::asio::awaitable<std::optional<bool>> PlanCatalog::has_plan(Carrier& carrier,
                                                                  const std::string& plan_id,
                                                                  int64_t now_ms) {
  if (!carrier.has(CGW_CAP_PLANS)) co_return std::nullopt;
  const std::string& id = carrier.config().id;
  auto entry = cached(id);
  if (entry && now_ms - entry->fetched_at_ms < kMaxAgeMs &&
      (entry->plan_ids.count(plan_id) || now_ms - entry->fetched_at_ms < kRefreshOnMissMs))
    co_return entry->plan_ids.count(plan_id) > 0;
  auto outcome = co_await call<PlansListOutput>(carrier, op::kPlansList, json::object{});
  if (!outcome.ok()) {
    spdlog::warn("carrier={} plan catalogue unavailable ({}); the carrier judges plan ids", id,
                 outcome.error().code);
    co_return std::nullopt;
  }
  Entry fresh;
  fresh.fetched_at_ms = now_ms;
  for (const auto& p : outcome.value().plans) fresh.plan_ids.insert(p.plan_id);
  const bool found = fresh.plan_ids.count(plan_id) > 0;
  {
    std::lock_guard lock(mu_);
    by_carrier_[id] = std::move(fresh);
  }
  co_return found;
}

}  // namespace cgw::gw
