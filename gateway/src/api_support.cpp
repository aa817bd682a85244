#include "api_support.hpp"

#include "cgw/common/log_setup.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

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

Response quota_response(const Ctx& c, const std::string& code, const std::string& quota,
                        int64_t retry_after_s) {
  auto res = error_response(c, ApiError{429, code,
                                        quota + " quota of this tenant exceeded; retry after " +
                                            std::to_string(retry_after_s) + " s",
                                        true});
  res.set(net::http::field::retry_after, std::to_string(retry_after_s));
  return res;
}

Response error_response(const Ctx& c, const ApiError& e) {
  Response res{static_cast<net::http::status>(e.http_status), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = error_body(e);
  res.prepare_payload();
  return res;
}

ApiError carrier_error(const OperationOutcome& o) {
  ApiError e;
  e.code = o.code;
  e.http_status = http_status_for(o.code);
  e.message = o.message.empty() ? o.code : o.message;
  e.retryable = o.retryable;
  return e;
}

Result<json::object> parse_body(const Ctx& c, std::initializer_list<const char*> allowed) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;  // our bodies are shallow; deep nesting is an attack
  json::value v = json::parse(c.req.body(), ec, {}, opts);
  if (ec || !v.is_object())
    return ApiError{400, "INVALID_JSON", "the body must be a JSON object", false};
  for (const auto& kv : v.as_object()) {
    bool known = false;
    for (const char* a : allowed) known = known || kv.key() == a;
    if (!known)
      return ApiError{400, "UNKNOWN_FIELD", "unknown field '" + std::string(kv.key()) + "'", false};
  }
  return std::move(v.as_object());
}

Result<std::string> req_string(const json::object& o, const char* field, size_t max_len) {
  auto* v = o.if_contains(field);
  if (!v || !v->is_string()) return bad_argument(std::string(field) + " is required (a string)");
  const auto& s = v->as_string();
  if (s.empty() || s.size() > max_len)
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

bool all_digits(std::string_view s) {
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  return !s.empty();
}

std::string rfc3339(int64_t ms) {
  return rfc3339_utc(ms);
}

}  // namespace cgw::gw::api
