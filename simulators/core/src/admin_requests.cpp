// The request journal's admin API (docs/simulators-admin.yaml):
//   GET    /admin/requests?operation=&msisdn=&order_id=&lock_id=&since_ms=&until_ms=&limit=
//   GET    /admin/requests/count?<the same filters but limit>   {"count":N}
//   POST   /admin/requests/verify {"filters":{...},"count":N | "at_least":N,"at_most":M}
//   DELETE /admin/requests                                      empties the journal
// Unknown filters and bad values are refused (400), naming the parameter:
// a misspelt filter would otherwise match everything and pass a check.
#include "admin_internal.hpp"
#include "cgw/sim/schedule.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace cgw::sim {

namespace json = boost::json;
using net::http::status;

namespace {

constexpr const char* kFilterNames[] = {"operation", "msisdn",   "order_id", "lock_id",
                                        "since_ms",  "until_ms", "limit"};
constexpr size_t kMaxFilterValue = 256;

std::string known_filters(bool with_limit) {
  std::string out;
  for (const char* name : kFilterNames)
    if (with_limit || std::string_view(name) != "limit")
      out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

bool parse_int(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

// One filter into `q`; "" or what is wrong.
std::string set_filter(JournalQuery& q, std::string_view key, std::string_view value,
                       bool with_limit) {
  const bool known = std::any_of(std::begin(kFilterNames), std::end(kFilterNames),
                                 [&](const char* n) { return key == n; });
  if (!known || (!with_limit && key == "limit"))
    return "unknown filter '" + std::string(key) + "' (known: " + known_filters(with_limit) + ")";
  if (value.empty() || value.size() > kMaxFilterValue)
    return std::string(key) + " must be 1-256 characters";
  int64_t n = 0;
  if (key == "limit") {
    if (!parse_int(value, n) || n < 1 || n > 5000) return "limit must be an integer 1-5000";
    q.limit = static_cast<size_t>(n);
  } else if (key == "since_ms" || key == "until_ms") {
    if (!parse_int(value, n) || n < 0)
      return std::string(key) + " must be an integer >= 0 (simulated milliseconds since the epoch)";
    (key == "since_ms" ? q.since_ms : q.until_ms) = n;
  } else {
    (key == "operation"  ? q.operation
     : key == "msisdn"   ? q.msisdn
     : key == "order_id" ? q.order_id
                         : q.lock_id) = std::string(value);
  }
  return {};
}

std::string query_from_url(boost::urls::url_view url, bool with_limit, JournalQuery& q) {
  std::vector<std::string> seen;
  for (auto p : url.params()) {
    if (std::find(seen.begin(), seen.end(), p.key) != seen.end())
      return "filter '" + std::string(p.key) + "' given twice";
    seen.push_back(p.key);
    if (auto err = set_filter(q, p.key, p.value, with_limit); !err.empty()) return err;
  }
  if (q.since_ms && q.until_ms && *q.since_ms > *q.until_ms) return "since_ms is after until_ms";
  return {};
}

json::object message_json(const JournalMessage& m) {
  json::object headers;
  for (const auto& [name, value] : m.headers) headers[name] = value;
  return json::object{{"headers", std::move(headers)},
                      {"body", m.body},
                      {"body_bytes", m.body_bytes},
                      {"truncated", m.truncated}};
}

json::object entry_json(const JournalEntry& e) {
  const Correlation& c = e.correlation;
  json::object o{{"at_ms", e.at_ms},
                 {"method", e.method},
                 {"target", e.target},
                 {"operation", e.operation},
                 {"signature_ok", e.signature_ok},
                 {"code", e.code},
                 {"http_status", e.http_status},
                 {"fault", e.fault},
                 {"msisdn", c.msisdn},
                 {"partner_order_id", c.partner_order_id},
                 {"carrier_order_id", c.carrier_order_id},
                 {"lock_id", c.lock_id}};
  o["request"] = e.request ? json::value(message_json(*e.request)) : json::value(nullptr);
  o["response"] = e.response ? json::value(message_json(*e.response)) : json::value(nullptr);
  return o;
}

// "" or what is wrong; a count bound from `o[key]` when present.
std::string bound(const json::object& o, const char* key, std::optional<int64_t>& out) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  int64_t n = 0;
  if (auto err = json_int(*v, key, 0, 1'000'000'000, n); !err.empty()) return err;
  out = n;
  return {};
}

net::Response verify(SimContext& ctx, const net::Request& req) {
  std::string err;
  auto body = admin::parse_body(req, err);
  if (!body) return admin::error(req, status::bad_request, err);
  if (!body->is_object()) return admin::error(req, status::bad_request, "body must be an object");
  const auto& o = body->as_object();
  for (const auto& [key, unused] : o) {
    (void)unused;
    if (key != "filters" && key != "count" && key != "at_least" && key != "at_most")
      return admin::error(
          req, status::bad_request,
          "unknown key '" + std::string(key) + "' (known: filters, count, at_least, at_most)");
  }
  JournalQuery q;
  if (const auto* f = o.if_contains("filters")) {
    if (!f->is_object()) return admin::error(req, status::bad_request, "filters must be an object");
    for (const auto& [key, value] : f->as_object()) {
      const std::string text = value.is_string()   ? std::string(value.as_string())
                               : value.is_int64()  ? std::to_string(value.as_int64())
                               : value.is_uint64() ? std::to_string(value.as_uint64())
                                                   : std::string();
      if (text.empty() && !value.is_string())
        return admin::error(req, status::bad_request,
                            "filters." + std::string(key) + " must be a string or an integer");
      if (auto e = set_filter(q, key, text, false); !e.empty())
        return admin::error(req, status::bad_request, "filters: " + e);
    }
  }
  std::optional<int64_t> exact, at_least, at_most;
  for (auto [key, out] : {std::pair{"count", &exact}, std::pair{"at_least", &at_least},
                          std::pair{"at_most", &at_most}})
    if (auto e = bound(o, key, *out); !e.empty()) return admin::error(req, status::bad_request, e);
  if (exact ? (at_least || at_most) : !(at_least || at_most))
    return admin::error(req, status::bad_request,
                        "give count, or at_least and/or at_most (not count with them)");
  const auto n = static_cast<int64_t>(ctx.journal.count(q));
  const bool holds =
      exact ? n == *exact : (!at_least || n >= *at_least) && (!at_most || n <= *at_most);
  json::object reply{{"ok", holds}, {"count", n}};
  if (exact)
    reply["expected"] = json::object{{"count", *exact}};
  else {
    json::object expected;
    if (at_least) expected["at_least"] = *at_least;
    if (at_most) expected["at_most"] = *at_most;
    reply["expected"] = std::move(expected);
  }
  if (!holds) reply["error"] = "the journal holds " + std::to_string(n) + " matching requests";
  return json_response(req, holds ? status::ok : status::conflict, reply);
}

}  // namespace

namespace admin {

net::Response handle_requests(SimContext& ctx, const net::Request& req, boost::urls::url_view url) {
  using net::http::verb;
  const std::string path = url.path();
  if (path == "/admin/requests/verify") {
    if (req.method() != verb::post) return error(req, status::method_not_allowed, "use POST");
    return verify(ctx, req);
  }
  const bool count = path == "/admin/requests/count";
  if (!count && path != "/admin/requests")
    return error(req, status::not_found, "unknown admin endpoint");
  if (!count && req.method() == verb::delete_) {
    if (!url.params().empty())
      return error(req, status::bad_request, "DELETE /admin/requests takes no filters");
    const uint64_t removed = ctx.journal.count({});
    ctx.journal.clear();
    return json_response(req, status::ok, json::object{{"removed", removed}});
  }
  if (req.method() != verb::get)
    return error(req, status::method_not_allowed, count ? "use GET" : "use GET or DELETE");
  JournalQuery q;
  if (auto err = query_from_url(url, !count, q); !err.empty())
    return error(req, status::bad_request, err);
  if (count) return json_response(req, status::ok, json::object{{"count", ctx.journal.count(q)}});
  json::array out;
  for (const auto& e : ctx.journal.query(q)) out.push_back(entry_json(e));
  return json_response(req, status::ok,
                       json::object{{"total", ctx.journal.total()}, {"requests", std::move(out)}});
}

}  // namespace admin

}  // namespace cgw::sim
