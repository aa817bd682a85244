// Plans, number inventory and locks.
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>
#include <optional>
#include <string_view>

namespace cgw::sim::mobile {

namespace json = boost::json;

namespace {
constexpr size_t kDefaultPageSize = 100, kMaxPageSize = 5000;
constexpr int64_t kMaxHoldMinutes = 7 * 24 * 60;  // a week; keeps hold_ms far from overflow

// A decimal number of digits only (no sign, no spaces), as the whole value.
template <class T>
bool parse_decimal(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}
}  // namespace

MobileSimulator::Reply MobileSimulator::list_plans() {
  json::array out;
  for (const auto& p : plans())
    out.push_back(json::object{{"planCode", p.code},
                               {"planName", p.name},
                               {"monthlyFee", p.monthly_fee_fen},
                               {"dataMb", p.data_mb},
                               {"voiceMin", p.voice_min}});
  Reply r;
  r.data["plans"] = std::move(out);
  return r;
}

MobileSimulator::Reply MobileSimulator::list_numbers(boost::urls::url_view url) {
  std::string cursor;
  size_t size = kDefaultPageSize;
  std::optional<uint64_t> since;  // changedSince: the change feed instead of the listing
  for (auto p : url.params()) {
    if (p.key == "cursor") {
      cursor = p.value;
      // The cursor is the last number of the previous page: paging by
      // number stays stable while states change.
      if (!cursor.empty() && !is_number_format(cursor)) return error("2001");
    } else if (p.key == "size") {
      if (!parse_decimal(p.value, size) || size < 1 || size > kMaxPageSize) return error("2001");
    } else if (p.key == "changedSince") {
      uint64_t seq = 0;
      if (!parse_decimal(p.value, seq)) return error("2001");
      since = seq;
    }
  }
  // The change feed has no cursor of its own: changeSeq is where it goes on.
  if (since && !cursor.empty()) return error("2001");
  const int64_t now = ctx_.clock.now_ms();
  const Page page =
      since ? ctx_.ledger.changes(*since, size, now) : ctx_.ledger.page(cursor, size, now);
  // A position the change log has not reached (e.g. taken before the
  // carrier restarted) is refused: the partner must list everything again.
  if (since && page.change_seq < *since) return error("2001");
  json::array numbers;
  numbers.reserve(page.items.size());
  for (const auto& n : page.items)
    numbers.push_back(json::object{{"number", n.record.number},
                                   {"province", n.record.province},
                                   {"city", n.record.city},
                                   {"price", n.record.price_fen},
                                   {"level", n.record.level},
                                   {"state", to_string(n.state)}});
  Reply r;
  r.data["nextCursor"] = !since && page.has_more && !page.items.empty()
                             ? page.items.back().record.number
                             : std::string();
  r.data["hasMore"] = page.has_more;
  r.data["changeSeq"] = page.change_seq;
  r.data["total"] = page.total;
  r.data["numbers"] = std::move(numbers);
  return r;
}

MobileSimulator::Reply MobileSimulator::lock_number(const json::object& body) {
  ReserveRequest req;
  int64_t minutes = 0;
  if (!required_string(body, "number", req.number) || !is_number_format(req.number))
    return error("2001");
  if (read_int(body, "holdMinutes", minutes) == Field::kBad || minutes < 0 ||
      minutes > kMaxHoldMinutes)
    return error("2001");
  if (read_string(body, "partnerLockId", req.partner_lock_id, 64) == Field::kBad)
    return error("2001");
  req.hold_ms = minutes == 0 ? settings_.reservation_ttl_s * 1000 : minutes * 60'000;
  req.lock_id = ctx_.ids.token("LK", 16);
  auto [result, res] = ctx_.ledger.lock(req, ctx_.clock.now_ms());
  if (result == LockResult::kNotFound) return error("3001");
  if (result == LockResult::kUnavailable) return error("3002");
  spdlog::info("mobile: number {} locked as {} until {}", res.number, res.lock_id, res.expire_ms);
  Reply r;
  r.data["lockId"] = res.lock_id;
  r.data["expireTime"] = res.expire_ms;
  return r;
}

MobileSimulator::Reply MobileSimulator::unlock_number(const json::object& body) {
  std::string number, lock_id;
  if (!required_string(body, "number", number) || !required_string(body, "lockId", lock_id))
    return error("2001");
  switch (ctx_.ledger.unlock(number, lock_id, ctx_.clock.now_ms())) {
    case ReleaseResult::kOk:
      break;
    case ReleaseResult::kLockNotFound:
      return error("3003");
    case ReleaseResult::kWrongNumber:
      return error("5002");
  }
  spdlog::info("mobile: lock {} released", lock_id);
  return Reply{};
}

}  // namespace cgw::sim::mobile
