// Loading and checking plugin libraries, and the host table they call back.
#include "carriers/carrier.hpp"
#include "cgw/common/time_format.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/dll/shared_library.hpp>

#include <cstdlib>
#include <cstring>

namespace cgw::gw {

namespace {

NowFn& clock_fn() {
  static NowFn fn = [] { return system_now_ms(); };
  return fn;
}

HostContext* as_ctx(void* ctx) {
  return static_cast<HostContext*>(ctx);
}

void host_log(void* ctx, int32_t level, cgw_str message) {
  std::string_view msg(message.ptr ? message.ptr : "", message.len);
  const char* carrier = ctx ? as_ctx(ctx)->carrier_id.c_str() : "-";
  auto lvl = level <= CGW_LOG_TRACE   ? spdlog::level::trace
             : level == CGW_LOG_DEBUG ? spdlog::level::debug
             : level == CGW_LOG_INFO  ? spdlog::level::info
             : level == CGW_LOG_WARN  ? spdlog::level::warn
                                      : spdlog::level::err;
  spdlog::log(lvl, "plugin carrier={} {}", carrier, msg);
}

void* host_alloc(void*, size_t size) {
  return std::malloc(size ? size : 1);
}
void host_free(void*, void* p) {
  std::free(p);
}
int64_t host_now(void*) {
  return clock_fn()();
}
void host_random(void*, void* buf, size_t len) {
  if (len && RAND_bytes(static_cast<unsigned char*>(buf), static_cast<int>(len)) != 1)
    std::abort();  // no safe fallback for a broken CSPRNG
}

void host_cache_put(void* ctx, cgw_str key, cgw_str value, int64_t ttl_ms) {
  auto* c = as_ctx(ctx);
  if (!c) return;
  std::lock_guard lock(c->cache_mu);
  c->cache[std::string(key.ptr ? key.ptr : "", key.len)] = HostContext::CacheEntry{
      std::string(value.ptr ? value.ptr : "", value.len), ttl_ms > 0 ? host_now(ctx) + ttl_ms : 0};
}

int32_t host_cache_get(void* ctx, cgw_str key, cgw_str* out) {
  auto* c = as_ctx(ctx);
  if (!c || !out) return 0;
  std::lock_guard lock(c->cache_mu);
  auto it = c->cache.find(std::string_view(key.ptr ? key.ptr : "", key.len));
  if (it == c->cache.end()) return 0;
  if (it->second.expires_at_ms && it->second.expires_at_ms <= host_now(ctx)) {
    c->cache.erase(it);
    return 0;
  }
  const auto& v = it->second.value;
  char* copy = static_cast<char*>(std::malloc(v.size() ? v.size() : 1));
  if (!copy) return 0;
  std::memcpy(copy, v.data(), v.size());
  *out = cgw_str{copy, v.size()};
  return 1;
}

cgw_bool host_cache_take(void* ctx, cgw_str key, cgw_owned_str* out) {
  cgw_str copy{nullptr, 0};
  if (!out || !host_cache_get(ctx, key, &copy)) return 0;
  // host_cache_get allocated the copy: it is the plugin's to free.
  *out = cgw_owned_str{const_cast<char*>(copy.ptr), copy.len};
  return 1;
}

const cgw_host_v1 kHost = {
    sizeof(cgw_host_v1), CGW_ABI_MAJOR,  CGW_ABI_MINOR,   host_log,
    host_alloc,          host_free,      host_now,        host_random,
    host_cache_put,      host_cache_get, host_cache_take,
};

// The smallest plugin table a v1 plugin may have: every member of v1.0.
constexpr size_t kMinPluginTable = offsetof(cgw_plugin_v1, free_callback) + sizeof(void*);

}  // namespace

const cgw_host_v1* host_table() {
  return &kHost;
}
void set_host_clock(NowFn now) {
  clock_fn() = std::move(now);
}

namespace {

std::string abi_name(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// The oldest host minor the plugin works with: its declaration from 1.2 on;
// before, the minor it was built against (1.0 and 1.1 said nothing more).
uint16_t min_host_minor(const cgw_plugin_v1& t) {
  return CGW_HAS_MEMBER(&t, cgw_plugin_v1, min_host_minor) ? t.min_host_minor : t.abi_minor;
}

// Why `t` cannot be used by `host`, or empty.
std::string table_problem(const cgw_plugin_v1* t, const cgw_host_v1& host) {
  if (!t) return "the entry point returned no plugin table (the plugin refused this host)";
  if (t->abi_major != host.abi_major)
    return "ABI major " + std::to_string(t->abi_major) + " is not the host's " +
           std::to_string(host.abi_major);
  if (t->struct_size < kMinPluginTable)
    return "plugin table is " + std::to_string(t->struct_size) + " bytes, smaller than ABI 1.0's";
  if (min_host_minor(*t) > host.abi_minor)
    return "the plugin (ABI " + abi_name(t->abi_major, t->abi_minor) + ") needs a host of ABI " +
           abi_name(t->abi_major, min_host_minor(*t)) + " or newer; this host speaks " +
           abi_name(host.abi_major, host.abi_minor);
  if (!t->create || !t->destroy || !t->start || !t->resume || !t->free_step || !t->parse_callback ||
      !t->free_callback)
    return "plugin table lacks a required function";
  if (!t->name.ptr || t->name.len == 0 || t->name.len > 64)
    return "plugin descriptor has no valid name";
  if (CGW_HAS_MEMBER(t, cgw_plugin_v1, config_format) && t->config_format != CGW_CONFIG_YAML &&
      t->config_format != CGW_CONFIG_JSON)
    return "plugin asks for settings in an unknown format " + std::to_string(t->config_format);
  return {};
}

// The 1.2 declarations, or what a table without them means.
void read_declarations(const cgw_plugin_v1& t, PluginLibrary& lib) {
  lib.min_host_minor = min_host_minor(t);
  if (CGW_HAS_MEMBER(&t, cgw_plugin_v1, kyc_outcomes)) {
    lib.config_format = t.config_format;
    lib.traits = t.traits;
    lib.kyc_outcomes = t.kyc_outcomes;
  }
}

}  // namespace

Result<std::shared_ptr<PluginLibrary>> load_plugin(const std::filesystem::path& path,
                                                   const cgw_host_v1* host) {
  // The configuration names a file this host cannot use as a plugin.
  auto refused = [&](const std::string& reason) {
    return make_error(code::kConfigInvalid, path.string() + ": " + reason);
  };
  auto lib = std::make_shared<PluginLibrary>();
  lib->path = path;
  boost::dll::fs::error_code ec;
  // rtld_now: unresolved symbols refuse the library here, not mid-request.
  lib->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !lib->library.is_loaded())
    return refused("cannot load the library: " +
                   (ec ? ec.message() : std::string("unknown error")));
  if (!lib->library.has(CGW_PLUGIN_ENTRY_SYMBOL))
    return refused(std::string("no entry point ") + CGW_PLUGIN_ENTRY_SYMBOL);
  auto& entry = lib->library.get<const cgw_plugin_v1*(const cgw_host_v1*)>(CGW_PLUGIN_ENTRY_SYMBOL);
  const cgw_plugin_v1* t = entry(host);
  if (auto problem = table_problem(t, *host); !problem.empty()) return refused(problem);
  lib->table = t;
  lib->name.assign(t->name.ptr, t->name.len);
  lib->version.assign(t->version.ptr ? t->version.ptr : "", t->version.len);
  lib->abi = abi_name(t->abi_major, t->abi_minor);
  read_declarations(*t, *lib);
  return lib;
}

}  // namespace cgw::gw
