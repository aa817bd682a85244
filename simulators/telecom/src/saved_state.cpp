// The telecom simulator's own state for a saved namespace
// (docs/simulators-reference.md): the applicant key, the order drafts
// (orders not yet confirmed into the ledger) and the access tokens, so a
// partner's token stays valid across a restart.
#include "cgw/sim/carrier_state.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "tokens.hpp"

namespace cgw::sim::telecom {

namespace json = boost::json;

namespace {

constexpr std::pair<TelecomSimulator::DraftStatus, const char*> kDraftStatuses[] = {
    {TelecomSimulator::DraftStatus::kCreated, "created"},
    {TelecomSimulator::DraftStatus::kPhotosUploaded, "photos_uploaded"},
    {TelecomSimulator::DraftStatus::kConfirmed, "confirmed"},
    {TelecomSimulator::DraftStatus::kCancelled, "cancelled"}};

const char* status_name(TelecomSimulator::DraftStatus s) {
  for (const auto& [v, name] : kDraftStatuses)
    if (v == s) return name;
  return "created";
}

// The string `key` of `o`, or false.
bool get(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out = v->as_string();
  return true;
}

bool get(const json::object& o, std::string_view key, int& out) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_int64() || v->as_int64() < 0 || v->as_int64() > INT32_MAX) return false;
  out = static_cast<int>(v->as_int64());
  return true;
}

}  // namespace

json::value TelecomSimulator::save_state() const {
  json::object out = carrier_state_with_salt(applicant_salt_);
  json::array tokens;
  for (const auto& [expires, token] : tokens_->saved()) tokens.push_back({expires, token});
  out["tokens"] = std::move(tokens);
  std::lock_guard lock(drafts_mu_);
  json::array drafts;
  for (const auto& id : draft_seq_) {
    const Draft& d = drafts_.at(id);
    drafts.push_back(json::object{{"order_id", d.order_id},
                                  {"partner_order_id", d.partner_order_id},
                                  {"number", d.number},
                                  {"reserve_id", d.reserve_id},
                                  {"plan_code", d.plan_code},
                                  {"notify_url", d.notify_url},
                                  {"applicant_key", d.applicant_key},
                                  {"status", status_name(d.status)},
                                  {"create_count", d.create_count},
                                  {"photo_uploads", d.photo_uploads},
                                  {"review", d.review}});
  }
  out["drafts"] = std::move(drafts);
  return out;
}

std::string TelecomSimulator::restore_state(const json::value& saved) {
  if (auto e = restore_carrier_salt(saved, applicant_salt_); !e.empty()) return e;
  const json::object& o = saved.as_object();  // restore_carrier_salt checked it
  const auto* tokens = o.if_contains("tokens");
  if (!tokens || !tokens->is_array()) return "tokens: missing or not an array";
  std::vector<std::pair<int64_t, std::string>> restored;
  for (size_t i = 0; i < tokens->as_array().size(); ++i) {
    const auto& t = tokens->as_array()[i];
    const auto* pair = t.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_int64() || !(*pair)[1].is_string())
      return "tokens[" + std::to_string(i) + "]: must be [expiry_ms, token]";
    restored.emplace_back((*pair)[0].as_int64(), std::string((*pair)[1].as_string()));
  }
  const auto* drafts = o.if_contains("drafts");
  if (!drafts || !drafts->is_array()) return "drafts: missing or not an array";
  std::lock_guard lock(drafts_mu_);
  for (size_t i = 0; i < drafts->as_array().size(); ++i) {
    const std::string path = "drafts[" + std::to_string(i) + "]";
    const auto* e = drafts->as_array()[i].if_object();
    if (!e) return path + ": must be an object";
    Draft d;
    std::string status;
    if (!get(*e, "order_id", d.order_id) || !get(*e, "partner_order_id", d.partner_order_id) ||
        !get(*e, "number", d.number) || !get(*e, "reserve_id", d.reserve_id) ||
        !get(*e, "plan_code", d.plan_code) || !get(*e, "notify_url", d.notify_url) ||
        !get(*e, "applicant_key", d.applicant_key) || !get(*e, "status", status) ||
        !get(*e, "create_count", d.create_count) || !get(*e, "photo_uploads", d.photo_uploads))
      return path + ": a field is missing or of the wrong type";
    const auto* review = e->if_contains("review");
    if (!review || !review->is_bool()) return path + ".review: must be true or false";
    d.review = review->as_bool();
    bool known = false;
    for (const auto& [v, name] : kDraftStatuses)
      if (status == name) {
        d.status = v;
        known = true;
      }
    if (!known) return path + ".status: unknown value '" + status + "'";
    if (drafts_.count(d.order_id)) return path + ".order_id: repeated";
    by_partner_id_.emplace(d.partner_order_id, d.order_id);
    draft_seq_.push_back(d.order_id);
    drafts_.emplace(d.order_id, std::move(d));
  }
  tokens_->restore(std::move(restored));
  return {};
}

}  // namespace cgw::sim::telecom
