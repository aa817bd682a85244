// Faults injected into a carrier simulator's replies, per carrier operation
// (CarrierSimulator::operation_of, or "*" for every operation), so tests can
// steer a simulator into every failure a real carrier shows. Rules come from
// the admin API (/admin/faults) or the sim YAML (`faults:`); SimInstance
// applies them around the carrier's handler, never to /admin paths.
//
// Kinds:
//   latency         wait latency_ms, then serve normally
//   http_status     answer `status` with a short JSON body
//   business_error  answer CarrierSimulator::business_error(req, code)
//   timeout         answer nothing; close the connection after hold_ms
//   reset           close the connection at once, without an answer
//   malformed       answer 200 with a truncated (invalid) body
// With after_serve the request is served first (its side effects happen)
// and then the reply is replaced, lost or garbled: the "did my lock go
// through?" case of a real network.
#pragma once

#include "cgw/sim/correlation.hpp"
#include "cgw/sim/schedule.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::sim {

enum class FaultKind { kLatency, kHttpStatus, kBusinessError, kTimeout, kReset, kMalformed };
const char* to_string(FaultKind kind);  // latency, http_status, business_error, ...

inline constexpr int64_t kMaxFaultLatencyMs = 60'000;
inline constexpr int64_t kMaxFaultHoldMs = 60'000;
inline constexpr size_t kMaxFaultRules = 100;

// Which calls of its operation a rule applies to (all when empty). Every
// set condition must hold: the call's msisdn, its partner or carrier order
// id (CarrierSimulator::correlate), request headers (name case-insensitive,
// value exact) and request fields (request_field: a JSON key or dotted
// path, a form parameter, an XML element, or a query parameter).
struct FaultMatch {
  std::string msisdn;
  std::string order_id;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> body;
  bool empty() const {
    return msisdn.empty() && order_id.empty() && headers.empty() && body.empty();
  }
};

// A call as a FaultMatch sees it.
struct MatchSubject {
  Correlation correlation;
  std::function<std::optional<std::string>(std::string_view)> header;
  std::function<std::optional<std::string>(std::string_view)> field;
};

// "" or what is wrong with a rule's "match" object (fault_match.cpp).
std::string fault_match_from_json(const boost::json::value& v, FaultMatch& out);
boost::json::object to_json(const FaultMatch& match);
bool fault_match_holds(const FaultMatch& match, const MatchSubject& subject);

struct FaultRule {
  std::string id;               // "f1", "f2" ... given when added
  std::string operation = "*";  // an operation name, or "*"
  FaultKind kind = FaultKind::kHttpStatus;
  int64_t latency_ms = 0;                // latency
  int http_status = 503;                 // http_status
  std::optional<int64_t> retry_after_s;  // http_status: a Retry-After header
  std::string code;                      // business_error
  int64_t hold_ms = kMaxFaultHoldMs;     // timeout
  bool after_serve = false;              // http_status, timeout, reset, malformed
  std::optional<uint64_t> seed;          // probability draws; default from the simulator seed
  Schedule schedule;
  FaultMatch match;  // first/every/probability count matching calls only
};

struct FaultRuleStatus {
  FaultRule rule;
  uint64_t seen = 0;   // matching calls of its operation since it was set
  uint64_t fired = 0;  // of which it faulted
};

struct FaultRulesParse {
  std::vector<FaultRule> rules;
  std::string error;  // "" when valid
  bool ok() const { return error.empty(); }
};

// One rule object, an array of them, or {"faults":[...]}.
FaultRulesParse fault_rules_from_json(const boost::json::value& v);
boost::json::object to_json(const FaultRuleStatus& status);

// "" when every rule's operation is "*" or one of `operations` (or when
// `operations` is empty: not declared); else what is wrong, naming the
// rule and listing the valid names. A rule for a name the carrier never
// uses would be accepted and never fire.
std::string check_operations(const std::vector<FaultRule>& rules,
                             const std::vector<std::string>& operations);

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed) : seed_(seed) {}

  // Appends the rules and gives them ids; "" or what is wrong (too many).
  std::string add(std::vector<FaultRule>& rules);
  bool remove(std::string_view id);
  void clear();
  std::vector<FaultRuleStatus> rules() const;
  // The number the next rule added gets ("f<n>").
  uint64_t next_id() const;
  // For a saved namespace: replaces the rules by `saved` (ids and counters
  // as they were) and each rule's draw stream goes on after `seen` draws,
  // as it would have; "" or what is wrong (an id not of the form f<n>).
  std::string restore(const std::vector<FaultRuleStatus>& saved, uint64_t next_id);

  // The first rule (in the order added) that fires for a call of
  // `operation` at simulated time `now_ms`. Every rule for the operation
  // whose match holds counts the call and draws, whether or not it or an
  // earlier rule fires, so one rule's schedule does not depend on the
  // others. Without a subject, a rule with a match never applies.
  std::optional<FaultRule> decide(std::string_view operation, int64_t now_ms,
                                  const MatchSubject* subject = nullptr);

 private:
  struct Entry {
    FaultRuleStatus status;
    DrawStream draws;
  };
  const uint64_t seed_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::vector<Entry> entries_;
};

}  // namespace cgw::sim
