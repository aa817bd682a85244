// Error-mapping probes shared by the transport checks (local misbehaving
// carriers) and the fault checks (the simulator's fault API): one read and
// every declared write, judged by what docs/sdk.md sections 11-12 require.
#pragma once

#include "suite.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cgw::conformance {

// What each probe must answer against one kind of trouble (nullopt: either).
struct Rule {
  std::vector<std::string> codes;  // any of these
  std::optional<bool> retryable;
  std::optional<bool> unknown_reads, unknown_writes;
  std::optional<bool> unknown_submit;  // activation.submit, when stricter than writes
};

// Nothing left: retryable, never outcome_unknown.
inline const Rule kNotSentRule{{"CARRIER_UNAVAILABLE"}, true, false, false, std::nullopt};
// No answer in time: retryable, outcome_unknown for writes.
inline const Rule kTimeoutRule{{"CARRIER_TIMEOUT"}, true, std::nullopt, true, std::nullopt};
// Connection reset or truncated: like a timeout.
inline const Rule kBrokenRule{
    {"CARRIER_TIMEOUT", "CARRIER_UNAVAILABLE"}, true, std::nullopt, true, std::nullopt};
// 5xx: retryable; outcome_unknown for activation.submit (a proxy may answer
// 502 after the carrier committed).
inline const Rule k5xxRule{{"CARRIER_UNAVAILABLE"}, true, std::nullopt, std::nullopt, true};
// Not the protocol: CARRIER_BAD_RESPONSE, outcome_unknown for writes.
inline const Rule kBadReplyRule{
    {"CARRIER_BAD_RESPONSE"}, std::nullopt, std::nullopt, true, std::nullopt};

// Sets up the trouble once the instance is warm; "" or what went wrong.
using Arm = std::function<asio::awaitable<std::string>()>;

// A fresh instance against `base_url` (the gateway's retries off, `timeout`
// per request) first runs one read and ignores it, so a plugin that fetches
// a token or session first has it cached and each probe's first request is
// the business call; then `arm`; then every probe, reported as `check`.
Awaitable run_probes(Suite& suite, std::string check, std::string base_url, Rule rule,
                     std::chrono::milliseconds timeout, Arm arm);
// One read the plugin declares, its outcome ignored (see run_probes).
Awaitable warm_up(Suite& suite, gw::Carrier& carrier);
// The simulator's fault API (POST <sim-admin>/admin/faults): installs one
// rule (JSON text) for every carrier operation; "" or what went wrong.
asio::awaitable<std::string> inject(Suite& suite, std::string rule_json);
Awaitable clear_faults(Suite& suite);
// "" when the fault API answers, else why the fault checks cannot run.
asio::awaitable<std::string> fault_api_absent(Suite& suite);

// Whether the plugin declares any operation a probe can use.
bool has_probes(const Suite& suite);

}  // namespace cgw::conformance
