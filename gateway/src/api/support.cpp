#include "api/support.hpp"

#include "cgw/common/log_setup.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/locale/utf.hpp>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_set>

namespace cgw::gw::api {

Response json_response(const Ctx& c, int status, const json::value& body) {
  return json_response(c, status, json::serialize(body));
}

Response json_response(const Ctx& c, int status, std::string body) {
  Response res{static_cast<net::http::status>(status), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

void append_json_string(std::string& out, std::string_view s) {
  // boost::json's escapes: the short forms for \b \t \n \f \r, \u00xx for
  // the other control characters, \" and \\; every other byte as it is.
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    switch (ch) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\r':
        out.push_back('r');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[ch >> 4]);
        out.push_back(kHex[ch & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

namespace {

// Formatted lines gather in memory; a background thread writes them out
// every `every_`, a full buffer is written at once by the line that fills it.
class BatchedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BatchedFdSink(int fd, std::chrono::milliseconds every) : fd_(fd), every_(every) {
    writer_ = std::thread([this] {
      std::unique_lock lock(stop_mu_);
      while (!stop_cv_.wait_for(lock, every_, [this] { return stop_; })) flush();
    });
  }
  ~BatchedFdSink() override {
    {
      std::lock_guard lock(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    writer_.join();
    flush();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    pending_.append(line.data(), line.size());
    if (pending_.size() >= kFlushAt) flush_();
  }
  void flush_() override {
    const char* p = pending_.data();
    size_t left = pending_.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to write: drop, as the default logger would
      p += n;
      left -= static_cast<size_t>(n);
    }
    pending_.clear();
  }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;
  const int fd_;
  const std::chrono::milliseconds every_;
  std::string pending_;  // guarded by base_sink's mutex
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace

std::shared_ptr<spdlog::logger> make_access_log(int fd, std::chrono::milliseconds every) {
  auto base = spdlog::default_logger();
  auto log =
      std::make_shared<spdlog::logger>(base->name(), std::make_shared<BatchedFdSink>(fd, every));
  // The default logger's pattern (log_setup.cpp), without colors; the
  // message escaped like every log record (log injection).
  log->set_formatter(make_log_formatter("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v"));
  log->set_level(base->level());
  log->flush_on(spdlog::level::off);
  return log;
}

Error quota_exceeded(const char* code, const std::string& quota, int64_t retry_after_s) {
  Error e = make_error(
      code,
      quota + " quota of this tenant exceeded; retry after " + std::to_string(retry_after_s) + " s",
      true);
  e.retry_after_s = retry_after_s;
  return e;
}

Reply error_response(const Ctx& c, const Error& e, ErrorSubject subject) {
  Response res{static_cast<net::http::status>(http_status_for(e.code, subject)), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  if (e.retry_after_s) res.set(net::http::field::retry_after, std::to_string(*e.retry_after_s));
  res.keep_alive(c.req.keep_alive());
  res.body() = error_body(e);
  res.prepare_payload();
  Reply reply(std::move(res));
  reply.outcome = e.code;
  return reply;
}

Reply replay_response(const Ctx& c, int http_status, const std::string& body,
                      std::string_view id_member) {
  Response res{static_cast<net::http::status>(http_status), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  res.set("Idempotent-Replayed", "true");
  res.keep_alive(c.req.keep_alive());
  res.body() = body;
  res.prepare_payload();
  Reply reply(std::move(res));
  // The stored answer is all that is left of the first request: what the
  // audit records is read from it (our own JSON, written by json_response
  // or error_response).
  boost::system::error_code ec;
  auto stored = json::parse(body, ec);
  if (ec || !stored.is_object()) return reply;
  const auto& o = stored.as_object();
  if (auto* id = o.if_contains(id_member); id && id->is_string()) reply.object_id = id->as_string();
  if (auto* e = o.if_contains("error"); e && e->is_object())
    if (auto* code = e->as_object().if_contains("code"); code && code->is_string())
      reply.outcome = code->as_string();
  return reply;
}

namespace {

// json::parse keeps the last of two members with the same key, so
// {"carrier":"mobile","carrier":"unicom"} would silently be a unicom
// request (and a front end that keeps the first one would see another
// request than we do). This handler builds the value exactly as
// json::parse's own does (a value_stack fed by basic_parser's events) and
// stops the parse at the first key an object already has.
class UniqueKeysHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();
  using error_code = boost::system::error_code;
  using string_view = json::string_view;

  json::value_stack st;
  std::optional<std::string> duplicate;  // the first key seen twice

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    keys_.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    key_.append(s.data(), s.size());
    // Keys are compared as parsed, escapes resolved: "a" and "a" written
    // with a \u escape are the same key.
    if (keys_.back().count(key_)) {
      duplicate = std::move(key_);
      ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    keys_.back().insert(std::move(key_));
    key_.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view, error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;  // one set per open object
  std::string key_;                                    // the key being read
};

}  // namespace

Result<json::value> parse_json_unique_keys(std::string_view text,
                                           const json::parse_options& options) {
  json::basic_parser<UniqueKeysHandler> p(options);
  p.handler().st.reset();
  boost::system::error_code ec;
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (p.handler().duplicate)
    return make_error(code::kInvalidJson,
                      "the member '" + *p.handler().duplicate + "' appears twice in an object");
  if (ec || n < text.size())  // n < size: something after the value
    return make_error(code::kInvalidJson, "the body must be a JSON object");
  return p.handler().st.release();
}

Result<json::object> parse_body(const Ctx& c, std::initializer_list<const char*> allowed) {
  json::parse_options opts;
  opts.max_depth = 8;  // our bodies are shallow; deep nesting is an attack
  auto parsed = parse_json_unique_keys(c.req.body(), opts);
  if (!parsed) return parsed.error();
  json::value& v = parsed.value();
  if (!v.is_object()) return make_error(code::kInvalidJson, "the body must be a JSON object");
  for (const auto& kv : v.as_object()) {
    bool known = false;
    for (const char* a : allowed) known = known || kv.key() == a;
    if (!known)
      return make_error(code::kUnknownField, "unknown field '" + std::string(kv.key()) + "'");
  }
  return std::move(v.as_object());
}

std::optional<size_t> utf8_length(std::string_view s) {
  namespace utf = boost::locale::utf;
  size_t n = 0;
  for (auto p = s.begin(); p != s.end(); ++n) {
    // decode() refuses overlong forms, surrogates and anything above
    // U+10FFFF, as RFC 3629 does.
    const utf::code_point cp = utf::utf_traits<char>::decode(p, s.end());
    if (cp == utf::illegal || cp == utf::incomplete) return std::nullopt;
  }
  return n;
}

Status check_text(std::string_view name, std::string_view value) {
  // A NUL ends a C string: a value would read differently to the carrier,
  // the store and the logs than to us.
  if (value.find('\0') != std::string_view::npos)
    return bad_argument(std::string(name) + " contains a NUL character");
  if (!utf8_length(value)) return bad_argument(std::string(name) + " is not valid UTF-8");
  return {};
}

Status check_query(const std::map<std::string, std::string>& query) {
  for (const auto& [key, value] : query) {
    // The key is named in the message only when it is itself clean text.
    if (!check_text("a query parameter name", key))
      return bad_argument("a query parameter name is not valid UTF-8 or contains a NUL character");
    if (auto checked = check_text("query parameter '" + key + "'", value); !checked) return checked;
  }
  return {};
}

Result<std::string> req_string(const json::object& o, const char* field, size_t max_len) {
  auto* v = o.if_contains(field);
  if (!v || !v->is_string()) return bad_argument(std::string(field) + " is required (a string)");
  const auto& s = v->as_string();
  if (auto checked = check_text(field, s); !checked) return checked.error();
  // Limits count characters (UTF-8 code points), not bytes: a Chinese name
  // of 64 characters is 192 bytes.
  const size_t chars = utf8_length(s).value_or(0);
  if (chars == 0 || chars > max_len)
    return bad_argument(std::string(field) + " must have 1 to " + std::to_string(max_len) +
                        " characters");
  return std::string(s);
}

Result<std::optional<std::string>> opt_string(const json::object& o, const char* field,
                                              size_t max_len) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>();
  auto r = req_string(o, field, max_len);
  if (!r) return r.error();
  return std::optional<std::string>(std::move(r.value()));
}

Status read_delivery(const json::object& body, Delivery& out) {
  auto* delivery = body.if_contains("delivery");
  if (!delivery || !delivery->is_object())
    return bad_argument("delivery is required (an object with name, phone, address)");
  for (const auto& kv : delivery->as_object())
    if (kv.key() != "name" && kv.key() != "phone" && kv.key() != "address")
      return make_error(code::kUnknownField,
                        "unknown field 'delivery." + std::string(kv.key()) + "'");
  for (auto [field, dest, max] :
       {std::tuple{"name", &out.name, size_t{64}}, std::tuple{"phone", &out.phone, size_t{11}},
        std::tuple{"address", &out.address, size_t{256}}}) {
    auto v = req_string(delivery->as_object(), field, max);
    if (!v) return bad_argument("delivery." + v.error().message);
    *dest = v.value();
  }
  if (out.phone.size() != 11 || !all_digits(out.phone))
    return bad_argument("delivery.phone must be 11 digits");
  return {};
}

Result<std::string> idempotency_key(const Ctx& c) {
  auto key = c.req["Idempotency-Key"];
  if (key.empty())
    return make_error(code::kIdempotencyKeyRequired, "the Idempotency-Key header is required");
  if (key.size() > 255) return bad_argument("Idempotency-Key has at most 255 characters");
  return std::string(key);
}

bool all_digits(std::string_view s) {
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  return !s.empty();
}

std::string rfc3339(int64_t ms) {
  return rfc3339_utc(ms);
}

}  // namespace cgw::gw::api
