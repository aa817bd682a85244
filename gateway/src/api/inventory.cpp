// GET /v1/carriers, /v1/plans, /v1/numbers
#include "api/support.hpp"
#include "api/tenant_carriers.hpp"
#include "carriers/typed_call.hpp"
#include "inventory/number_index.hpp"
#include "inventory/vanity.hpp"

#include <cgw/types.hpp>

#include <charconv>
#include <cmath>
#include <functional>

namespace cgw::gw::api {

namespace {
json::array capability_names(uint64_t caps) {
  static constexpr std::pair<uint64_t, const char*> kNames[] = {
      {CGW_CAP_PLANS, "plans"},
      {CGW_CAP_INVENTORY_SYNC, "inventory_sync"},
      {CGW_CAP_RESERVE, "reserve"},
      {CGW_CAP_KYC, "kyc"},
      {CGW_CAP_ACTIVATION, "activation"},
      {CGW_CAP_CALLBACKS, "callbacks"},
      // ABI 1.3, after-sales (docs/after-sales.md).
      {CGW_CAP_FULFILMENT, "fulfilment"},
      {CGW_CAP_CANCEL, "cancel"},
      {CGW_CAP_SUBSCRIBER_QUERY, "subscriber_query"},
      {CGW_CAP_RECHARGE, "recharge"},
      {CGW_CAP_SIM_REPLACE, "sim_replace"},
      {CGW_CAP_SUSPEND, "suspend"}};
  json::array out;
  for (auto [bit, name] : kNames)
    if (caps & bit) out.emplace_back(name);
  return out;
}

// json::serialize writes every double in exponent form (0 as "0E0", 0.25 as
// "2.5E-1"): valid JSON, but not what a client or a person reading it
// expects. This writes the same text except that a double is its shortest
// form that reads back to the same value (0, 0.25, 1e-07).
void write_plain(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, kv.key());
        out.push_back(':');
        write_plain(out, kv.value());
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_plain(out, e);
      }
      out.push_back(']');
      return;
    }
    case json::kind::string:
      append_json_string(out, v.get_string());
      return;
    case json::kind::double_: {
      const double d = v.get_double();
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      if (!std::isfinite(d) || ec != std::errc())
        out += "null";  // JSON has no infinity or NaN
      else
        out.append(buf, end);
      return;
    }
    default:  // integers, booleans, null
      out += json::serialize(v);
  }
}
}  // namespace

Awaitable list_carriers(Ctx& c) {
  json::array list;
  for (Carrier* carrier : tenant_carriers(c)) {
    const auto& cfg = carrier->config();
    const std::string& id = cfg.id;
    // The search index counts without a table scan; the store counts
    // before the index's first build.
    auto indexed = c.deps.numbers.available(id);
    auto inv = c.svc.store.numbers->inventory(id, !indexed);
    if (indexed) inv.available = *indexed;
    json::object inventory{
        {"available", inv.available}, {"last_sync_at", nullptr}, {"staleness_s", nullptr}};
    if (inv.last_sync_at_ms) {
      // Age of the last complete sync: how old search results may be.
      inventory["last_sync_at"] = rfc3339(*inv.last_sync_at_ms);
      inventory["staleness_s"] = *inv.staleness_s(c.svc.now());
    }
    list.push_back(json::object{
        {"id", shown_carrier(id)},
        {"display_name", cfg.display_name},
        {"kind", cfg.kind},
        {"host_network", cfg.host_network},
        {"capabilities", capability_names(carrier->capabilities())},
        {"plugin", json::object{{"name", carrier->library().name},
                                {"version", carrier->library().version},
                                {"abi", carrier->library().abi}}},
        {"inventory", std::move(inventory)},
        {"circuit", json::object{{"state", CircuitBreaker::name(carrier->breaker().state())},
                                 {"failure_ratio", carrier->breaker().failure_ratio()},
                                 {"calls_in_flight", carrier->calls_in_flight()}}}});
  }
  std::string body;
  write_plain(body, json::object{{"carriers", std::move(list)}});
  co_return json_response(c, 200, std::move(body));
}

Awaitable list_plans(Ctx& c) {
  std::vector<Carrier*> targets;
  if (auto it = c.query.find("carrier"); it != c.query.end()) {
    auto one = tenant_carrier(c, it->second);
    if (!one) co_return error_response(c, one.error());
    targets.push_back(one.value());
  } else {
    targets = tenant_carriers(c);
  }
  json::array plans;
  for (Carrier* carrier : targets) {
    if (!carrier->has(CGW_CAP_PLANS)) continue;
    auto outcome = co_await call<PlansListOutput>(*carrier, op::kPlansList, json::object{});
    if (!outcome.ok()) co_return error_response(c, outcome.error());
    for (const auto& p : outcome.value().plans)
      plans.push_back(json::object{{"carrier", shown_carrier(carrier->config().id)},
                                   {"plan_id", p.plan_id},
                                   {"name", p.name},
                                   {"monthly_fee_fen", p.monthly_fee_fen},
                                   {"data_mb", p.data_mb},
                                   {"voice_minutes", p.voice_minutes}});
  }
  co_return json_response(c, 200, json::object{{"plans", std::move(plans)}});
}

namespace {
constexpr std::pair<NumberSort, const char*> kSorts[] = {
    {NumberSort::kMsisdn, "number"},
    {NumberSort::kPriceAsc, "price"},
    {NumberSort::kPriceDesc, "-price"},
    {NumberSort::kValuationAsc, "valuation"},
    {NumberSort::kValuationDesc, "-valuation"}};

const char* sort_name(NumberSort s) {
  for (auto [value, name] : kSorts)
    if (value == s) return name;
  return "number";
}

std::optional<int64_t> fen(const std::string& v) {
  if (v.empty() || v.size() > 12 || !all_digits(v)) return std::nullopt;
  return std::stoll(v);
}

// The cursor is opaque to clients: "<sort>.<key>.<number>.<carrier>" of the
// last row returned.
std::string make_cursor(NumberSort sort, const FoundNumber& n) {
  return std::string(sort_name(sort)) + "." + std::to_string(n.sort_key) + "." + n.msisdn + "." +
         n.carrier;
}

// The JSON array of the tag names of `bits`, e.g. ["AAAA","lucky8"]; made
// once for each of the 2^11 tag sets.
const std::string& tags_json(uint32_t bits) {
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> all(1u << kVanityTagCount);
    for (uint32_t b = 0; b < all.size(); ++b) {
      json::array names;
      for (auto& t : tag_names(b)) names.emplace_back(t);
      all[b] = json::serialize(names);
    }
    return all;
  }();
  static thread_local std::string other;  // bits beyond the known tags: not made by the index
  if (bits < kAll.size()) return kAll[bits];
  json::array names;
  for (auto& t : tag_names(bits)) names.emplace_back(t);
  return other = json::serialize(names);
}

std::optional<NumberSearch::After> parse_cursor(NumberSort sort, std::string_view c) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    auto dot = c.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    parts[i] = c.substr(0, dot);
    c.remove_prefix(dot + 1);
  }
  parts[3] = c;
  auto key = fen(std::string(parts[1]));
  auto msisdn = msisdn_value(parts[2]);
  if (parts[0] != sort_name(sort) || !key || !msisdn || parts[3].empty()) return std::nullopt;
  return NumberSearch::After{*key, *msisdn, std::string(parts[3])};
}
}  // namespace

namespace {

// The carrier=mobile,unicom parameter: every id must be a carrier's. The
// instances searched are the tenant's (its channels), all of them when the
// parameter is absent.
Status read_carriers(const Ctx& c, const std::string& list, NumberSearch& q) {
  for (std::string_view rest = list; !rest.empty();) {
    auto comma = rest.find(',');
    std::string id(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto carrier = tenant_carrier(c, id);
    if (!carrier) return carrier.error();
    q.carriers.push_back(carrier.value()->config().id);
  }
  if (list.empty())
    for (Carrier* carrier : tenant_carriers(c)) q.carriers.push_back(carrier->config().id);
  return {};
}

// Where the numbers are and which digits they have.
Status read_filters(const std::function<std::string(const char*)>& param, NumberSearch& q) {
  q.province = param("province");
  q.city = param("city");
  // Characters, not bytes: 64 Chinese characters are 192 bytes. Every
  // query value is valid UTF-8 by now (check_query).
  if (utf8_length(q.province).value_or(0) > 64 || utf8_length(q.city).value_or(0) > 64)
    return bad_argument("province and city have at most 64 characters");
  for (auto [name, dest] : {std::pair{"prefix", &q.prefix}, std::pair{"suffix", &q.suffix},
                            std::pair{"contains", &q.contains}}) {
    *dest = param(name);
    if (!dest->empty() && (!all_digits(*dest) || dest->size() > 11))
      return bad_argument(std::string(name) + " must be 1 to 11 digits");
  }
  q.exclude_digits = param("exclude_digits");
  if (!q.exclude_digits.empty() && (!all_digits(q.exclude_digits) || q.exclude_digits.size() > 10))
    return bad_argument("exclude_digits must be digits, e.g. 4 or 47");
  if (auto tags = param("tags"); !tags.empty()) {
    auto bits = parse_tags(tags);
    if (!bits) return bits.error();
    q.tags_all = bits.value();
  }
  for (auto [name, dest] :
       {std::pair{"price_min", &q.price_min}, std::pair{"price_max", &q.price_max}}) {
    if (auto v = param(name); !v.empty()) {
      auto value = fen(v);
      if (!value)
        return bad_argument(std::string(name) + " must be a price in fen (0 to 12 digits)");
      *dest = *value;
    }
  }
  if (q.price_min > q.price_max) return bad_argument("price_min is above price_max");
  return {};
}

// The order and the page: sort, limit, cursor.
Status read_paging(const std::function<std::string(const char*)>& param, NumberSearch& q) {
  if (auto sort = param("sort"); !sort.empty()) {
    auto it = std::find_if(std::begin(kSorts), std::end(kSorts),
                           [&](const auto& s) { return sort == s.second; });
    if (it == std::end(kSorts))
      return bad_argument("sort must be one of number, price, -price, valuation, -valuation");
    q.sort = it->first;
  }
  if (auto limit = param("limit"); !limit.empty()) {
    if (!all_digits(limit) || limit.size() > 3 || std::stoi(limit) < 1 || std::stoi(limit) > 100)
      return bad_argument("limit must be 1 to 100");
    q.limit = static_cast<size_t>(std::stoi(limit));
  }
  if (auto cursor = param("cursor"); !cursor.empty()) {
    q.after = parse_cursor(q.sort, cursor);
    if (!q.after) return bad_argument("cursor is not one this API returned for this sort order");
  }
  return {};
}

Result<NumberSearch> search_query(const Ctx& c) {
  static const std::set<std::string> kKnown = {
      "carrier", "province",  "city",      "prefix", "suffix", "contains", "exclude_digits",
      "tags",    "price_min", "price_max", "sort",   "limit",  "cursor"};
  for (const auto& [k, v] : c.query)
    if (!kKnown.count(k)) return bad_argument("unknown query parameter '" + k + "'");
  auto param = [&](const char* name) -> std::string {
    auto it = c.query.find(name);
    return it == c.query.end() ? std::string() : it->second;
  };
  NumberSearch q;
  // One carrier or several: carrier=mobile,unicom
  if (auto read = read_carriers(c, param("carrier"), q); !read) return read.error();
  if (auto read = read_filters(param, q); !read) return read.error();
  if (auto read = read_paging(param, q); !read) return read.error();
  return q;
}

// The page as JSON, written directly (the same text json::serialize gives
// for the objects documented in docs/openapi.yaml): a page of 20 numbers as
// json::value trees cost more than the search itself. `rows` may hold one
// row more than `want`: then there is a next page.
std::string numbers_page(const Ctx& c, const std::vector<FoundNumber>& rows, size_t want,
                         NumberSort sort) {
  std::string body;
  body.reserve(64 + 256 * std::min(rows.size(), want));
  body.append(R"({"numbers":[)");
  const std::string* last_carrier = nullptr;
  std::string carrier_host;  // the carrier's host network, for rows without one
  char digits[24];
  auto append_int = [&](int64_t v) {
    auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    body.append(digits, end);
  };
  for (size_t i = 0; i < rows.size() && i < want; ++i) {
    const auto& r = rows[i];
    if (i) body.push_back(',');
    if (r.host_network.empty() && (!last_carrier || *last_carrier != r.carrier)) {
      const Carrier* carrier = c.svc.carrier(r.carrier);
      carrier_host = carrier ? carrier->config().host_network : r.carrier;
      last_carrier = &r.carrier;
    }
    body.append(R"({"msisdn":)");
    append_json_string(body, r.msisdn);
    body.append(R"(,"carrier":)");
    append_json_string(body, public_carrier_id(r.carrier));
    body.append(R"(,"host_network":)");
    append_json_string(body, r.host_network.empty() ? carrier_host : r.host_network);
    body.append(R"(,"province":)");
    append_json_string(body, r.province);
    body.append(R"(,"city":)");
    append_json_string(body, r.city);
    body.append(R"(,"price_fen":)");
    append_int(r.price_fen);
    body.append(R"(,"tags":)");
    body.append(tags_json(r.tags));
    body.append(R"(,"grade":)");
    append_int(r.grade);
    body.append(R"(,"valuation_fen":)");
    append_int(r.valuation_fen);
    body.push_back('}');
  }
  body.append(R"(],"next_cursor":)");
  if (rows.size() > want)
    append_json_string(body, make_cursor(sort, rows[want - 1]));
  else
    body.append("null");
  body.push_back('}');
  return body;
}

}  // namespace

Awaitable search_numbers(Ctx& c) {
  auto q = search_query(c);
  if (!q) co_return error_response(c, q.error());
  // One extra row tells whether there is a next page.
  const size_t want = q->limit;
  q->limit = want + 1;
  auto rows = c.deps.numbers.search(q.value());
  co_return json_response(c, 200, numbers_page(c, rows, want, q->sort));
}

}  // namespace cgw::gw::api
