// Products, number inventory and occupations (locks).
#include "cgw/sim/mvno/catalog.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::sim::mvno {

namespace json = boost::json;

namespace {
constexpr int64_t kDefaultPageSize = 100, kMaxPageSize = 5000;
constexpr int64_t kMaxOccupyMinutes = 7 * 24 * 60;  // a week; keeps hold_ms far from overflow
// The cursor is opaque to partners; inside it is the last number of the
// previous page, so paging by number stays stable while states change.
constexpr std::string_view kCursorPrefix = "nc1.";

std::optional<std::string> number_after(std::string_view cursor) {
  if (cursor.empty()) return std::string();
  if (!cursor.starts_with(kCursorPrefix)) return std::nullopt;
  std::string_view number = cursor.substr(kCursorPrefix.size());
  if (!is_number_format(number)) return std::nullopt;
  return std::string(number);
}

// The change cursor is opaque too: "cs1." + the change log position, in
// decimal without leading zeros (one spelling per position).
constexpr std::string_view kChangePrefix = "cs1.";

std::string change_cursor(uint64_t seq) {
  return std::string(kChangePrefix) + std::to_string(seq);
}

std::optional<uint64_t> change_seq_of(std::string_view cursor) {
  if (!cursor.starts_with(kChangePrefix)) return std::nullopt;
  const std::string_view digits = cursor.substr(kChangePrefix.size());
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  uint64_t seq = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return seq;
}
}  // namespace

MvnoSimulator::Reply MvnoSimulator::list_products() {
  json::array out;
  for (const auto& p : products())
    out.push_back(json::object{{"productCode", p.code},
                               {"productName", p.name},
                               {"monthlyFee", p.monthly_fee_fen},
                               {"dataMb", p.data_mb},
                               {"voiceMin", p.voice_min}});
  Reply r;
  r.data["products"] = std::move(out);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::query_numbers(const json::object& body) {
  std::string cursor;
  int64_t size = kDefaultPageSize;
  const auto* c = body.if_contains("cursor");
  if (c && !c->is_null()) {
    if (!c->is_string() || c->as_string().size() > 64) return error("1101");
    cursor = c->as_string();
  }
  const auto after = number_after(cursor);
  if (!after) return error("1101");
  if (read_int(body, "pageSize", size) == Field::kBad || size < 1 || size > kMaxPageSize)
    return error("1101");
  // changedSince: the change feed instead of the listing. It has no cursor
  // of its own (changeCursor is where it goes on), so not both.
  std::optional<uint64_t> since;
  if (const auto* cs = body.if_contains("changedSince"); cs && !cs->is_null()) {
    if (!cs->is_string() || !cursor.empty()) return error("1101");
    since = change_seq_of(cs->as_string());
    if (!since) return error("1101");
  }
  const int64_t now = ctx_.clock.now_ms();
  const Page page = since ? ctx_.ledger.changes(*since, static_cast<size_t>(size), now)
                          : ctx_.ledger.page(*after, static_cast<size_t>(size), now);
  // A position the change log has not reached (e.g. taken before the
  // carrier restarted) is refused: the partner must list everything again.
  if (since && page.change_seq < *since) return error("1101");
  json::array numbers;
  numbers.reserve(page.items.size());
  for (const auto& n : page.items)
    numbers.push_back(json::object{{"msisdn", n.record.number},
                                   {"province", n.record.province},
                                   {"city", n.record.city},
                                   {"prestore", n.record.price_fen},
                                   {"grade", n.record.level},
                                   {"hostNetwork", host_network_of(n.record.number).value_or("")},
                                   {"status", number_status_name(n.state)}});
  Reply r;
  r.data["nextCursor"] = !since && page.has_more && !page.items.empty()
                             ? std::string(kCursorPrefix) + page.items.back().record.number
                             : std::string();
  r.data["hasMore"] = page.has_more;
  r.data["changeCursor"] = change_cursor(page.change_seq);
  r.data["total"] = page.total;
  r.data["numbers"] = std::move(numbers);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::occupy_number(const json::object& body) {
  ReserveRequest req;
  int64_t minutes = 0;
  if (!required_string(body, "msisdn", req.number) || !is_number_format(req.number))
    return error("1101");
  if (read_int(body, "occupyMinutes", minutes) == Field::kBad || minutes < 0 ||
      minutes > kMaxOccupyMinutes)
    return error("1101");
  if (read_string(body, "partnerOccupyNo", req.partner_lock_id, 64) == Field::kBad)
    return error("1101");
  req.hold_ms = minutes == 0 ? settings_.reservation_ttl_s * 1000 : minutes * 60'000;
  req.lock_id = ctx_.ids.token("OC", 16);
  auto [result, res] = ctx_.ledger.lock(req, ctx_.clock.now_ms());
  if (result == LockResult::kNotFound) return error("2001");
  if (result == LockResult::kUnavailable) return error("2002");
  spdlog::info("mvno: number {} occupied as {} until {}", res.number, res.lock_id, res.expire_ms);
  Reply r;
  r.data["occupyNo"] = res.lock_id;
  r.data["expireAt"] = res.expire_ms;
  return r;
}

MvnoSimulator::Reply MvnoSimulator::release_number(const json::object& body) {
  std::string number, lock_id;
  if (!required_string(body, "msisdn", number) || !required_string(body, "occupyNo", lock_id))
    return error("1101");
  switch (ctx_.ledger.unlock(number, lock_id, ctx_.clock.now_ms())) {
    case ReleaseResult::kOk:
      break;
    case ReleaseResult::kLockNotFound:
      return error("2003");
    case ReleaseResult::kWrongNumber:
      return error("2004");
  }
  spdlog::info("mvno: occupation {} released", lock_id);
  return Reply{};
}

}  // namespace cgw::sim::mvno
