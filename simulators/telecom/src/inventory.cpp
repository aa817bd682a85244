// Plans, number inventory and reservations (docs/carriers/telecom.md).
#include "cgw/sim/telecom/catalog.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "xml_io.hpp"

#include <spdlog/spdlog.h>

namespace cgw::sim::telecom {

namespace {
constexpr int64_t kDefaultPageSize = 100, kMaxPageSize = 5000;
constexpr int64_t kMinHoldSeconds = 60, kMaxHoldSeconds = 7 * 24 * 3600;

const char* number_status(NumberState s) {
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

// The cursor is opaque to partners: "P" + the last number of the previous
// page, so paging by number stays stable while states change.
constexpr char kCursorTag = 'P';
}  // namespace

TelecomSimulator::Code TelecomSimulator::list_plans(pugi::xml_node, pugi::xml_node data) {
  pugi::xml_node list = data.append_child("Plans");
  for (const auto& p : plans()) {
    pugi::xml_node plan = list.append_child("Plan");
    add_text(plan, "PlanCode", p.code);
    add_text(plan, "PlanName", p.name);
    add_text(plan, "MonthlyFee", std::to_string(p.monthly_fee_fen));
    add_text(plan, "DataMB", std::to_string(p.data_mb));
    add_text(plan, "VoiceMinutes", std::to_string(p.voice_minutes));
  }
  return "0";
}

TelecomSimulator::Code TelecomSimulator::query_numbers(pugi::xml_node request,
                                                       pugi::xml_node data) {
  std::string cursor, after;
  int64_t size = kDefaultPageSize;
  // <Cursor/> (empty) and no <Cursor> both mean "from the start".
  bool duplicate = false;
  pugi::xml_node c = single_child(request, "Cursor", duplicate);
  if (duplicate) return "20002";
  if (c && !c.text().empty()) {
    if (read_text(request, "Cursor", cursor, 32) != Field::kOk) return "20002";
    after = cursor.substr(1);
    if (cursor[0] != kCursorTag || !is_number_format(after)) return "20002";
  }
  if (auto f = read_int(request, "PageSize", size);
      f == Field::kBad || size < 1 || size > kMaxPageSize)
    return "20002";
  // <ChangedSince>: the change feed instead of the listing. It has no
  // cursor of its own (<ChangeSeq> is where it goes on), so not both.
  int64_t since = 0;
  const Field since_field = read_int(request, "ChangedSince", since);
  if (since_field == Field::kBad || (since_field == Field::kOk && (since < 0 || !cursor.empty())))
    return "20002";
  const bool changes = since_field == Field::kOk;
  const int64_t now = ctx_.clock.now_ms();
  const Page page =
      changes ? ctx_.ledger.changes(static_cast<uint64_t>(since), static_cast<size_t>(size), now)
              : ctx_.ledger.page(after, static_cast<size_t>(size), now);
  // A position the change log has not reached (e.g. taken before the
  // carrier restarted) is refused: the partner must list everything again.
  if (changes && page.change_seq < static_cast<uint64_t>(since)) return "20002";
  pugi::xml_node numbers = data.append_child("Numbers");
  for (const auto& n : page.items) {
    pugi::xml_node item = numbers.append_child("Number");
    add_text(item, "Msisdn", n.record.number);
    add_text(item, "Province", n.record.province);
    add_text(item, "City", n.record.city);
    add_text(item, "Price", std::to_string(n.record.price_fen));
    add_text(item, "Grade", std::to_string(n.record.level));
    add_text(item, "Status", number_status(n.state));
  }
  const bool more = page.has_more && !page.items.empty();
  add_text(data, "NextCursor",
           more && !changes ? std::string(1, kCursorTag) + page.items.back().record.number
                            : std::string());
  add_text(data, "HasMore", more ? "true" : "false");
  add_text(data, "ChangeSeq", std::to_string(page.change_seq));
  add_text(data, "Total", std::to_string(page.total));
  return "0";
}

TelecomSimulator::Code TelecomSimulator::reserve_number(pugi::xml_node request,
                                                        pugi::xml_node data) {
  ReserveRequest req;
  int64_t hold = 0;
  if (!required_text(request, "Msisdn", req.number) || !is_number_format(req.number))
    return "20002";
  if (auto f = read_int(request, "HoldSeconds", hold);
      f == Field::kBad ||
      (f == Field::kOk && hold != 0 && (hold < kMinHoldSeconds || hold > kMaxHoldSeconds)))
    return "20002";
  if (read_text(request, "PartnerReserveId", req.partner_lock_id, 64) == Field::kBad)
    return "20002";
  req.hold_ms = (hold == 0 ? settings_.reservation_ttl_s : hold) * 1000;
  req.lock_id = ctx_.ids.token("RS", 16);
  auto [result, res] = ctx_.ledger.lock(req, ctx_.clock.now_ms());
  if (result == LockResult::kNotFound) return "30001";
  if (result == LockResult::kUnavailable) return "30002";
  spdlog::info("telecom: number {} reserved as {} until {}", res.number, res.lock_id,
               res.expire_ms);
  add_text(data, "ReserveId", res.lock_id);
  add_text(data, "ExpireTime", std::to_string(res.expire_ms));
  return "0";
}

TelecomSimulator::Code TelecomSimulator::release_number(pugi::xml_node request,
                                                        pugi::xml_node data) {
  std::string number, reserve_id;
  if (!required_text(request, "Msisdn", number) || !required_text(request, "ReserveId", reserve_id))
    return "20002";
  switch (ctx_.ledger.unlock(number, reserve_id, ctx_.clock.now_ms())) {
    case ReleaseResult::kOk:
      break;
    case ReleaseResult::kLockNotFound:
      return "30003";
    case ReleaseResult::kWrongNumber:
      return "30004";
  }
  spdlog::info("telecom: reservation {} released", reserve_id);
  add_text(data, "Released", "true");
  return "0";
}

}  // namespace cgw::sim::telecom
