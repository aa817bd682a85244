// An operation dispatcher: one handler per operation, with typed input and
// a typed continuation state that the dispatcher serializes for you.
//
//   struct HoldState { std::string msisdn; };            // any type Boost.JSON
//   BOOST_DESCRIBE_STRUCT(HoldState, (), (msisdn))       // converts, e.g. described
//
//   ops_.on<ReserveInput, HoldState>(
//       {op::kNumberReserve, true, false, true},
//       [this](const ReserveInput& in) -> Next<HoldState> {
//         return Send<HoldState>{request_for(in), {in.msisdn}};
//       },
//       [this](const HoldState& s, const HttpResponse& r) -> Next<HoldState> {
//         ... return Step::done(...) or Step::fail(...) or another Send<HoldState>
//       });
//   Step start(op, input) override { return ops_.start(op, input); }
//   Step resume(state, r) override { return ops_.resume(state, r); }
//
// The state crosses the host as {"op": <name>, "state": <State as JSON>};
// keep personal data out of it (the gateway persists it). An input that
// does not convert to `Input` becomes INVALID_ARGUMENT; a handler that
// throws BadReply becomes CARRIER_BAD_RESPONSE (outcome_unknown for
// writes); other exceptions become PLUGIN_ERROR at the SDK boundary.
//
// Most operations are one request and one reply. Give the dispatcher the
// protocol's reply unwrapper once, and register them with call():
//
//   Dispatcher ops_{"acme", [](const HttpResponse& r, const OpTraits& t, std::string_view p) {
//     return unwrap_json(r, p, t, JsonEnvelope{}, map_business_code); }};
//   ops_.call<PlansInput>(traits, [this](const PlansInput&) -> Next<NoState> {...},
//                         [](const json::object& data, const NoState&) { return ...; });
#pragma once

#include <cgw/plugin.hpp>
#include <cgw/reply.hpp>

#include <boost/describe.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cgw {

// A request to send, and the state resume() gets back with its reply.
template <class State>
struct Send {
  HttpRequest request;
  State state;
};

// What a handler returns: another request, or a final step (DONE / FAIL).
template <class State>
using Next = std::variant<Send<State>, Step>;

// The state of an operation that carries nothing to its reply.
struct NoState {};
BOOST_DESCRIBE_STRUCT(NoState, (), ())

// What a one-request operation prepares: the protocol-level request
// (before URL building and signing) and the state its reply needs, or an
// error (typically INVALID_ARGUMENT for a semantically bad input).
template <class Request, class State = NoState>
struct Call {
  Call(Request r, State s = {}) : request(std::move(r)), state(std::move(s)) {}
  Request request;
  State state;
};
template <class Request, class State = NoState>
using Prepared = std::variant<Call<Request, State>, Error>;

// A protocol's reply envelope: the payload of a success, or the normalized
// error (transport, HTTP status, business code). `prefix` starts messages.
using Unwrap = std::function<std::variant<json::object, Error>(
    const HttpResponse& reply, const OpTraits& op, std::string_view prefix)>;

class Dispatcher {
 public:
  // `carrier` starts every message: "<carrier> <operation>: ...".
  // `unwrap` is needed by call() only.
  explicit Dispatcher(std::string carrier, Unwrap unwrap = {})
      : carrier_(std::move(carrier)), unwrap_(std::move(unwrap)) {}
  // The handlers keep a pointer to their dispatcher.
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  template <class Input, class State>
  Dispatcher& on(OpTraits traits, std::function<Next<State>(const Input&)> start,
                 std::function<Next<State>(const State&, const HttpResponse&)> resume) {
    Entry e;
    e.traits = traits;
    e.start = [this, traits, start = std::move(start)](const json::value& in) {
      Input input{};
      try {
        // No input means "all defaults" for the operations that have them.
        if (!in.is_null()) input = json::value_to<Input>(in);
      } catch (const std::exception&) {
        // Boost.JSON's messages name no values, but a fixed text is safer still.
        return Step::fail(code::kInvalidArgument,
                          prefix(traits) + "input does not match the schema");
      }
      return finish(traits, start(input));
    };
    e.resume = [this, traits, resume = std::move(resume)](const json::value& s,
                                                          const HttpResponse& r) {
      State state{};
      try {
        state = json::value_to<State>(s);
      } catch (const std::exception&) {
        return Step::fail(code::kPluginError, carrier_ + ": unknown continuation state");
      }
      return finish(traits, resume(state, r));
    };
    entries_.push_back(std::move(e));
    return *this;
  }

  // One request and one reply: `start` makes the request (or fails), the
  // reply goes through the dispatcher's Unwrap, and `finish` turns the
  // payload of a success into the result (throwing BadReply when the
  // payload lacks the promised shape).
  template <class Input, class State = NoState>
  Dispatcher& call(OpTraits traits, std::function<Next<State>(const Input&)> start,
                   std::function<json::value(const json::object&, const State&)> finish) {
    return on<Input, State>(traits, std::move(start),
                            [this, traits, finish = std::move(finish)](
                                const State& s, const HttpResponse& r) -> Next<State> {
                              auto payload = unwrap_(r, traits, prefix(traits));
                              if (auto* e = std::get_if<Error>(&payload))
                                return Step::fail(std::move(*e));
                              return Step::done(finish(std::get<json::object>(payload), s));
                            });
  }

  // call() for protocols that prepare a protocol-level request per
  // operation and turn it into HTTP (URL, signature) in one place:
  //   ops.call(traits, settings_, &reserve_prepare, sign, &reserve_finish);
  // `settings` must outlive the dispatcher.
  template <class Input, class State, class Request, class Settings>
  Dispatcher& call(
      OpTraits traits, const Settings& settings,
      Prepared<Request, State> (*prepare)(const Input&, const Settings&),
      std::type_identity_t<std::function<HttpRequest(const Request&)>> to_http,
      std::type_identity_t<std::function<json::value(const json::object&, const State&)>> finish) {
    return call<Input, State>(
        traits,
        [&settings, prepare, to_http = std::move(to_http)](const Input& in) -> Next<State> {
          Prepared<Request, State> p = prepare(in, settings);
          if (auto* e = std::get_if<Error>(&p)) return Step::fail(std::move(*e));
          auto& c = std::get<Call<Request, State>>(p);
          return Send<State>{to_http(c.request), std::move(c.state)};
        },
        std::move(finish));
  }

  // The traits of a registered operation, or nullptr.
  const OpTraits* find(std::string_view operation) const {
    const Entry* e = entry(operation);
    return e ? &e->traits : nullptr;
  }

  // The message prefix of `op`: "<carrier> <op>: ".
  std::string prefix(const OpTraits& op) const {
    return carrier_ + " " + std::string(op.name) + ": ";
  }

  Step start(std::string_view operation, const json::value& input) const {
    const Entry* e = entry(operation);
    if (!e)
      return Step::fail(code::kUnsupportedOperation,
                        "operation not supported: " + std::string(operation));
    return guard(e->traits, [&] { return e->start(input); });
  }

  Step resume(const json::value& state, const HttpResponse& response) const {
    const json::object* o = state.if_object();
    const json::value* name = o ? o->if_contains("op") : nullptr;
    const json::value* inner = o ? o->if_contains("state") : nullptr;
    const Entry* e = name && name->is_string() && inner ? entry(name->get_string()) : nullptr;
    if (!e) return Step::fail(code::kPluginError, carrier_ + ": unknown continuation state");
    return guard(e->traits, [&] { return e->resume(*inner, response); });
  }

 private:
  struct Entry {
    OpTraits traits;
    std::function<Step(const json::value&)> start;
    std::function<Step(const json::value&, const HttpResponse&)> resume;
  };

  const Entry* entry(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.traits.name == name) return &e;
    return nullptr;
  }

  template <class State>
  static Step finish(const OpTraits& traits, Next<State>&& next) {
    if (auto* step = std::get_if<Step>(&next)) return std::move(*step);
    auto& send = std::get<Send<State>>(next);
    send.request.replayable = send.request.replayable || traits.replayable;
    return Step::send(std::move(send.request),
                      json::object{{"op", traits.name}, {"state", json::value_from(send.state)}});
  }

  template <class F>
  Step guard(const OpTraits& traits, F&& f) const {
    try {
      return f();
    } catch (const BadReply& e) {
      return Step::fail(bad_reply(prefix(traits), traits, e.what()));
    }
  }

  std::string carrier_;
  Unwrap unwrap_;
  std::vector<Entry> entries_;
};

}  // namespace cgw
