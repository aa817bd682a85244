// Products, the number inventory and locks.
#include "cgw/sim/unicom/catalog.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"
#include "form_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::unicom {

namespace json = boost::json;

namespace {
constexpr int64_t kDefaultPageSize = 100, kMaxPageSize = 5000;
constexpr int64_t kMaxPageNo = 1'000'000'000;
constexpr int64_t kMaxLockMinutes = 7 * 24 * 60;  // a week; keeps hold_ms far from overflow

const char* state_name(NumberState s) {
  switch (s) {
    case NumberState::kIdle:
      return "FREE";
    case NumberState::kLocked:
      return "LOCKED";
    case NumberState::kSold:
      return "SOLD";
  }
  return "FREE";
}

json::object number_json(const NumberView& n) {
  return json::object{{"number", n.record.number}, {"province", n.record.province},
                      {"city", n.record.city},     {"price", n.record.price_fen},
                      {"level", n.record.level},   {"state", state_name(n.state)}};
}
}  // namespace

UnicomSimulator::Reply UnicomSimulator::list_products() {
  json::array out;
  for (const auto& p : products())
    out.push_back(json::object{{"product_code", p.code},
                               {"product_name", p.name},
                               {"monthly_fee", p.monthly_fee_fen},
                               {"flow_mb", p.flow_mb},
                               {"voice_min", p.voice_min}});
  Reply r;
  r.data["products"] = std::move(out);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::query_numbers(const FormParams& params) {
  int64_t page_no = 1, page_size = kDefaultPageSize, since = 0;
  const Field page_no_field = read_int(params, "page_no", page_no, 1, kMaxPageNo);
  if (page_no_field == Field::kBad) return error(std::string(kMalformed));
  if (auto f = read_int(params, "page_size", page_size, 1, kMaxPageSize); f == Field::kBad)
    return error(std::string(kMalformed));
  const Field since_field = read_int(params, "changed_since", since, 0, INT64_MAX);
  if (since_field == Field::kBad) return error(std::string(kMalformed));
  const int64_t now = ctx_.clock.now_ms();
  Reply r;
  if (since_field == Field::kOk) {
    // The change feed: pages follow the change log, not offsets, so a
    // page_no makes no sense with it.
    if (page_no_field == Field::kOk) return error(std::string(kMalformed));
    const Page page =
        ctx_.ledger.changes(static_cast<uint64_t>(since), static_cast<size_t>(page_size), now);
    // A position the change log has not reached (e.g. taken before the
    // carrier restarted): the partner must query everything again.
    if (page.change_seq < static_cast<uint64_t>(since)) return error(std::string(kMalformed));
    json::array numbers;
    numbers.reserve(page.items.size());
    for (const auto& n : page.items) numbers.push_back(number_json(n));
    r.data["page_size"] = page_size;
    r.data["total"] = page.total;
    r.data["change_seq"] = page.change_seq;
    r.data["has_more"] = page.has_more;
    r.data["numbers"] = std::move(numbers);
    return r;
  }
  // Pages are offsets into the pool in number order. The pool never changes
  // (only states do), so the pages of one pass are disjoint and complete.
  const auto total = static_cast<int64_t>(numbers_.size());
  const int64_t offset = (page_no - 1) * page_size;
  json::array numbers;
  uint64_t change_seq = 0;
  if (offset < total) {
    const std::string after = offset == 0 ? std::string() : numbers_[offset - 1];
    const Page page = ctx_.ledger.page(after, static_cast<size_t>(page_size), now);
    numbers.reserve(page.items.size());
    for (const auto& n : page.items) numbers.push_back(number_json(n));
    change_seq = page.change_seq;
  } else {
    change_seq = ctx_.ledger.page("", 0, now).change_seq;
  }
  r.data["page_no"] = page_no;
  r.data["page_size"] = page_size;
  r.data["total"] = total;
  r.data["change_seq"] = change_seq;
  r.data["numbers"] = std::move(numbers);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::lock_number(const FormParams& params) {
  ReserveRequest req;
  int64_t minutes = 0;
  if (auto f = read_string(params, "number", req.number); f != Field::kOk)
    return error(field_code(f));
  if (!is_number_format(req.number)) return error(std::string(kMalformed));
  if (read_int(params, "lock_minutes", minutes, 0, kMaxLockMinutes) == Field::kBad)
    return error(std::string(kMalformed));
  if (read_string(params, "out_lock_id", req.partner_lock_id, 64) == Field::kBad)
    return error(std::string(kMalformed));
  req.hold_ms = minutes == 0 ? settings_.reservation_ttl_s * 1000 : minutes * 60'000;
  req.lock_id = ctx_.ids.digits("UL", 18);
  auto [result, res] = ctx_.ledger.lock(req, ctx_.clock.now_ms());
  if (result == LockResult::kNotFound) return error("3001");
  if (result == LockResult::kUnavailable) return error("3002");
  spdlog::info("unicom: number {} locked as {} until {}", res.number, res.lock_id, res.expire_ms);
  Reply r;
  r.data["lock_id"] = res.lock_id;
  // Second precision, rounded down: a partner never believes in a hold that
  // is longer than the carrier's.
  r.data["expire_time"] = beijing_time(res.expire_ms);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::unlock_number(const FormParams& params) {
  std::string number, lock_id;
  if (auto f = read_string(params, "number", number); f != Field::kOk) return error(field_code(f));
  if (auto f = read_string(params, "lock_id", lock_id); f != Field::kOk)
    return error(field_code(f));
  switch (ctx_.ledger.unlock(number, lock_id, ctx_.clock.now_ms())) {
    case ReleaseResult::kOk:
      break;
    case ReleaseResult::kLockNotFound:
      return error("3003");
    case ReleaseResult::kWrongNumber:
      return error("3004");
  }
  spdlog::info("unicom: lock {} released", lock_id);
  return Reply{};
}

}  // namespace cgw::sim::unicom
