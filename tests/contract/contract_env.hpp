// The API contract test (tests/contract/README.md): the real cgw-sim (all
// four carriers) and cgw-gateway on ephemeral 127.0.0.1 ports, and two
// Prism proxies in front of the gateway, both validating every answer
// against docs/openapi.yaml:
//  - strict: `prism proxy --errors`. For requests the description allows.
//    Any violation, of the request or of the answer, turns the answer into
//    Prism's own error, so the status a test expects is not what it gets.
//  - lenient: `prism proxy` without --errors. Only for requests that break
//    the description on purpose (no key, a missing header, a body the
//    schema refuses, an unknown route or method), which the strict proxy
//    would answer itself instead of forwarding. Violations of the request
//    are expected there; any violation of the answer fails the test.
// And a second gateway whose mobile holds last seconds (kShortHoldS), with
// its own strict proxy, for 422 RESERVATION_EXPIRED: the holds of the
// first last the usual 30 minutes.
#pragma once

#include "http.hpp"
#include "process.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace cgw::contract {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline const std::string kKey = "contract-tenant-key";          // every tenant scope
inline const std::string kMetricsKey = "contract-metrics-key";  // metrics:read only
inline const std::string kReadOnlyKey = "contract-read-key";    // inventory:read only
inline const std::string kRateKey = "contract-rate-key";        // tenant with 1 request burst
inline const std::string kKycQuotaKey = "contract-kyc-key";     // tenant with 1 KYC burst
inline const std::vector<std::string> kCarriers = {"mobile", "unicom", "telecom", "mvno"};
// The hold of the short-hold gateway's mobile reservations, in seconds.
inline constexpr int kShortHoldS = 2;

struct Env {
  std::filesystem::path dir;
  cgw::test::Process sim, gateway, strict_prism, lenient_prism;
  uint16_t gw_port = 0, strict_port = 0, lenient_port = 0;
  boost::json::object sim_ports;  // carrier -> port of its simulator
  // The short-hold gateway (mobile only, on the simulator namespace
  // /ns/short) and its strict proxy.
  cgw::test::Process short_gateway, short_prism;
  uint16_t short_gw_port = 0, short_port = 0;
};
Env& env();

// A request through the strict proxy: fails the test on any violation
// Prism reports. `key` empty: no Authorization header.
cgw::test::HttpResult call(const std::string& method, const std::string& target,
                           const std::string& body = {}, Headers headers = {},
                           const std::string& key = kKey);
// A request that breaks the description on purpose, through the lenient
// proxy: fails the test on any violation of the answer.
cgw::test::HttpResult call_invalid(const std::string& method, const std::string& target,
                                   const std::string& body = {}, Headers headers = {},
                                   const std::string& key = kKey);
// The same through the short-hold gateway's strict proxy.
cgw::test::HttpResult call_short_hold(const std::string& method, const std::string& target,
                                      const std::string& body = {}, Headers headers = {});
// Straight to a simulator's admin API (faults, clock), not through Prism.
cgw::test::HttpResult sim_admin(const std::string& carrier, const std::string& method,
                                const std::string& target, const std::string& body = {});

// Expects an error answer with this status and code.
void expect_error(const cgw::test::HttpResult& r, int status, const std::string& code);

// A number of `carrier` that is offered now (searched through the strict
// proxy); empty when none.
std::string free_number(const std::string& carrier);

}  // namespace cgw::contract
