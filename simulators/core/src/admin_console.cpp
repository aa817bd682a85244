// The web console and its read endpoints (admin_console.hpp). The console
// only reads what the admin API already serves and these two listings;
// every change it makes goes through the documented endpoints.
#include "admin_console.hpp"

#include "admin_internal.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <string>

namespace cgw::sim::admin {

namespace json = boost::json;
using net::http::status;

namespace {

constexpr std::string_view kConsole = "/admin/console";

// The page, its script and its style sheet load from this origin only, and
// nothing else at all: no inline script, no frames, no form posts.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const char* content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

std::optional<net::Response> asset(const net::Request& req, std::string_view path) {
  std::string_view name;
  if (path == kConsole)
    name = "index.html";
  else if (path.starts_with(std::string(kConsole) + "/"))
    name = path.substr(kConsole.size() + 1);
  else
    return std::nullopt;
  for (size_t i = 0; i < console::kAssetCount; ++i) {
    const auto& a = console::kAssets[i];
    if (name != a.name) continue;
    if (req.method() != net::http::verb::get)
      return error(req, status::method_not_allowed, "use GET");
    net::Response res = net::make_response(
        req, status::ok, std::string(reinterpret_cast<const char*>(a.data), a.size),
        content_type(name));
    res.set("Content-Security-Policy", kCsp);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set(net::http::field::cache_control, "no-store");
    return res;
  }
  return error(req, status::not_found, "no such console file");
}

// A whole-number query parameter in [lo, hi]; false when malformed.
bool size_param(boost::urls::url_view url, std::string_view key, size_t lo, size_t hi,
                size_t& out) {
  for (auto p : url.params()) {
    if (p.key != key) continue;
    auto [ptr, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), out);
    if (ec != std::errc() || ptr != p.value.data() + p.value.size() || out < lo || out > hi)
      return false;
  }
  return true;
}

// GET /admin/pool?after=&limit=: a page of numbers with their state, and
// the count of each state over the whole pool.
net::Response pool(SimContext& ctx, const net::Request& req, boost::urls::url_view url) {
  size_t limit = 100;
  if (!size_param(url, "limit", 1, 1000, limit))
    return error(req, status::bad_request, "limit must be 1-1000");
  std::string after;
  for (auto p : url.params()) {
    if (p.key == "after")
      after = p.value;
    else if (p.key != "limit")
      return error(req, status::bad_request, "unknown parameter '" + std::string(p.key) + "'");
  }
  const int64_t now = ctx.clock.now_ms();
  size_t counts[3] = {0, 0, 0};
  std::string cursor;
  for (;;) {  // the counts: the ledger pages in number order
    Page page = ctx.ledger.page(cursor, 1000, now);
    for (const auto& v : page.items) ++counts[static_cast<int>(v.state)];
    if (!page.has_more || page.items.empty()) break;
    cursor = page.items.back().record.number;
  }
  Page page = ctx.ledger.page(after, limit, now);
  json::array numbers;
  for (const auto& v : page.items)
    numbers.push_back(json::object{{"number", v.record.number},
                                   {"state", to_string(v.state)},
                                   {"province", v.record.province},
                                   {"city", v.record.city},
                                   {"priceFen", v.record.price_fen},
                                   {"pattern", v.record.pattern}});
  json::object out{{"total", page.total},
                   {"idle", counts[0]},
                   {"locked", counts[1]},
                   {"sold", counts[2]},
                   {"numbers", std::move(numbers)}};
  if (page.has_more && !page.items.empty()) out["nextAfter"] = page.items.back().record.number;
  return json_response(req, status::ok, out);
}

// GET /admin/orders: every order with its lifecycle, the stages it passed
// (done) and those still planned.
net::Response orders(SimContext& ctx, const net::Request& req) {
  json::array out;
  for (const auto& o : ctx.ledger.orders()) {
    json::array stages;
    for (size_t i = 0; i < o.schedule.size(); ++i)
      stages.push_back(json::object{{"stage", to_string(o.schedule[i].stage)},
                                    {"atMs", o.schedule[i].at_ms},
                                    {"done", i < o.next_point}});
    out.push_back(json::object{{"orderId", o.order_id},
                               {"partnerOrderId", o.partner_order_id},
                               {"number", o.number},
                               {"lockId", o.lock_id},
                               {"planCode", o.plan_code},
                               {"kind", to_string(o.kind)},
                               {"state", to_string(o.state)},
                               {"stage", to_string(o.stage)},
                               {"stageMs", o.stage_ms},
                               {"createdMs", o.created_ms},
                               {"finishedMs", o.finished_ms},
                               {"failReason", o.fail_reason},
                               {"submitCount", o.submit_count},
                               {"lifecycle", std::move(stages)}});
  }
  return json_response(req, status::ok, json::object{{"orders", std::move(out)}});
}

}  // namespace

std::optional<net::Response> handle_console(SimContext& ctx, const net::Request& req,
                                            std::string_view path) {
  if (auto res = asset(req, path)) return res;
  if (path != "/admin/pool" && path != "/admin/orders") return std::nullopt;
  if (req.method() != net::http::verb::get)
    return error(req, status::method_not_allowed, "use GET");
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return error(req, status::bad_request, "malformed target");
  ctx.tick();  // locks expired by now show as expired
  if (path == "/admin/pool") return pool(ctx, req, *url);
  return orders(ctx, req);
}

}  // namespace cgw::sim::admin
