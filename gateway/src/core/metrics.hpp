// GET /metrics: the gateway's Prometheus metrics in the text exposition
// format 0.0.4 (docs/metrics.md lists every metric).
//
// Requests and sync outcomes are counted as they happen: requests with
// relaxed atomics only (no lock on the request path), sync outcomes under a
// mutex (a few per carrier a minute). Inventory gauges are read at scrape
// time from the store and the search index, the same way GET /v1/carriers
// reads them. Labels are route classes, status classes, carrier ids and
// sync kinds: never a number, a name, an ID number or an object id.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::gw {

// The scope a key must list to read GET /metrics (never implied).
inline constexpr const char* kMetricsScope = "metrics:read";
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Builds a text exposition: one family (HELP, TYPE) then its samples.
class PromText {
 public:
  using Label = std::pair<std::string_view, std::string_view>;
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void sample(std::string_view name, std::initializer_list<Label> labels, int64_t value);
  std::string take() { return std::move(out_); }

 private:
  void labels(std::initializer_list<Label> labels);
  template <class Int>
  void integer_sample(std::string_view name, std::initializer_list<Label> labels, Int value);
  std::string out_;
};

// What a scrape reads per carrier (nullopt: not known yet; no sample).
struct CarrierGauges {
  std::string carrier;
  std::optional<int64_t> staleness_s;        // as GET /v1/carriers staleness_s
  std::optional<int64_t> last_full_sync_ms;  // from the store
  std::optional<int64_t> available;          // numbers the search index can return
};

// The change feed follower's state (inventory/change_feed.hpp), written by
// the follower, read at scrape time. Rendered only once a follower runs
// (a store shared by several instances).
struct ChangeFeedStats {
  std::atomic<bool> running{false};
  std::atomic<int64_t> position{0};  // the highest seq read
  std::atomic<int64_t> head{0};      // the highest seq committed, at the last read
  // Steady-clock ms of the last read that reached the head: everything
  // committed before it is in the index.
  std::atomic<int64_t> caught_up_at_ms{0};
  std::atomic<uint64_t> applied{0}, rebuilds{0}, errors{0};
};

class Metrics {
 public:
  ChangeFeedStats change_feed;  // written by the follower

  // Route classes: the label of the request metrics.
  enum Route : uint8_t {
    kHealth,
    kMetrics,
    kCarriers,
    kPlans,
    kNumbers,
    kReservations,
    kKyc,
    kActivations,
    kCallbacks,
    kOther,
    kRouteCount
  };
  static const char* route_name(Route r);
  // The route class of a request target ("/v1/numbers?carrier=mobile").
  static Route route_of(std::string_view target);
  // Upper bounds of the latency histogram, in microseconds.
  static constexpr std::array<uint64_t, 14> kLatencyBucketsUs = {
      500,     1'000,   2'500,   5'000,     10'000,    25'000,    50'000,
      100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};

  // One answered request. Lock-free.
  void observe_request(Route route, int http_status, std::chrono::microseconds latency);

  enum SyncKind : uint8_t { kFull, kIncremental };
  // One finished sync pass of `carrier`.
  void observe_sync(const std::string& carrier, SyncKind kind, bool ok, int64_t now_ms);

  // The fleet (docs/reliability.md "Instances that share work"): whether
  // this instance holds each lease it competes for, how many instances are
  // alive, and what it recovered of dead instances' work.
  void set_lease_held(const std::string& lease, bool held);
  void set_live_instances(int64_t n) { live_instances_.store(n, std::memory_order_relaxed); }
  void count_recovered(int64_t keys, int64_t reservations, int64_t activations);

  // The exposition: counters, then the gauges given.
  // `unknown_activations`: per carrier, activations whose outcome is
  // unknown (a carrier absent has none); rendered with the open count.
  std::string render(const std::vector<CarrierGauges>& carriers,
                     std::optional<int64_t> open_activations,
                     const std::map<std::string, int64_t>& unknown_activations = {}) const;

 private:
  void render_requests(PromText& t) const;
  void render_change_feed(PromText& t) const;
  void render_inventory(PromText& t, const std::vector<CarrierGauges>& carriers) const;
  void render_activations(PromText& t, const std::vector<CarrierGauges>& carriers,
                          int64_t open_activations,
                          const std::map<std::string, int64_t>& unknown_activations) const;
  static constexpr size_t kStatusClasses = 5;  // 1xx .. 5xx
  std::array<std::array<std::atomic<uint64_t>, kStatusClasses>, kRouteCount> requests_{};
  // Per route: one count per bucket (not cumulative), the last is +Inf.
  std::array<std::array<std::atomic<uint64_t>, kLatencyBucketsUs.size() + 1>, kRouteCount>
      latency_{};
  std::array<std::atomic<uint64_t>, kRouteCount> latency_sum_us_{};

  struct SyncStats {
    std::array<uint64_t, 2> ok{}, failed{};         // by SyncKind
    std::optional<int64_t> last_incremental_ok_ms;  // in this process
  };
  void render_fleet(PromText& t) const;
  mutable std::mutex fleet_mu_;
  std::map<std::string, bool> leases_;  // fleet_mu_
  std::atomic<int64_t> live_instances_{1};
  std::array<std::atomic<uint64_t>, 3> recovered_{};  // keys, reservations, activations
  mutable std::mutex sync_mu_;
  std::map<std::string, SyncStats> sync_;  // sync_mu_
};

}  // namespace cgw::gw
