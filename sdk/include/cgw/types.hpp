// Typed inputs and outputs of every v1 operation, with Boost.JSON conversions.
// The gateway and plugins exchange these as JSON across the C ABI; both sides
// use these structs so the field names live in exactly one place.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cgw {

namespace json = boost::json;

// Operation names (the `operation` argument of start()).
namespace op {
inline constexpr const char* kPlansList = "plans.list";
inline constexpr const char* kInventorySync = "inventory.sync";
inline constexpr const char* kNumberReserve = "number.reserve";
inline constexpr const char* kNumberRelease = "number.release";
inline constexpr const char* kKycVerify = "kyc.verify";
inline constexpr const char* kActivationSubmit = "activation.submit";
inline constexpr const char* kActivationQuery = "activation.query";
// ABI 1.3, after-sales (each behind its capability bit).
inline constexpr const char* kActivationCancel = "activation.cancel";
inline constexpr const char* kSubscriberQuery = "subscriber.query";
inline constexpr const char* kSubscriberRecharge = "subscriber.recharge";
inline constexpr const char* kSubscriberRechargeQuery = "subscriber.recharge_query";
inline constexpr const char* kSubscriberSimReplace = "subscriber.sim_replace";
inline constexpr const char* kSubscriberSuspend = "subscriber.suspend";
inline constexpr const char* kSubscriberResume = "subscriber.resume";
}  // namespace op

namespace detail {
template <class T>
void get_to(const json::object& o, const char* key, T& out) {
  if (auto* v = o.if_contains(key); v && !v->is_null()) out = json::value_to<T>(*v);
}
template <class T>
void get_to(const json::object& o, const char* key, std::optional<T>& out) {
  if (auto* v = o.if_contains(key); v && !v->is_null()) out = json::value_to<T>(*v);
}
template <class T>
void put_field(json::object& o, const char* key, const T& v) {
  o[key] = json::value_from(v);
}
// Optional members are left out when empty rather than written as null.
template <class T>
void put_field(json::object& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = json::value_from(*v);
}
}  // namespace detail

// JSON conversions of the structs below, from their Boost.Describe member
// lists (any number of members). Reading is lenient about absent members
// (they keep their defaults) and strict about types (a wrong type throws,
// which the boundary turns into an error). Boost.JSON prefers these
// tag_invoke overloads to its own conversion of described structs, which
// would require every member and write empty optionals as null.
template <class T, class = std::enable_if_t<boost::describe::has_describe_members<T>::value>>
void tag_invoke(json::value_from_tag, json::value& jv, const T& x) {
  auto& o = jv.emplace_object();
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto m) { detail::put_field(o, m.name, x.*m.pointer); });
}
template <class T, class = std::enable_if_t<boost::describe::has_describe_members<T>::value>>
T tag_invoke(json::value_to_tag<T>, const json::value& jv) {
  T x{};
  const auto& o = jv.as_object();
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto m) { detail::get_to(o, m.name, x.*m.pointer); });
  return x;
}

// The normalized states and verdicts, as enums whose wire names are the
// enumerator names (Boost.Describe). They grow only at the end. A string
// outside an enum fails the conversion (std::invalid_argument), which the
// dispatcher turns into CARRIER_BAD_RESPONSE in a plugin and the gateway
// into CARRIER_BAD_RESPONSE when a plugin's answer carries it.

// A number's state at the carrier.
enum class NumberState { available, reserved, sold };
BOOST_DESCRIBE_ENUM(NumberState, available, reserved, sold)

// A real-name (KYC) verdict; review: a person at the carrier decides later.
enum class KycResult { passed, rejected, review };
BOOST_DESCRIBE_ENUM(KycResult, passed, rejected, review)

// A carrier order's status. The lifecycle runs forward only:
//   submitted -> reviewing -> shipped -> delivered -> activated -> first_topup
// and ends early in failed (refused before shipping), cancelled (at the
// partner's or subscriber's request, before shipping) or returned (the card
// came back undelivered). Each carrier reports its subset; a carrier without
// CGW_CAP_FULFILMENT reports submitted, activated and failed only (ABI 1.2).
enum class OrderStatus {
  submitted,
  activated,
  failed,
  // ABI 1.3 (CGW_CAP_FULFILMENT)
  reviewing,    // manual real-name review at the carrier
  shipped,      // handed to a courier: courier and waybill set
  delivered,    // signed for by the subscriber
  first_topup,  // the subscriber's first top-up: amount_fen set
  cancelled,    // final
  returned      // final: the card came back
};
BOOST_DESCRIBE_ENUM(OrderStatus, submitted, activated, failed, reviewing, shipped, delivered,
                    first_topup, cancelled, returned)

// A line's state at the carrier (subscriber.query and "subscriber.status"
// events, ABI 1.3).
enum class SubscriberStatus { active, suspended, cancelled };
BOOST_DESCRIBE_ENUM(SubscriberStatus, active, suspended, cancelled)

// The carrier's verdict on a cancellation (activation.cancel).
enum class CancelResult { cancelled, refused };
BOOST_DESCRIBE_ENUM(CancelResult, cancelled, refused)

// A top-up's outcome. not_found only in subscriber.recharge_query: the
// carrier never received the top-up, so it is safe to send it again.
enum class RechargeResult { succeeded, failed, not_found };
BOOST_DESCRIBE_ENUM(RechargeResult, succeeded, failed, not_found)

// The wire name of an enumerator ("" for a value outside the enum).
template <class E, std::enable_if_t<boost::describe::has_describe_enumerators<E>::value, int> = 0>
std::string_view wire_name(E e) {
  std::string_view name;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (d.value == e) name = d.name;
  });
  return name;
}

// The enumerator a wire name names; nullopt for any other string.
template <class E, std::enable_if_t<boost::describe::has_describe_enumerators<E>::value, int> = 0>
std::optional<E> from_wire_name(std::string_view name) {
  std::optional<E> found;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (name == d.name) found = d.value;
  });
  return found;
}

template <class E, std::enable_if_t<boost::describe::has_describe_enumerators<E>::value, int> = 0>
void tag_invoke(json::value_from_tag, json::value& jv, E e) {
  jv = wire_name(e);
}
template <class E, std::enable_if_t<boost::describe::has_describe_enumerators<E>::value, int> = 0>
E tag_invoke(json::value_to_tag<E>, const json::value& jv) {
  if (!jv.is_string()) throw std::invalid_argument("a status or result is not a string");
  const std::string_view s = jv.get_string();
  if (auto e = from_wire_name<E>(s)) return *e;
  // The value is a carrier's status word, never personal data; cut to
  // keep a hostile answer out of the logs.
  throw std::invalid_argument("unknown value '" + std::string(s.substr(0, 32)) + "'");
}

struct Plan {
  std::string plan_id;
  std::string name;
  int64_t monthly_fee_fen = 0;
  int64_t data_mb = 0;
  int64_t voice_minutes = 0;
};

struct PlansListOutput {
  std::vector<Plan> plans;
};

struct InventorySyncInput {
  std::string cursor;  // empty: from the beginning
  int64_t page_size = 1000;
  // Empty: a full listing, paged with `cursor`. Otherwise an incremental
  // sync: the numbers whose state changed after this change position (a
  // change_cursor of an earlier reply); `cursor` is then unused.
  std::string since;
};

struct NumberItem {
  std::string msisdn;
  std::string province;
  std::string city;
  int64_t price_fen = 0;
  NumberState status = NumberState::available;
  std::optional<int64_t> carrier_grade;
  // The network the line runs on: mobile | unicom | telecom. MVNOs name
  // their host per number; absent means the carrier's own network.
  std::optional<std::string> host_network;
};

struct InventorySyncOutput {
  std::vector<NumberItem> items;
  std::string next_cursor;
  bool has_more = false;
  // The carrier's change position as of this page: pass it as `since` to
  // fetch what changed after it. Empty: the carrier has no change feed, so
  // the gateway only runs full syncs.
  std::string change_cursor;
  // How many numbers the full listing has, when the carrier says (progress).
  std::optional<int64_t> total;
};

struct ReserveInput {
  std::string msisdn;
  std::string gateway_reservation_id;
  int64_t hold_seconds = 0;  // 0: the carrier's default
};

struct ReserveOutput {
  std::string carrier_reservation_id;
  int64_t expires_at_ms = 0;  // Unix ms, as the carrier said
};

struct ReleaseInput {
  std::string msisdn;
  std::string carrier_reservation_id;
};

struct ReleaseOutput {
  bool released = true;
};

struct KycVerifyInput {
  std::string name;
  std::string id_number;
  std::optional<std::string> portrait_b64;
};

struct KycVerifyOutput {
  // Absent in an answer: the gateway takes it as CARRIER_BAD_RESPONSE (no
  // verdict is safe to assume).
  std::optional<KycResult> result;
  std::vector<std::string> reasons;
  std::string carrier_ref;
};

struct Delivery {
  std::string name;
  std::string phone;
  std::string address;
};

struct ActivationSubmitInput {
  std::string gateway_order_id;  // unique; the carrier deduplicates on it
  std::string msisdn;
  std::string plan_id;
  std::string carrier_reservation_id;
  std::string name;
  std::string id_number;
  Delivery delivery;
};

// Carrier-side order status, normalized.
struct ActivationStatusOutput {
  std::string carrier_order_id;
  OrderStatus status = OrderStatus::submitted;
  std::string reason;  // failure code when failed
  // Opaque per-order data (at most kMaxPluginDataBytes) the gateway stores
  // durably with the order and hands back in every later operation for it
  // (ActivationQueryInput::plugin_data), e.g. a carrier order number or
  // session the carrier's later calls need. Absent: the stored data stays.
  std::optional<std::string> plugin_data;
  // ABI 1.3, with the statuses they belong to: shipped (courier company and
  // waybill number) and first_topup (the amount, in fen). Initialized, so
  // that designated initializers written for 1.2 stay free of
  // -Wmissing-field-initializers.
  std::optional<std::string> courier = std::nullopt;
  std::optional<std::string> waybill = std::nullopt;
  std::optional<int64_t> amount_fen = std::nullopt;
};

struct ActivationQueryInput {
  std::string gateway_order_id;
  std::string carrier_order_id;  // may be empty if the submit's answer was lost
  std::string plugin_data;       // what the plugin last returned for the order
};

// The largest plugin_data the gateway stores (bytes).
inline constexpr size_t kMaxPluginDataBytes = 4096;

// ABI 1.3, after-sales inputs and outputs (docs/sdk.md, "After-sales
// operations"). Amounts are in fen.

struct ActivationCancelInput {
  std::string gateway_order_id;
  std::string carrier_order_id;  // may be empty if the submit's answer was lost
  std::string plugin_data;
  std::string reason;  // the partner's reason code, e.g. "customer_request"
};

struct ActivationCancelOutput {
  // Absent in an answer: CARRIER_BAD_RESPONSE (outcome unknown).
  std::optional<CancelResult> result;
  std::string reason;  // why refused, e.g. "already_shipped"
};

struct SubscriberQueryInput {
  std::string msisdn;
};

struct SubscriberInfo {
  std::optional<SubscriberStatus> status;  // absent in an answer: bad response
  std::string plan_id;
  int64_t balance_fen = 0;
  std::optional<int64_t> data_left_mb;
  std::optional<int64_t> voice_left_minutes;
  std::string reason;  // why suspended or cancelled, when the carrier says
};

struct RechargeInput {
  std::string gateway_recharge_id;  // unique; the carrier deduplicates on it
  std::string msisdn;
  int64_t amount_fen = 0;
};

struct RechargeQueryInput {
  std::string gateway_recharge_id;
  std::string msisdn;
};

// The answer of subscriber.recharge and subscriber.recharge_query.
struct RechargeOutput {
  std::optional<RechargeResult> result;  // absent in an answer: bad response
  std::string carrier_recharge_id;
  std::string reason;                  // why failed
  std::optional<int64_t> balance_fen;  // after the top-up, when the carrier says
};

// A new SIM for the same number. The carrier checks the holder against the
// number's registered owner (IDENTITY_MISMATCH when they differ) and answers
// an order (ActivationStatusOutput) that activation.query then tracks with
// gateway_order_id = gateway_replacement_id.
struct SimReplaceInput {
  std::string gateway_replacement_id;  // unique; the carrier deduplicates on it
  std::string msisdn;
  std::string name;
  std::string id_number;
  std::string reason;  // lost | damaged
  Delivery delivery;
};

// subscriber.suspend and subscriber.resume. Answered with SubscriberInfo
// (status at least). Suspending a suspended line or resuming an active one
// is not an error.
struct SubscriberChangeInput {
  std::string gateway_request_id;  // unique per request
  std::string msisdn;
  std::string reason;  // lost_phone | holder_request | ...
};

// Callback event. type "activation.status" (an order's status; also a SIM
// replacement's, by its gateway_order_id) or, from ABI 1.3,
// "subscriber.status" (a line suspended or resumed, including carrier-
// initiated suspensions pending re-verification): msisdn and
// subscriber_status set, the order members unused.
struct CallbackEvent {
  std::string type = "activation.status";
  std::string event_id;
  std::string carrier_order_id;
  std::string gateway_order_id;
  OrderStatus status = OrderStatus::submitted;
  std::string reason;
  int64_t occurred_at_ms = 0;
  // ABI 1.3
  std::optional<std::string> courier = std::nullopt;
  std::optional<std::string> waybill = std::nullopt;
  std::optional<int64_t> amount_fen = std::nullopt;
  std::optional<std::string> msisdn = std::nullopt;
  std::optional<SubscriberStatus> subscriber_status = std::nullopt;
};

// Event types.
namespace event {
inline constexpr const char* kActivationStatus = "activation.status";
inline constexpr const char* kSubscriberStatus = "subscriber.status";
}  // namespace event

// The member lists: the JSON field names, in wire order.
#define CGW_JSON_STRUCT(T, ...) BOOST_DESCRIBE_STRUCT(T, (), (__VA_ARGS__))

CGW_JSON_STRUCT(Plan, plan_id, name, monthly_fee_fen, data_mb, voice_minutes)
CGW_JSON_STRUCT(PlansListOutput, plans)
CGW_JSON_STRUCT(InventorySyncInput, cursor, page_size, since)
CGW_JSON_STRUCT(NumberItem, msisdn, province, city, price_fen, status, carrier_grade, host_network)
CGW_JSON_STRUCT(InventorySyncOutput, items, next_cursor, has_more, change_cursor, total)
CGW_JSON_STRUCT(ReserveInput, msisdn, gateway_reservation_id, hold_seconds)
CGW_JSON_STRUCT(ReserveOutput, carrier_reservation_id, expires_at_ms)
CGW_JSON_STRUCT(ReleaseInput, msisdn, carrier_reservation_id)
CGW_JSON_STRUCT(ReleaseOutput, released)
CGW_JSON_STRUCT(KycVerifyInput, name, id_number, portrait_b64)
CGW_JSON_STRUCT(KycVerifyOutput, result, reasons, carrier_ref)
CGW_JSON_STRUCT(Delivery, name, phone, address)
CGW_JSON_STRUCT(ActivationSubmitInput, gateway_order_id, msisdn, plan_id, carrier_reservation_id,
                name, id_number, delivery)
CGW_JSON_STRUCT(ActivationStatusOutput, carrier_order_id, status, reason, plugin_data, courier,
                waybill, amount_fen)
CGW_JSON_STRUCT(ActivationQueryInput, gateway_order_id, carrier_order_id, plugin_data)
CGW_JSON_STRUCT(CallbackEvent, type, event_id, carrier_order_id, gateway_order_id, status, reason,
                occurred_at_ms, courier, waybill, amount_fen, msisdn, subscriber_status)
CGW_JSON_STRUCT(ActivationCancelInput, gateway_order_id, carrier_order_id, plugin_data, reason)
CGW_JSON_STRUCT(ActivationCancelOutput, result, reason)
CGW_JSON_STRUCT(SubscriberQueryInput, msisdn)
CGW_JSON_STRUCT(SubscriberInfo, status, plan_id, balance_fen, data_left_mb, voice_left_minutes,
                reason)
CGW_JSON_STRUCT(RechargeInput, gateway_recharge_id, msisdn, amount_fen)
CGW_JSON_STRUCT(RechargeQueryInput, gateway_recharge_id, msisdn)
CGW_JSON_STRUCT(RechargeOutput, result, carrier_recharge_id, reason, balance_fen)
CGW_JSON_STRUCT(SimReplaceInput, gateway_replacement_id, msisdn, name, id_number, reason, delivery)
CGW_JSON_STRUCT(SubscriberChangeInput, gateway_request_id, msisdn, reason)

}  // namespace cgw
