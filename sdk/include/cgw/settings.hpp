// Reading the carrier's `settings` block (gateway.yaml) in a plugin's
// constructor: typed getters with defaults and ranges, and errors that name
// the key, never its value (one of the values is the secret).
//
//   SettingsReader in("acme", settings);          // must be a mapping
//   in.only({"base_url", "app_id", "secret", "timeout_ms", "callback_url"});
//   base_url_ = in.url("base_url");               // required, http(s)
//   secret_   = in.text("secret");                // required, non-empty
//   hold_     = in.integer("hold_minutes", 30, 1, 10080);
//
// A getter that finds the key wrong throws std::invalid_argument("acme
// settings: 'hold_minutes' must be an integer from 1 to 10080"); the SDK
// boundary turns the exception of a constructor into CONFIG_INVALID with
// that message, so the operator sees which key to fix.
#pragma once

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cgw {

class SettingsReader {
 public:
  // `settings` is what the plugin's constructor received: the carrier's
  // settings block as JSON (ABI 1.2). The host writes gateway.yaml's scalars
  // as strings; a test may write numbers and booleans as JSON ones.
  SettingsReader(std::string carrier, const boost::json::object& settings)
      : carrier_(std::move(carrier)), settings_(settings) {}

  // Refuses keys outside `known`: a typo (`hold_minuts`) must fail loudly
  // instead of silently falling back to a default.
  void only(std::initializer_list<std::string_view> known) const {
    for (const auto& kv : settings_)
      if (std::find(known.begin(), known.end(), std::string_view(kv.key())) == known.end())
        fail(kv.key(), "is not a known setting");
  }

  bool has(const char* key) const {
    const boost::json::value* v = settings_.if_contains(key);
    return v && !v->is_null();
  }

  // A required non-empty string.
  std::string text(const char* key) const {
    const boost::json::value* v = settings_.if_contains(key);
    if (!v || v->is_null()) fail(key, "is required");
    if (!v->is_string()) fail(key, "must be a string");
    if (v->get_string().empty()) fail(key, "must not be empty");
    return std::string(v->get_string());
  }
  // An optional string: `fallback` when absent or null.
  std::string text_or(const char* key, std::string fallback) const {
    return has(key) ? text(key) : std::move(fallback);
  }

  // An integer in [lo, hi]: `fallback` when absent or null.
  int64_t integer(const char* key, int64_t fallback, int64_t lo = 0,
                  int64_t hi = std::numeric_limits<int64_t>::max()) const {
    if (!has(key)) return fallback;
    return required_integer(key, lo, hi);
  }
  int64_t required_integer(const char* key, int64_t lo = 0,
                           int64_t hi = std::numeric_limits<int64_t>::max()) const {
    const boost::json::value* v = settings_.if_contains(key);
    if (!v || v->is_null()) fail(key, "is required");
    int64_t x = 0;
    bool ok = false;
    if (v->is_int64()) {
      x = v->get_int64();
      ok = true;
    } else if (v->is_string()) {
      const auto& t = v->get_string();
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
      ok = ec == std::errc() && end == t.data() + t.size() && !t.empty();
    }
    if (!ok || x < lo || x > hi)
      fail(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return x;
  }
  // A request timeout in ms: 0 (the host's default) when absent.
  uint32_t timeout_ms(const char* key = "timeout_ms") const {
    return static_cast<uint32_t>(integer(key, 0, 1, std::numeric_limits<uint32_t>::max()));
  }

  // true / false: `fallback` when absent or null.
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const boost::json::value& v = settings_.at(key);
    if (v.is_bool()) return v.get_bool();
    if (v.is_string() && (v.get_string() == "true" || v.get_string() == "false"))
      return v.get_string() == "true";
    fail(key, "must be true or false");
  }

  // A required absolute http(s) URL with a host. As a base (the default),
  // without query or fragment, and with the trailing slashes of its path
  // removed so that base + "/path" has exactly one; otherwise (a URL used
  // as it is, such as a callback URL) a query is allowed.
  boost::urls::url url(const char* key, bool base = true) const {
    const std::string s = text(key);
    auto r = boost::urls::parse_absolute_uri(s);
    if (!r || r->encoded_host().empty() ||
        (r->scheme_id() != boost::urls::scheme::http &&
         r->scheme_id() != boost::urls::scheme::https) ||
        (base && r->has_query()) || r->has_fragment())
      fail(key, base ? "must be an absolute http(s) URL without query or fragment"
                     : "must be an absolute http(s) URL without fragment");
    boost::urls::url u(*r);
    if (!base) return u;
    std::string path(u.encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();
    u.set_encoded_path(path);
    return u;
  }

  // One of `allowed`.
  std::string choice(const char* key, std::string fallback,
                     std::initializer_list<std::string_view> allowed) const {
    std::string v = text_or(key, std::move(fallback));
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list.append(list.empty() ? "" : ", ").append(a);
      fail(key, "must be one of: " + list);
    }
    return v;
  }

  const boost::json::object& settings() const { return settings_; }

  [[noreturn]] void fail(std::string_view key, std::string_view problem) const {
    throw std::invalid_argument(carrier_ + " settings: '" + std::string(key) + "' " +
                                std::string(problem));
  }

 private:
  std::string carrier_;
  const boost::json::object& settings_;
};

}  // namespace cgw
