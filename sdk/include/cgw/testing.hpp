// A fake host for unit-testing a plugin without a gateway (GoogleTest).
//
//   cgw::test::Harness<AcmePlugin> acme(settings_json, {"acme", CGW_CARRIER_MVNO, caps});
//   acme.host.advance_ms(60'000);                      // clock, cache, random, logs
//   auto run = acme.drive(cgw::op::kNumberReserve, input, {cgw::test::Reply::json(200, body)});
//   cgw::test::expect_error(run, cgw::code::kNumberUnavailable, /*retryable=*/false);
//   EXPECT_EQ(acme.sent().at(0).header("X-Signature"), expected);
//
// The harness calls the plugin through the same C ABI table the gateway
// loads (CGW_EXPORT_PLUGIN's Exporter, or a table from dlopen()), answers
// each SEND step with the next canned response and records every SEND
// (method, URL, headers, body, state). The clock only moves when the test
// moves it; the cache honours TTLs against that clock.
#pragma once

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// Not cgw::testing: with `using namespace cgw` that would be ambiguous with
// GoogleTest's ::testing.
namespace cgw::test {

inline std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
inline cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

// 2025-11-22 08:26:40.123 UTC (16:26:40 in Beijing).
inline constexpr int64_t kDefaultNowMs = 1763800000123;

// The host services of the C ABI, with state a test can read and steer.
class FakeHost {
 public:
  explicit FakeHost(int64_t now_ms = kDefaultNowMs) : now_ms_(now_ms) {}
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // ---- clock
  int64_t now_ms() const { return now_ms_.load(); }
  void set_now_ms(int64_t ms) { now_ms_ = ms; }
  void advance_ms(int64_t ms) { now_ms_ += ms; }

  // ---- random_bytes: 00 01 02 ... by default, or one repeated byte.
  void set_random_byte(std::optional<unsigned char> b) {
    std::lock_guard lock(mu_);
    fixed_random_ = b;
  }

  // ---- cache (what plugins keep between calls: tokens, nonces)
  struct CacheEntry {
    std::string value;
    int64_t expires_at_ms = 0;  // 0: never
  };
  // Seeds the cache as if the plugin had put `value` (not in put_ttls()).
  void cache_put(const std::string& key, const std::string& value, int64_t ttl_ms = 0) {
    std::lock_guard lock(mu_);
    cache_[key] = {value, ttl_ms > 0 ? now_ms_.load() + ttl_ms : 0};
  }
  // The live value, or nullopt when absent or expired.
  std::optional<std::string> cache_get(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    if (it->second.expires_at_ms && it->second.expires_at_ms <= now_ms_.load()) return std::nullopt;
    return it->second.value;
  }
  // Entries, expired ones included.
  size_t cache_size() const {
    std::lock_guard lock(mu_);
    return cache_.size();
  }
  // The TTLs of the plugin's cache_put calls, in order.
  std::vector<int64_t> put_ttls() const {
    std::lock_guard lock(mu_);
    return put_ttls_;
  }
  void cache_clear() {
    std::lock_guard lock(mu_);
    cache_.clear();
  }

  // ---- log lines the plugin wrote (check that no personal data is in them)
  std::vector<std::string> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }

  // The C table; pass `this` as the ctx of create().
  static const cgw_host_v1* table() {
    static const cgw_host_v1 t = {
        sizeof(cgw_host_v1),
        CGW_ABI_MAJOR,
        CGW_ABI_MINOR,
        [](void* ctx, int32_t, cgw_str m) {
          std::lock_guard lock(self(ctx).mu_);
          self(ctx).logs_.push_back(sv(m));
        },
        [](void*, size_t n) { return std::malloc(n ? n : 1); },
        [](void*, void* p) { std::free(p); },
        [](void* ctx) -> int64_t { return self(ctx).now_ms(); },
        [](void* ctx, void* buf, size_t len) {
          auto& h = self(ctx);
          std::lock_guard lock(h.mu_);
          for (size_t i = 0; i < len; ++i)
            static_cast<unsigned char*>(buf)[i] = h.fixed_random_ ? *h.fixed_random_ : h.next_++;
        },
        [](void* ctx, cgw_str k, cgw_str v, int64_t ttl) {
          auto& h = self(ctx);
          h.cache_put(sv(k), sv(v), ttl);
          std::lock_guard lock(h.mu_);
          h.put_ttls_.push_back(ttl);
        },
        [](void* ctx, cgw_str k, cgw_str* out) -> int32_t {
          const auto v = self(ctx).cache_get(sv(k));
          if (!v) return 0;
          char* p = static_cast<char*>(std::malloc(v->size() + 1));
          v->copy(p, v->size());
          *out = cgw_str{p, v->size()};
          return 1;
        },
        [](void* ctx, cgw_str k, cgw_owned_str* out) -> cgw_bool {
          const auto v = self(ctx).cache_get(sv(k));
          if (!v) return 0;
          char* p = static_cast<char*>(std::malloc(v->size() + 1));
          v->copy(p, v->size());
          *out = cgw_owned_str{p, v->size()};
          return 1;
        },
    };
    return &t;
  }

 private:
  static FakeHost& self(void* ctx) { return *static_cast<FakeHost*>(ctx); }

  std::atomic<int64_t> now_ms_;
  mutable std::mutex mu_;
  unsigned char next_ = 0;
  std::optional<unsigned char> fixed_random_;
  std::map<std::string, CacheEntry> cache_;
  std::vector<int64_t> put_ttls_;
  std::vector<std::string> logs_;
};

// A canned answer to one SEND step.
struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
  std::vector<Header> headers = {};  // so that {transport, status, body} is complete

  static Reply with(int status, std::string body) {
    return {CGW_TRANSPORT_OK, status, std::move(body), {}};
  }
  // A reply that never arrived (CGW_TRANSPORT_TIMEOUT, _BROKEN, _NOT_SENT...).
  static Reply lost(int transport) { return {transport, 0, {}, {}}; }
};

// One SEND step the plugin made, copied out of the C struct.
struct Sent {
  std::string method, url, body, state;
  std::vector<Header> headers;
  uint32_t timeout_ms = 0;
  bool replayable = false;
  // The header's value, or "<absent>".
  std::string header(const std::string& name) const {
    for (const auto& h : headers)
      if (detail::iequals(h.name, name)) return h.value;
    return "<absent>";
  }
};

struct Err {
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
};

// The outcome of drive(): every SEND, and the final DONE / FAIL (kind 0
// when the canned replies ran out at a SEND).
struct Run {
  std::vector<Sent> sent;
  int kind = 0;
  json::value result;
  Err error;
};

// What CGW_EXPORT_PLUGIN would declare for the plugin under test.
struct PluginInfo {
  const char* name = "test";
  uint32_t carrier_kinds = CGW_CARRIER_MNO;
  uint64_t capabilities = 0;
  const char* version = "1.0.0";
};

inline Sent copy_send(const cgw_step_v1& s) {
  Sent x{sv(s.request.method),
         sv(s.request.url),
         sv(s.request.body),
         sv(s.state),
         {},
         s.request.timeout_ms,
         (s.request_flags & CGW_REQUEST_REPLAYABLE) != 0};
  for (size_t h = 0; h < s.request.header_count; ++h)
    x.headers.push_back({sv(s.request.headers[h].name), sv(s.request.headers[h].value)});
  return x;
}

inline Err error_of(const cgw_step_v1& s) {
  EXPECT_EQ(s.kind, CGW_STEP_FAIL);
  return {sv(s.error.code), sv(s.error.message), sv(s.error.carrier_code), s.error.retryable != 0,
          s.error.outcome_unknown != 0};
}
inline json::value result_of(const cgw_step_v1& s) {
  EXPECT_EQ(s.kind, CGW_STEP_DONE) << sv(s.error.code) << ": " << sv(s.error.message);
  return s.kind == CGW_STEP_DONE ? json::parse(sv(s.result_json)) : json::value();
}
// The request header's value, or "<absent>".
inline std::string header(const cgw_step_v1& s, const std::string& name) {
  return copy_send(s).header(name);
}

template <class Plugin>
struct DefaultTag {};

// One plugin instance on a FakeHost, driven through its C ABI table.
template <class Plugin, class Tag = DefaultTag<Plugin>>
class Harness {
 public:
  using StepPtr = std::unique_ptr<cgw_step_v1, std::function<void(cgw_step_v1*)>>;
  using CallbackPtr = std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>>;

  // `table`: a table from dlopen()ed code; nullptr builds Plugin's own
  // (Plugin = void: a table is required, see ModuleHarness). The host's
  // clock starts at `now_ms`.
  // `settings_json`: the settings object as the host passes it (JSON text).
  Harness(const std::string& settings_json, const PluginInfo& info,
          const cgw_plugin_v1* table = nullptr, int64_t now_ms = kDefaultNowMs)
      : host(now_ms), t_(table ? table : own_table(info)) {
    if (!t_) {
      ADD_FAILURE() << "no plugin table";
      return;
    }
    cgw_step_v1* err = nullptr;
    inst_ = t_->create(&host, cs(settings_json), &err);
    if (err) {
      create_error = error_of(*err);
      t_->free_step(err);
    }
  }
  ~Harness() {
    if (inst_) t_->destroy(inst_);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  bool created() const { return inst_ != nullptr; }
  const cgw_plugin_v1& table() const { return *t_; }
  // Every SEND step start()/resume()/drive() returned, in order. Tests may
  // call the plugin from several threads (as the gateway does).
  std::vector<Sent> sent() const {
    std::lock_guard lock(sent_mu_);
    return sent_;
  }

  StepPtr start(const std::string& op, const json::value& input) {
    const std::string in = input.is_null() ? "" : json::serialize(input);
    return record(t_->start(inst_, cs(op), cs(in)));
  }
  StepPtr resume(const cgw_step_v1& send, const Reply& r) { return resume(sv(send.state), r); }
  StepPtr resume(const std::string& state, const Reply& r) {
    std::vector<cgw_header> hs;
    for (const auto& h : r.headers) hs.push_back({cs(h.name), cs(h.value)});
    const cgw_http_response_v1 resp{r.transport, r.status, hs.data(), hs.size(), cs(r.body)};
    return record(t_->resume(inst_, cs(state), &resp));
  }
  // start, expect a SEND, answer it with `r`.
  StepPtr run(const std::string& op, const json::value& input, const Reply& r) {
    auto s = start(op, input);
    EXPECT_EQ(s->kind, CGW_STEP_SEND) << sv(s->error.message);
    if (s->kind != CGW_STEP_SEND) return s;
    return resume(*s, r);
  }
  // Starts `op` and answers each SEND with the next reply; stops at DONE or
  // FAIL, or when the replies run out.
  Run drive(const std::string& op, const json::value& input, const std::vector<Reply>& replies) {
    Run out;
    StepPtr s = start(op, input);
    for (size_t i = 0; s && s->kind == CGW_STEP_SEND; ++i) {
      out.sent.push_back(copy_send(*s));
      if (i >= replies.size()) return out;
      s = resume(*s, replies[i]);
    }
    if (!s) return out;
    out.kind = s->kind;
    if (s->kind == CGW_STEP_DONE) out.result = json::parse(sv(s->result_json));
    if (s->kind == CGW_STEP_FAIL) out.error = error_of(*s);
    return out;
  }

  CallbackPtr callback(const std::string& method, const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
    std::vector<cgw_header> hs;
    for (const auto& [k, v] : headers) hs.push_back({cs(k), cs(v)});
    const cgw_http_request_v1 req{cs(method), cs(url), hs.data(), hs.size(), cs(body), 0};
    return CallbackPtr(t_->parse_callback(inst_, &req),
                       [t = t_](cgw_callback_v1* c) { t->free_callback(c); });
  }

  static Err error_of(const cgw_step_v1& s) { return test::error_of(s); }
  static json::value result_of(const cgw_step_v1& s) { return test::result_of(s); }
  static std::string header(const cgw_step_v1& s, const std::string& name) {
    return test::header(s, name);
  }

  FakeHost host;  // before t_ and inst_: the instance uses it from create() on
  Err create_error;

 private:
  static const cgw_plugin_v1* own_table(const PluginInfo& info) {
    if constexpr (std::is_void_v<Plugin>) {
      return nullptr;
    } else {
      return detail::Exporter<Plugin, Tag>::entry(FakeHost::table(), info.name, info.version,
                                                  info.carrier_kinds, info.capabilities);
    }
  }

  StepPtr record(cgw_step_v1* s) {
    if (s && s->kind == CGW_STEP_SEND) {
      Sent copy = copy_send(*s);
      std::lock_guard lock(sent_mu_);
      sent_.push_back(std::move(copy));
    }
    return StepPtr(s, [t = t_](cgw_step_v1* p) { t->free_step(p); });
  }

  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
  mutable std::mutex sent_mu_;
  std::vector<Sent> sent_;
};

// A built plugin module, loaded as the gateway loads it: dlopen(), then its
// cgw_plugin_entry_v1 with the fake host's table. Unloaded on destruction,
// so destroy the instances made from table() first. Link ${CMAKE_DL_LIBS}.
class LoadedModule {
 public:
  explicit LoadedModule(const char* path) : lib_(::dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
    if (!lib_) {
      ADD_FAILURE() << ::dlerror();
      return;
    }
    auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(::dlsym(lib_, CGW_PLUGIN_ENTRY_SYMBOL));
    table_ = entry ? entry(FakeHost::table()) : nullptr;
    if (!table_) ADD_FAILURE() << "no plugin table in " << path;
  }
  ~LoadedModule() {
    if (lib_) ::dlclose(lib_);
  }
  LoadedModule(const LoadedModule&) = delete;
  LoadedModule& operator=(const LoadedModule&) = delete;
  // nullptr when loading failed (the test has failed already).
  const cgw_plugin_v1* table() const { return table_; }
  // The dlopen() handle, to look for symbols that must not be exported.
  void* handle() const { return lib_; }

 private:
  void* lib_;
  const cgw_plugin_v1* table_ = nullptr;
};

// A harness over a LoadedModule's table (or any table from dlopen()).
using ModuleHarness = Harness<void>;

// ------------------------------------------------------------ assertions

inline void expect_error(const Run& r, const std::string& code, bool retryable,
                         bool outcome_unknown = false) {
  EXPECT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.error.code, code) << r.error.message;
  EXPECT_EQ(r.error.retryable, retryable) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.error.outcome_unknown, outcome_unknown) << r.error.code << ": " << r.error.message;
}
inline void expect_error(const cgw_step_v1& s, const std::string& code, bool retryable,
                         bool outcome_unknown = false) {
  const Err e = error_of(s);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.retryable, retryable) << e.code << ": " << e.message;
  EXPECT_EQ(e.outcome_unknown, outcome_unknown) << e.code << ": " << e.message;
}
inline void expect_done(const Run& r) {
  EXPECT_EQ(r.kind, CGW_STEP_DONE) << r.error.code << ": " << r.error.message;
}
// No log line and no continuation state contains `secret` (a name, an ID
// number): the gateway persists states and ships logs, and neither may
// carry personal data.
template <class H>
void expect_not_leaked(const H& harness, const std::string& secret) {
  for (const auto& line : harness.host.logs()) EXPECT_EQ(line.find(secret), std::string::npos);
  for (const auto& s : harness.sent()) EXPECT_EQ(s.state.find(secret), std::string::npos);
}

}  // namespace cgw::test
