// cgw-conformance: what every check shares. The checks drive a plugin through
// the gateway's own plugin host (gateway/src/plugin_host.hpp): the same
// loader, host table, step loop and callback parsing the gateway runs.
#pragma once

#include "callback_listener.hpp"
#include "carriers/carrier.hpp"
#include "fault_proxy.hpp"

#include <cgw/types.hpp>

#include <yaml-cpp/yaml.h>
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::conformance {

namespace asio = boost::asio;
namespace json = boost::json;
using Awaitable = asio::awaitable<void>;

// Every check this kit knows, in the order it runs them. `--only` takes
// these names or a group prefix ("kyc", "transport").
const std::vector<std::string_view>& all_checks();

// Prints one line per check and counts verdicts. A check that `--only`
// leaves out still runs when a selected check needs its result, but is
// neither printed nor counted.
class Runner {
 public:
  explicit Runner(std::vector<std::string> only) : only_(std::move(only)) {}
  bool selected(std::string_view check) const;
  bool any_selected(std::string_view group) const;  // a check named group or group.*
  void pass(std::string_view check, std::string_view detail);
  void fail(std::string_view check, std::string_view detail);
  void skip(std::string_view check, std::string_view detail);
  // Outside what the plugin declares (a capability, a KYC outcome, a
  // trait): the check does not apply to this carrier. Never a failure.
  void not_applicable(std::string_view check, std::string_view detail);
  // pass or fail: an empty `problem` passes with `detail`.
  void verdict(std::string_view check, const std::string& problem, std::string_view detail);
  void print_summary() const;
  int failed() const { return failed_; }

 private:
  void line(std::string_view verdict, std::string_view check, std::string_view detail);
  std::vector<std::string> only_;
  int passed_ = 0, failed_ = 0, skipped_ = 0, not_applicable_ = 0;
};

struct Options {
  std::string plugin, settings_file, base_url, sim_admin;
  std::vector<std::string> only;
};

struct Suite {
  Suite(Runner& r, const Options& o, asio::any_io_executor ex,
        std::shared_ptr<gw::PluginLibrary> lib, YAML::Node s, CallbackListener& l, FaultProxy& px)
      : runner(r),
        options(o),
        executor(std::move(ex)),
        library(std::move(lib)),
        settings(std::move(s)),
        listener(l),
        proxy(px) {}

  Runner& runner;
  const Options& options;
  asio::any_io_executor executor;
  std::shared_ptr<gw::PluginLibrary> library;
  YAML::Node settings;  // the settings block, secret references resolved
  CallbackListener& listener;
  FaultProxy& proxy;                     // in front of options.base_url, for the transport checks
  std::unique_ptr<gw::Carrier> carrier;  // the instance under test

  // Learned along the way, for the checks that need them.
  bool plans_ran = false;
  std::optional<std::string> plan_id;
  std::string plan_problem;  // why plan_id is empty
  bool inventory_ran = false;
  std::vector<std::string> available;  // numbers the inventory lists as available
  std::string inventory_problem;
  // Names and ID numbers the checks sent, and where an error echoed one.
  std::vector<std::string> pii_sent;
  std::vector<std::string> pii_leaks;
  // The line the kit's activation order opened (activation.query saw it
  // activated): the after-sales checks act on it. Empty with `line_problem`.
  struct Line {
    std::string msisdn, owner_id, plan_id, gateway_order_id, carrier_order_id, plugin_data;
  };
  std::optional<Line> line;
  std::string line_problem = "no activation order was placed";
  // Each distinct status activation.query reported for that order, in the
  // order seen (lifecycle.forward judges it).
  std::vector<ActivationStatusOutput> trail;

  bool has(uint64_t cap) const { return (library->table->capabilities & cap) == cap; }
  // Whether any check of these groups is selected (after-sales needs an order).
  bool needs_line() const;
  // The plugin's ABI 1.2 declarations (the defaults for an older table).
  bool reports_kyc(uint64_t outcome) const { return (library->kyc_outcomes & outcome) != 0; }
  bool finds_order_by_gateway_id() const {
    return (library->traits & CGW_TRAIT_FINDS_ORDER_BY_GATEWAY_ID) != 0;
  }
  std::string callback_url() const;
};

// A carrier configuration for `suite`'s plugin against `base_url`.
gw::CarrierConfig carrier_config(const Suite& suite, const std::string& base_url,
                                 std::chrono::milliseconds request_timeout);
// Creates an instance; on refusal returns nullptr and sets `why`.
std::unique_ptr<gw::Carrier> make_carrier(const Suite& suite, gw::CarrierConfig config,
                                          std::string& why);

// One operation through Carrier::run, the gateway's step loop. An error
// message or carrier code that echoes personal data the suite sent is
// recorded in pii_leaks and masked before anyone prints it.
asio::awaitable<gw::OperationResult> run_op(Suite& suite, gw::Carrier& carrier,
                                            std::string operation, json::value input);
Awaitable sleep_ms(int64_t ms);
int64_t now_ms();

// "CODE retryable outcome_unknown: message" for logs and details.
std::string describe(const gw::OperationResult& o);
// Empty when `o` is a FAIL with `code` and the flags wanted (nullopt: either).
std::string expect_error(const gw::OperationResult& o, std::string_view code,
                         std::optional<bool> retryable, std::optional<bool> outcome_unknown);

// The result as T, or nullopt with `why` (a type mismatch is a failure:
// the gateway reads results with the same conversions).
template <class T>
std::optional<T> typed(const gw::OperationResult& o, std::string& why) {
  if (!o.ok()) {
    why = "failed: " + describe(o);
    return std::nullopt;
  }
  try {
    return json::value_to<T>(o.value());
  } catch (const std::exception& e) {
    why = std::string("result does not match the v1 schema: ") + e.what();
    return std::nullopt;
  }
}

// Operation inputs. Built by plain functions, not inline in a co_await
// expression: GCC 12 rejects an initializer list there ("array used as
// initializer").
json::object query_input(const std::string& gateway_order_id, const std::string& carrier_order_id,
                         const std::string& plugin_data = {});
json::object submit_input(const std::string& order_id, const std::string& msisdn,
                          const std::string& plan_id, const std::string& reservation,
                          const std::string& id_number);

// A fresh id with a recognisable prefix, e.g. "conf_act_3f9a...".
std::string fresh_id(std::string_view prefix);

// GET or POST to the simulator's admin API (`options.sim_admin`).
struct AdminReply {
  bool ok = false;  // transport OK
  int status = 0;
  json::value body;  // null when not JSON
  std::string error;
};
asio::awaitable<AdminReply> admin_call(const Suite& suite, std::string method, std::string path,
                                       std::string body = {});

// Holds `msisdn` for a later check (number.reserve); nullopt with `why`.
// `input`: the number.reserve input to send (default: reserve_input(msisdn)).
asio::awaitable<std::optional<ReserveOutput>> hold_number(Suite& suite, std::string msisdn,
                                                          std::string& why,
                                                          json::object input = {});
// Best-effort number.release of a hold a check no longer needs.
Awaitable release_hold(Suite& suite, std::string msisdn, std::string carrier_reservation_id);

// The check groups, in run order. check_plans and check_inventory run once;
// later groups call them again for their results.
Awaitable check_instance(Suite& suite);     // create, create.*, unsupported_operation
Awaitable check_plans(Suite& suite);        // plans.list
Awaitable check_inventory(Suite& suite);    // inventory.sync
Awaitable check_reserve(Suite& suite);      // number.*
Awaitable check_change_feed(Suite& suite);  // inventory.changes.*
Awaitable check_kyc(Suite& suite);          // kyc.*
Awaitable check_activation(Suite& suite);   // activation.*, callback.*
Awaitable check_lifecycle(Suite& suite);    // lifecycle.*, cancel.*
Awaitable check_subscriber(
    Suite& suite);  // subscriber.*, recharge.*, suspend.*, resume.*, sim_replace.*
Awaitable check_transport(Suite& suite);   // transport.*
Awaitable check_sim_faults(Suite& suite);  // fault.*
void check_no_pii(Suite& suite);           // errors.no_pii
// subscriber.status_event: the events the carrier sent about `msisdn`.
Awaitable check_status_event(Suite& suite, std::string msisdn);

}  // namespace cgw::conformance
