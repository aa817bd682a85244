// Reading a saved namespace (docs/simulators-reference.md, "Saved
// namespaces") field by field. Every read names the field's path in the
// snapshot ("ledger.orders[2].stage"), so a damaged file is reported
// precisely; the first error is kept and later reads do nothing.
// Private to cgw_sim_core.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim::snap {

class Reader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(const std::string& path, std::string_view what) {
    if (ok()) error_ = path + ": " + std::string(what);
  }

  const boost::json::value* field(const boost::json::object& o, const std::string& path,
                                  std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) fail(join(path, key), "missing");
    return ok() ? v : nullptr;
  }
  void str(const boost::json::object& o, const std::string& path, std::string_view key,
           std::string& out) {
    if (const auto* v = field(o, path, key)) {
      if (v->is_string())
        out = v->as_string();
      else
        fail(join(path, key), "must be a string");
    }
  }
  void i64(const boost::json::object& o, const std::string& path, std::string_view key,
           int64_t& out) {
    if (const auto* v = field(o, path, key)) {
      if (v->is_int64())
        out = v->as_int64();
      else if (v->is_uint64() && v->as_uint64() <= uint64_t(INT64_MAX))
        out = static_cast<int64_t>(v->as_uint64());
      else
        fail(join(path, key), "must be an integer");
    }
  }
  void u64(const boost::json::object& o, const std::string& path, std::string_view key,
           uint64_t& out) {
    if (const auto* v = field(o, path, key)) {
      if (v->is_uint64())
        out = v->as_uint64();
      else if (v->is_int64() && v->as_int64() >= 0)
        out = static_cast<uint64_t>(v->as_int64());
      else
        fail(join(path, key), "must be an integer >= 0");
    }
  }
  void i32(const boost::json::object& o, const std::string& path, std::string_view key, int& out) {
    int64_t n = out;
    i64(o, path, key, n);
    if (n < INT32_MIN || n > INT32_MAX) return fail(join(path, key), "out of range");
    out = static_cast<int>(n);
  }
  void dbl(const boost::json::object& o, const std::string& path, std::string_view key,
           double& out) {
    if (const auto* v = field(o, path, key)) {
      if (v->is_number())
        out = v->to_number<double>();
      else
        fail(join(path, key), "must be a number");
    }
  }
  void boolean(const boost::json::object& o, const std::string& path, std::string_view key,
               bool& out) {
    if (const auto* v = field(o, path, key)) {
      if (v->is_bool())
        out = v->as_bool();
      else
        fail(join(path, key), "must be true or false");
    }
  }
  const boost::json::array* arr(const boost::json::object& o, const std::string& path,
                                std::string_view key) {
    const auto* v = field(o, path, key);
    if (v && !v->is_array()) fail(join(path, key), "must be an array");
    return ok() && v ? &v->as_array() : nullptr;
  }
  const boost::json::object* obj(const boost::json::object& o, const std::string& path,
                                 std::string_view key) {
    const auto* v = field(o, path, key);
    if (v && !v->is_object()) fail(join(path, key), "must be an object");
    return ok() && v ? &v->as_object() : nullptr;
  }
  // An element of an array that must be an object.
  const boost::json::object* elem(const boost::json::value& v, const std::string& path) {
    if (!v.is_object()) fail(path, "must be an object");
    return ok() ? &v.as_object() : nullptr;
  }
  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string at(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string error_;
};

}  // namespace cgw::sim::snap
