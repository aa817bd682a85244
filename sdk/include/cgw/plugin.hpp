// The C++ layer plugin authors write against. Header-only; it turns the C ABI
// of <cgw/abi.h> into a class to derive from:
//
//   class MyCarrier : public cgw::CarrierPlugin {
//    public:
//     MyCarrier(cgw::HostApi host, const cgw::json::object& settings);
//     cgw::Step start(std::string_view operation, const cgw::json::value& input) override;
//     cgw::Step resume(const cgw::json::value& state, const cgw::HttpResponse& r) override;
//   };
//   CGW_EXPORT_PLUGIN(MyCarrier, "my-carrier", "1.0.0", CGW_CARRIER_MVNO,
//                     CGW_CAP_PLANS | CGW_CAP_RESERVE)
//
// Every exception thrown by the plugin is caught at the boundary and turned
// into a FAIL step with code PLUGIN_ERROR (or CONFIG_INVALID from the
// constructor); nothing ever unwinds into the host.
#pragma once

#include <cgw/abi.h>
#include <cgw/types.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw {

// Normalized error codes a plugin may return (docs/sdk.md explains each).
namespace code {
inline constexpr const char* kInvalidArgument = "INVALID_ARGUMENT";
inline constexpr const char* kUnsupportedOperation = "UNSUPPORTED_OPERATION";
inline constexpr const char* kConfigInvalid = "CONFIG_INVALID";
inline constexpr const char* kPluginError = "PLUGIN_ERROR";
inline constexpr const char* kNumberUnavailable = "NUMBER_UNAVAILABLE";
inline constexpr const char* kReservationNotFound = "RESERVATION_NOT_FOUND";
inline constexpr const char* kReservationExpired = "RESERVATION_EXPIRED";
inline constexpr const char* kPlanNotFound = "PLAN_NOT_FOUND";
inline constexpr const char* kOrderNotFound = "ORDER_NOT_FOUND";
inline constexpr const char* kQuotaExceeded = "QUOTA_EXCEEDED";
inline constexpr const char* kCarrierRejected = "CARRIER_REJECTED";
inline constexpr const char* kCarrierAuthFailed = "CARRIER_AUTH_FAILED";
inline constexpr const char* kCarrierUnavailable = "CARRIER_UNAVAILABLE";
inline constexpr const char* kCarrierTimeout = "CARRIER_TIMEOUT";
inline constexpr const char* kCarrierBadResponse = "CARRIER_BAD_RESPONSE";
inline constexpr const char* kCallbackRejected = "CALLBACK_REJECTED";
// ABI 1.3, after-sales: the carrier does not know the number as a line of
// this partner; the holder named is not the number's registered owner.
inline constexpr const char* kSubscriberNotFound = "SUBSCRIBER_NOT_FOUND";
inline constexpr const char* kIdentityMismatch = "IDENTITY_MISMATCH";
}  // namespace code

struct Header {
  std::string name;
  std::string value;
};

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
inline std::optional<std::string> find_header(const std::vector<Header>& hs,
                                              std::string_view name) {
  for (const auto& h : hs)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}
inline std::string_view view(cgw_str s) {
  return s.len ? std::string_view(s.ptr, s.len) : "";
}
inline cgw_str str(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}
}  // namespace detail

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<Header> headers;
  std::string body;
  uint32_t timeout_ms = 0;
  // The carrier deduplicates this request or it changes nothing, so the
  // host may send it again after a stale keep-alive connection broke before
  // any reply byte (CGW_REQUEST_REPLAYABLE, ABI 1.1). GET/HEAD always are.
  bool replayable = false;
  std::optional<std::string> header(std::string_view name) const {
    return detail::find_header(headers, name);
  }
};

struct HttpResponse {
  int transport = CGW_TRANSPORT_OK;
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  bool delivered() const { return transport == CGW_TRANSPORT_OK; }
  std::optional<std::string> header(std::string_view name) const {
    return detail::find_header(headers, name);
  }
};

struct Error {
  std::string code;
  std::string message;
  std::string carrier_code;
  bool retryable = false;
  bool outcome_unknown = false;
};

class Step {
 public:
  enum class Kind { kSend = CGW_STEP_SEND, kDone = CGW_STEP_DONE, kFail = CGW_STEP_FAIL };

  static Step send(HttpRequest request, json::value state) {
    Step s(Kind::kSend);
    s.request = std::move(request);
    s.state = std::move(state);
    return s;
  }
  static Step done(json::value result) {
    Step s(Kind::kDone);
    s.result = std::move(result);
    return s;
  }
  template <class T>
  static Step done_with(const T& typed_result) {
    return done(json::value_from(typed_result));
  }
  static Step fail(Error error) {
    Step s(Kind::kFail);
    s.error = std::move(error);
    return s;
  }
  static Step fail(std::string code, std::string message, std::string carrier_code = {},
                   bool retryable = false, bool outcome_unknown = false) {
    return fail(Error{std::move(code), std::move(message), std::move(carrier_code), retryable,
                      outcome_unknown});
  }

  Kind kind;
  HttpRequest request;  // kSend
  json::value state;    // kSend: handed back to resume()
  json::value result;   // kDone
  Error error;          // kFail

 private:
  explicit Step(Kind k) : kind(k) {}
};

struct CallbackResult {
  bool verified = false;
  std::vector<CallbackEvent> events;
  int ack_status = 200;
  std::string ack_content_type = "text/plain";
  std::string ack_body = "success";
  Error error;  // when !verified

  static CallbackResult refuse(std::string message) {
    CallbackResult r;
    r.error = Error{code::kCallbackRejected, std::move(message), {}, false, false};
    // The host answers a refused callback with its own error; these only
    // make sure nothing here could read as an acknowledgement.
    r.ack_status = 401;
    r.ack_body = "refused";
    return r;
  }
};

// The host's services, bound to one plugin instance.
class HostApi {
 public:
  HostApi(const cgw_host_v1* host, void* ctx) : host_(host), ctx_(ctx) {}

  void log(cgw_log_level level, std::string_view message) const {
    host_->log(ctx_, level, cgw_str{message.data(), message.size()});
  }
  void info(std::string_view m) const { log(CGW_LOG_INFO, m); }
  void warn(std::string_view m) const { log(CGW_LOG_WARN, m); }
  int64_t now_ms() const { return host_->now_unix_ms(ctx_); }
  std::string random_hex(size_t bytes) const {
    std::string raw(bytes, '\0');
    host_->random_bytes(ctx_, raw.data(), raw.size());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes * 2);
    for (unsigned char c : raw) {
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    return out;
  }
  void cache_put(std::string_view key, std::string_view value, int64_t ttl_ms) const {
    host_->cache_put(ctx_, cgw_str{key.data(), key.size()}, cgw_str{value.data(), value.size()},
                     ttl_ms);
  }
  std::optional<std::string> cache_get(std::string_view key) const {
    const cgw_str k{key.data(), key.size()};
    if (CGW_HAS_MEMBER(host_, cgw_host_v1, cache_take) && host_->cache_take) {
      cgw_owned_str out{nullptr, 0};
      if (!host_->cache_take(ctx_, k, &out)) return std::nullopt;
      std::string value(out.ptr ? out.ptr : "", out.len);
      host_->free(ctx_, out.ptr);
      return value;
    }
    // A host older than 1.2 hands its copy over through a const pointer.
    cgw_str out{nullptr, 0};
    if (!host_->cache_get(ctx_, k, &out)) return std::nullopt;
    std::string value(out.ptr ? out.ptr : "", out.len);
    host_->free(ctx_, const_cast<char*>(out.ptr));
    return value;
  }
  // The host's ABI minor: a plugin checks it before relying on a host
  // feature added after its min_host_minor.
  uint16_t abi_minor() const { return host_->abi_minor; }

 private:
  const cgw_host_v1* host_;
  void* ctx_;
};

// What a plugin declares about its carrier and the host it needs (ABI
// 1.2). A plugin class may define
//   static constexpr cgw::Declarations kDeclarations{.kyc_outcomes = ...};
// otherwise it declares these defaults: every KYC outcome, a carrier that
// finds orders by the gateway's order id, and a host of ABI 1.2 or newer
// (this layer takes its settings as JSON, which hosts pass from 1.2 on).
struct Declarations {
  uint16_t min_host_minor = 2;
  uint32_t traits = CGW_TRAITS_V1_DEFAULT;       // cgw_trait bits
  uint64_t kyc_outcomes = CGW_KYC_ALL_OUTCOMES;  // cgw_kyc_outcome bits
};

// Base class of a carrier plugin. One object per configured carrier. The
// host may call start/resume/parse_callback concurrently from several
// threads, so implementations keep no mutable per-call state in members
// (use the continuation state, or the host cache for shared tokens).
class CarrierPlugin {
 public:
  explicit CarrierPlugin(HostApi host) : host_(host) {}
  virtual ~CarrierPlugin() = default;
  CarrierPlugin(const CarrierPlugin&) = delete;
  CarrierPlugin& operator=(const CarrierPlugin&) = delete;

  virtual Step start(std::string_view operation, const json::value& input) = 0;
  virtual Step resume(const json::value& state, const HttpResponse& response) = 0;
  virtual CallbackResult parse_callback(const HttpRequest& /*request*/) {
    return CallbackResult::refuse("this carrier sends no callbacks");
  }

  const HostApi& host() const { return host_; }

 protected:
  static Step unsupported(std::string_view operation) {
    return Step::fail(code::kUnsupportedOperation,
                      "operation not supported: " + std::string(operation));
  }

 private:
  HostApi host_;
};

namespace detail {

// A step as it crosses the ABI: the C struct plus the storage it points to.
struct OwnedStep : cgw_step_v1 {
  std::string method, url, body, state, result, code, message, carrier_code;
  std::vector<Header> header_store;
  std::vector<cgw_header> header_views;
  cgw_request_v2 sized_request{};
  cgw_error_v2 sized_error{};
};

// Both forms of an error: by value for hosts before 1.2, sized for later.
inline void set_error(cgw_error_v1& v1, cgw_error_v2& v2, cgw_str code, cgw_str message,
                      cgw_str carrier_code, bool retryable, bool outcome_unknown) {
  v1 = cgw_error_v1{code, message, carrier_code, static_cast<uint8_t>(retryable),
                    static_cast<uint8_t>(outcome_unknown)};
  v2 = cgw_error_v2{sizeof(cgw_error_v2),
                    code,
                    message,
                    carrier_code,
                    static_cast<cgw_bool>(retryable),
                    static_cast<cgw_bool>(outcome_unknown)};
}

inline cgw_step_v1* export_step(Step&& s) {
  auto* o = new OwnedStep{};
  cgw_step_v1& c = *o;
  c.struct_size = sizeof(cgw_step_v1);
  c.kind = static_cast<int32_t>(s.kind);
  switch (s.kind) {
    case Step::Kind::kSend:
      o->method = std::move(s.request.method);
      o->url = std::move(s.request.url);
      o->body = std::move(s.request.body);
      o->header_store = std::move(s.request.headers);
      for (const auto& h : o->header_store) o->header_views.push_back({str(h.name), str(h.value)});
      o->state = json::serialize(s.state);
      c.request = cgw_http_request_v1{str(o->method),         str(o->url),  o->header_views.data(),
                                      o->header_views.size(), str(o->body), s.request.timeout_ms};
      c.state = str(o->state);
      c.request_flags = s.request.replayable ? static_cast<uint32_t>(CGW_REQUEST_REPLAYABLE) : 0u;
      o->sized_request = cgw_request_v2{
          sizeof(cgw_request_v2), c.request_flags,        c.request.method, c.request.url,
          c.request.headers,      c.request.header_count, c.request.body,   c.request.timeout_ms};
      c.request_v2 = &o->sized_request;
      break;
    case Step::Kind::kDone:
      o->result = json::serialize(s.result);
      c.result_json = str(o->result);
      break;
    case Step::Kind::kFail:
      o->code = std::move(s.error.code);
      o->message = std::move(s.error.message);
      o->carrier_code = std::move(s.error.carrier_code);
      set_error(c.error, o->sized_error, str(o->code), str(o->message), str(o->carrier_code),
                s.error.retryable, s.error.outcome_unknown);
      c.error_v2 = &o->sized_error;
      break;
  }
  return o;
}

inline cgw_step_v1* plugin_error(const char* code, std::string message) {
  return export_step(Step::fail(code, std::move(message)));
}

// What the boundary hands out when even allocating an error failed: a
// static FAIL step (free_step leaves it alone), so the host never sees NULL.
inline cgw_step_v1* out_of_memory_step() noexcept {
  static constexpr char kCode[] = "PLUGIN_ERROR", kMessage[] = "plugin out of memory";
  static cgw_error_v2 sized{
      sizeof(cgw_error_v2), {kCode, sizeof kCode - 1}, {kMessage, sizeof kMessage - 1}, {}, 1, 0};
  static cgw_step_v1 step = [] {
    cgw_step_v1 s{};
    s.struct_size = sizeof(cgw_step_v1);
    s.kind = CGW_STEP_FAIL;
    s.error = cgw_error_v1{sized.code, sized.message, {}, 1, 0};
    s.error_v2 = &sized;
    return s;
  }();
  return &step;
}

// Runs f, converting any exception into a FAIL step.
template <class F>
cgw_step_v1* guarded(F&& f) noexcept {
  try {
    return export_step(f());
  } catch (const std::exception& e) {
    try {
      return plugin_error(code::kPluginError, std::string("plugin exception: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
    try {
      return plugin_error(code::kPluginError, "plugin exception of unknown type");
    } catch (...) {
    }
  }
  return out_of_memory_step();
}

struct OwnedCallback : cgw_callback_v1 {
  std::string events, content_type, body, code, message, carrier_code;
  cgw_error_v2 sized_error{};
};

// As out_of_memory_step, for parse_callback: a refusal that is static.
inline cgw_callback_v1* out_of_memory_callback() noexcept {
  static constexpr char kCode[] = "CALLBACK_REJECTED", kMessage[] = "plugin out of memory";
  static cgw_error_v2 sized{
      sizeof(cgw_error_v2), {kCode, sizeof kCode - 1}, {kMessage, sizeof kMessage - 1}, {}, 0, 0};
  static cgw_callback_v1 cb = [] {
    cgw_callback_v1 c{};
    c.struct_size = sizeof(cgw_callback_v1);
    c.verified = 0;
    c.ack_status = 503;
    c.error = cgw_error_v1{sized.code, sized.message, {}, 0, 0};
    c.error_v2 = &sized;
    return c;
  }();
  return &cb;
}

inline cgw_callback_v1* export_callback(CallbackResult&& r) {
  auto* o = new OwnedCallback{};
  cgw_callback_v1& c = *o;
  c.struct_size = sizeof(cgw_callback_v1);
  c.verified = r.verified ? 1 : 0;
  if (r.verified) o->events = json::serialize(json::value_from(r.events));
  o->content_type = std::move(r.ack_content_type);
  o->body = std::move(r.ack_body);
  o->code = std::move(r.error.code);
  o->message = std::move(r.error.message);
  o->carrier_code = std::move(r.error.carrier_code);
  c.events_json = str(o->events);
  c.ack_status = r.ack_status;
  c.ack_content_type = str(o->content_type);
  c.ack_body = str(o->body);
  set_error(c.error, o->sized_error, str(o->code), str(o->message), str(o->carrier_code), false,
            false);
  c.error_v2 = &o->sized_error;
  return o;
}

inline std::vector<Header> import_headers(const cgw_header* hs, size_t n) {
  std::vector<Header> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back({std::string(view(hs[i].name)), std::string(view(hs[i].value))});
  return out;
}

// `Tag` is a type with internal linkage made by CGW_EXPORT_PLUGIN, so every
// plugin library gets its own statics even if two plugins' classes share a
// name and their symbols are not hidden.
template <class Plugin, class Tag>
struct Exporter {
  static inline const cgw_host_v1* host = nullptr;

  static CarrierPlugin* self(cgw_instance* i) { return reinterpret_cast<CarrierPlugin*>(i); }

  static cgw_instance* create(void* ctx, cgw_str config_json, cgw_step_v1** error) noexcept {
    try {
      json::value cfg = json::parse(view(config_json));
      if (!cfg.is_object()) throw std::invalid_argument("the settings are not a JSON object");
      CarrierPlugin* p = new Plugin(HostApi(host, ctx), cfg.get_object());
      return reinterpret_cast<cgw_instance*>(p);
    } catch (const std::exception& e) {
      if (error) {
        try {
          *error = plugin_error(code::kConfigInvalid, e.what());
        } catch (...) {
          *error = nullptr;
        }
      }
    } catch (...) {
      if (error) {
        try {
          *error = plugin_error(code::kConfigInvalid, "plugin constructor threw");
        } catch (...) {
          *error = nullptr;
        }
      }
    }
    return nullptr;
  }
  static void destroy(cgw_instance* i) noexcept { delete self(i); }
  static cgw_step_v1* start(cgw_instance* i, cgw_str operation, cgw_str input_json) noexcept {
    return guarded([&] {
      json::value input = input_json.len ? json::parse(view(input_json)) : json::value();
      return self(i)->start(view(operation), input);
    });
  }
  static cgw_step_v1* resume(cgw_instance* i, cgw_str state,
                             const cgw_http_response_v1* r) noexcept {
    return guarded([&] {
      HttpResponse resp;
      if (r) {
        resp.transport = r->transport;
        resp.status = r->status;
        resp.headers = import_headers(r->headers, r->header_count);
        resp.body = std::string(view(r->body));
      } else {
        resp.transport = CGW_TRANSPORT_BROKEN;
      }
      return self(i)->resume(json::parse(view(state)), resp);
    });
  }
  static void free_step(cgw_step_v1* s) noexcept {
    if (s != out_of_memory_step()) delete static_cast<OwnedStep*>(s);
  }
  static cgw_callback_v1* parse_callback(cgw_instance* i, const cgw_http_request_v1* r) noexcept {
    try {
      HttpRequest req;
      req.method = std::string(view(r->method));
      req.url = std::string(view(r->url));
      req.headers = import_headers(r->headers, r->header_count);
      req.body = std::string(view(r->body));
      return export_callback(self(i)->parse_callback(req));
    } catch (const std::exception& e) {
      try {
        return export_callback(
            CallbackResult::refuse(std::string("malformed callback: ") + e.what()));
      } catch (...) {
      }
    } catch (...) {
    }
    return out_of_memory_callback();
  }
  static void free_callback(cgw_callback_v1* c) noexcept {
    if (c != out_of_memory_callback()) delete static_cast<OwnedCallback*>(c);
  }

  static constexpr Declarations declarations() {
    if constexpr (requires { Plugin::kDeclarations; })
      return Plugin::kDeclarations;
    else
      return Declarations{};
  }

  static const cgw_plugin_v1* entry(const cgw_host_v1* h, const char* name, const char* version,
                                    uint32_t kinds, uint64_t caps) noexcept {
    // Needs a v1 host that has every member this SDK calls.
    if (!h || h->abi_major != CGW_ABI_MAJOR || !CGW_HAS_MEMBER(h, cgw_host_v1, cache_get))
      return nullptr;
    // A host from 1.2 on reads min_host_minor and refuses with a reason; an
    // older one does not know the member, so the plugin refuses it here.
    if (h->abi_minor < 2 && h->abi_minor < declarations().min_host_minor) return nullptr;
    host = h;
    static const cgw_plugin_v1 table = make_table(name, version, kinds, caps);
    return &table;
  }

  static cgw_plugin_v1 make_table(const char* name, const char* version, uint32_t kinds,
                                  uint64_t caps) noexcept {
    cgw_plugin_v1 table{};
    table.struct_size = sizeof(cgw_plugin_v1);
    table.abi_major = CGW_ABI_MAJOR;
    table.abi_minor = CGW_ABI_MINOR;
    table.name = cgw_str{name, std::char_traits<char>::length(name)};
    table.version = cgw_str{version, std::char_traits<char>::length(version)};
    table.carrier_kinds = kinds;
    table.capabilities = caps;
    table.create = &create;
    table.destroy = &destroy;
    table.start = &start;
    table.resume = &resume;
    table.free_step = &free_step;
    table.parse_callback = &parse_callback;
    table.free_callback = &free_callback;
    constexpr Declarations d = declarations();
    static_assert(d.min_host_minor <= CGW_ABI_MINOR, "min_host_minor is newer than this SDK");
    static_assert(d.min_host_minor >= 2, "settings arrive as JSON from hosts of ABI 1.2 on");
    // The after-sales operations and statuses are unknown to a 1.2 host,
    // which would take a "shipped" for a bad answer.
    table.min_host_minor =
        (caps & CGW_CAPS_V1_3) != 0 && d.min_host_minor < 3 ? 3 : d.min_host_minor;
    table.config_format = CGW_CONFIG_JSON;
    table.traits = d.traits;
    table.kyc_outcomes = d.kyc_outcomes;
    return table;
  }
};

}  // namespace detail
}  // namespace cgw

// Exports the plugin's entry point. Use once per plugin library.
#define CGW_EXPORT_PLUGIN(PluginClass, name, version, carrier_kinds, capabilities)                 \
  namespace {                                                                                      \
  struct CgwExportTag {};                                                                          \
  }                                                                                                \
  extern "C" CGW_PLUGIN_EXPORT const cgw_plugin_v1* cgw_plugin_entry_v1(const cgw_host_v1* host) { \
    return ::cgw::detail::Exporter<PluginClass, CgwExportTag>::entry(host, name, version,          \
                                                                     carrier_kinds, capabilities); \
  }
