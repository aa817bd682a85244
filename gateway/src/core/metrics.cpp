#include "core/metrics.hpp"

#include "cgw/common/log_setup.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace cgw::gw {

namespace {

constexpr const char* kStatusClassNames[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
constexpr const char* kSyncKindNames[] = {"full", "incremental"};

template <class T>
void append_number(std::string& out, T value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, ec == std::errc{} ? end : buf);
}

// Shortest round-trip digits, fixed notation ("0.0005", "1700000000.5")
// while it fits; the exponent form only for huge magnitudes.
void append_number(std::string& out, double value) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (r.ec != std::errc{}) r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ec == std::errc{} ? r.ptr : buf);
}

}  // namespace

// --- PromText

void PromText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char ch : help) {  // HELP escapes only backslash and newline
    if (ch == '\\')
      out_ += "\\\\";
    else if (ch == '\n')
      out_ += "\\n";
    else
      out_ += ch;
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PromText::labels(std::initializer_list<Label> labels) {
  if (labels.size() == 0) return;
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += key;
    out_ += "=\"";
    // The exposition format escapes only backslash, quote and newline; any
    // other control character, and bytes that are not UTF-8, become U+FFFD
    // so that a label value can never break a sample line.
    for (size_t i = 0; i < value.size();) {
      const Utf8Char ch = next_utf8(value, i);
      if (ch.valid && ch.cp == '\\')
        out_ += "\\\\";
      else if (ch.valid && ch.cp == '"')
        out_ += "\\\"";
      else if (ch.valid && ch.cp == '\n')
        out_ += "\\n";
      else if (!ch.valid || log_unsafe(ch.cp))
        out_ += "\xEF\xBF\xBD";
      else
        out_.append(value.substr(i, ch.len));
      i += ch.len;
    }
    out_ += '"';
  }
  out_ += '}';
}

void PromText::sample(std::string_view name, std::initializer_list<Label> l, double value) {
  out_ += name;
  labels(l);
  out_ += ' ';
  if (std::isnan(value))
    out_ += "NaN";
  else if (std::isinf(value))
    out_ += value > 0 ? "+Inf" : "-Inf";
  else
    append_number(out_, value);
  out_ += '\n';
}

template <class Int>
void PromText::integer_sample(std::string_view name, std::initializer_list<Label> l, Int value) {
  out_ += name;
  labels(l);
  out_ += ' ';
  append_number(out_, value);
  out_ += '\n';
}

void PromText::sample(std::string_view name, std::initializer_list<Label> l, uint64_t value) {
  integer_sample(name, l, value);
}

void PromText::sample(std::string_view name, std::initializer_list<Label> l, int64_t value) {
  integer_sample(name, l, value);
}

// --- Metrics

const char* Metrics::route_name(Route r) {
  static constexpr const char* kNames[kRouteCount] = {
      "health",       "metrics", "carriers",    "plans",     "numbers",
      "reservations", "kyc",     "activations", "callbacks", "other"};
  return r < kRouteCount ? kNames[r] : "other";
}

Metrics::Route Metrics::route_of(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz" || path == "/readyz") return kHealth;
  if (path == "/metrics") return kMetrics;
  constexpr std::string_view kV1 = "/v1/";
  if (!path.starts_with(kV1)) return kOther;
  path.remove_prefix(kV1.size());
  const std::string_view head = path.substr(0, path.find('/'));
  static constexpr std::pair<std::string_view, Route> kHeads[] = {
      {"carriers", kCarriers},         {"plans", kPlans}, {"numbers", kNumbers},
      {"reservations", kReservations}, {"kyc", kKyc},     {"activations", kActivations},
      {"callbacks", kCallbacks}};
  for (auto [name, route] : kHeads)
    if (head == name) return route;
  return kOther;
}

void Metrics::observe_request(Route route, int http_status, std::chrono::microseconds latency) {
  if (route >= kRouteCount) route = kOther;
  const size_t status_class = static_cast<size_t>(std::clamp(http_status / 100, 1, 5) - 1);
  requests_[route][status_class].fetch_add(1, std::memory_order_relaxed);
  const uint64_t us = static_cast<uint64_t>(std::max<int64_t>(latency.count(), 0));
  size_t bucket = 0;
  while (bucket < kLatencyBucketsUs.size() && us > kLatencyBucketsUs[bucket]) ++bucket;
  latency_[route][bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_[route].fetch_add(us, std::memory_order_relaxed);
}

void Metrics::observe_sync(const std::string& carrier, SyncKind kind, bool ok, int64_t now_ms) {
  std::lock_guard lock(sync_mu_);
  auto& s = sync_[carrier];
  ++(ok ? s.ok : s.failed)[kind];
  if (ok && kind == kIncremental) s.last_incremental_ok_ms = now_ms;
}

std::string Metrics::render(const std::vector<CarrierGauges>& carriers,
                            std::optional<int64_t> open_activations,
                            const std::map<std::string, int64_t>& unknown_activations) const {
  PromText t;
  render_requests(t);
  render_inventory(t, carriers);
  if (open_activations) render_activations(t, carriers, *open_activations, unknown_activations);
  if (change_feed.running.load(std::memory_order_relaxed)) render_change_feed(t);
  render_fleet(t);
  return t.take();
}

void Metrics::render_change_feed(PromText& t) const {
  const auto& f = change_feed;
  const auto load = [](const auto& v) { return v.load(std::memory_order_relaxed); };
  t.family("cgw_change_feed_position", "gauge",
           "The highest change (number_changes.seq) this instance's search index has read.");
  t.sample("cgw_change_feed_position", {}, load(f.position));
  t.family("cgw_change_feed_head", "gauge",
           "The highest change committed on the shared store, as of the last read.");
  t.sample("cgw_change_feed_head", {}, load(f.head));
  t.family("cgw_change_feed_lag_seconds", "gauge",
           "Seconds since the follower last read every committed change: the index reflects "
           "every hold committed before that (about 0.2 while the feed is healthy).");
  const int64_t at = load(f.caught_up_at_ms);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  t.sample("cgw_change_feed_lag_seconds", {},
           at == 0 ? 0.0 : static_cast<double>(std::max<int64_t>(now - at, 0)) / 1000.0);
  t.family("cgw_change_feed_changes_total", "counter",
           "Changes read from the feed and applied to the search index.");
  t.sample("cgw_change_feed_changes_total", {}, load(f.applied));
  t.family("cgw_change_feed_rebuilds_total", "counter",
           "Index rebuilds from the store because the follower fell behind the pruned feed.");
  t.sample("cgw_change_feed_rebuilds_total", {}, load(f.rebuilds));
  t.family("cgw_change_feed_errors_total", "counter",
           "Feed reads that failed (the database unreachable); the next read retries.");
  t.sample("cgw_change_feed_errors_total", {}, load(f.errors));
}

void Metrics::render_requests(PromText& t) const {
  t.family("cgw_http_requests_total", "counter",
           "HTTP requests answered by the API, by route class and status class.");
  for (size_t r = 0; r < kRouteCount; ++r)
    for (size_t c = 0; c < kStatusClasses; ++c)
      t.sample(
          "cgw_http_requests_total",
          {{"route", route_name(static_cast<Route>(r))}, {"status_class", kStatusClassNames[c]}},
          requests_[r][c].load(std::memory_order_relaxed));

  t.family("cgw_http_request_duration_seconds", "histogram",
           "Time from the request's arrival at the API to its answer, by route class.");
  for (size_t r = 0; r < kRouteCount; ++r) {
    const char* route = route_name(static_cast<Route>(r));
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kLatencyBucketsUs.size(); ++b) {
      cumulative += latency_[r][b].load(std::memory_order_relaxed);
      std::string le = "+Inf";
      if (b < kLatencyBucketsUs.size()) {
        le.clear();
        append_number(le, static_cast<double>(kLatencyBucketsUs[b]) / 1e6);
      }
      t.sample("cgw_http_request_duration_seconds_bucket", {{"route", route}, {"le", le}},
               cumulative);
    }
    t.sample("cgw_http_request_duration_seconds_sum", {{"route", route}},
             static_cast<double>(latency_sum_us_[r].load(std::memory_order_relaxed)) / 1e6);
    t.sample("cgw_http_request_duration_seconds_count", {{"route", route}}, cumulative);
  }
}

void Metrics::render_inventory(PromText& t, const std::vector<CarrierGauges>& carriers) const {
  std::map<std::string, SyncStats> sync;
  {
    std::lock_guard lock(sync_mu_);
    sync = sync_;
  }
  t.family("cgw_inventory_syncs_total", "counter",
           "Inventory sync passes finished, by carrier, kind (full, incremental) and outcome "
           "(ok, failed).");
  for (const auto& g : carriers) {
    const SyncStats s = sync.count(g.carrier) ? sync.at(g.carrier) : SyncStats{};
    for (size_t k = 0; k < 2; ++k) {
      t.sample("cgw_inventory_syncs_total",
               {{"carrier", g.carrier}, {"kind", kSyncKindNames[k]}, {"outcome", "ok"}}, s.ok[k]);
      t.sample("cgw_inventory_syncs_total",
               {{"carrier", g.carrier}, {"kind", kSyncKindNames[k]}, {"outcome", "failed"}},
               s.failed[k]);
    }
  }

  t.family("cgw_inventory_last_sync_timestamp_seconds", "gauge",
           "Unix time of the carrier's last good sync: full (from the store), incremental (in "
           "this process). Absent before the first.");
  for (const auto& g : carriers) {
    if (g.last_full_sync_ms)
      t.sample("cgw_inventory_last_sync_timestamp_seconds",
               {{"carrier", g.carrier}, {"kind", "full"}},
               static_cast<double>(*g.last_full_sync_ms) / 1e3);
    if (auto it = sync.find(g.carrier); it != sync.end() && it->second.last_incremental_ok_ms)
      t.sample("cgw_inventory_last_sync_timestamp_seconds",
               {{"carrier", g.carrier}, {"kind", "incremental"}},
               static_cast<double>(*it->second.last_incremental_ok_ms) / 1e3);
  }

  t.family("cgw_inventory_staleness_seconds", "gauge",
           "Seconds since the carrier's last good sync, full or incremental (GET /v1/carriers "
           "staleness_s). Absent before the first.");
  for (const auto& g : carriers)
    if (g.staleness_s)
      t.sample("cgw_inventory_staleness_seconds", {{"carrier", g.carrier}}, *g.staleness_s);

  t.family("cgw_inventory_available_numbers", "gauge",
           "Numbers of the carrier that search can return (in the index, not held, available).");
  for (const auto& g : carriers)
    if (g.available)
      t.sample("cgw_inventory_available_numbers", {{"carrier", g.carrier}}, *g.available);
}

void Metrics::render_activations(PromText& t, const std::vector<CarrierGauges>& carriers,
                                 int64_t open_activations,
                                 const std::map<std::string, int64_t>& unknown_activations) const {
  // Every carrier has a sample, 0 included: an alert on "> 0" needs the
  // series to exist.
  t.family("cgw_activations_unknown", "gauge",
           "Activations whose submit outcome is unknown: the line may be open. An operator "
           "resolves those the carrier cannot be asked about (docs/reliability.md).");
  for (const auto& g : carriers) {
    auto it = unknown_activations.find(g.carrier);
    t.sample("cgw_activations_unknown", {{"carrier", g.carrier}},
             it == unknown_activations.end() ? int64_t{0} : it->second);
  }
  t.family("cgw_activations_open", "gauge",
           "Activations not in a final status (pending, submitted or unknown).");
  t.sample("cgw_activations_open", {}, open_activations);
}

}  // namespace cgw::gw
