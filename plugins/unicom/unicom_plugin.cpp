#include "unicom_plugin.hpp"

#include "operations.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

namespace cgw::unicom {
namespace {

[[noreturn]] void bad_setting(std::string_view key, std::string_view problem) {
  throw std::invalid_argument("unicom settings: '" + std::string(key) + "' " +
                              std::string(problem));
}

std::string required_string(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) bad_setting(key, "is required");
  if (!v.IsScalar()) bad_setting(key, "must be a string");
  if (v.Scalar().empty()) bad_setting(key, "must not be empty");
  return v.Scalar();
}

int64_t optional_int(const YAML::Node& node, const char* key, int64_t fallback, int64_t lo,
                     int64_t hi) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) return fallback;
  int64_t x = 0;
  if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, x) || x < lo || x > hi)
    bad_setting(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

// An absolute http(s) URL with a host; nullopt otherwise.
std::optional<boost::urls::url> http_url(std::string_view s) {
  auto r = boost::urls::parse_absolute_uri(s);
  if (!r || r->encoded_host().empty()) return std::nullopt;
  if (r->scheme_id() != boost::urls::scheme::http && r->scheme_id() != boost::urls::scheme::https)
    return std::nullopt;
  return boost::urls::url(*r);
}

// Keys the host or the operator may set. A typo (`lock_minuts`) must fail
// loudly instead of falling back to a default. `callback_url` is filled in
// by the host for every plugin and is unused: this carrier sends no
// callbacks.
constexpr std::array<std::string_view, 6> kKnownKeys = {
    "base_url", "app_id", "secret", "lock_minutes", "timeout_ms", "callback_url"};

// Form components are encoded with everything but RFC 3986 "unreserved"
// escaped: '+' must become %2B (a form decoder reads '+' as a space, which
// would corrupt base64 portraits), and '&' and '=' cannot split a value.
// Boost 1.81's params(encoding_opts).append() leaves '+' as is, hence
// encode() with an explicit character set.
std::string form_component(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

}  // namespace

Settings Settings::from_yaml(const YAML::Node& node) {
  if (!node.IsMap())
    throw std::invalid_argument(
        "unicom settings: expected a mapping with base_url, app_id and secret");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end())
      bad_setting(key, "is not a known setting");
  }
  Settings s;
  auto base = http_url(required_string(node, "base_url"));
  // A query on the base would end up in front of the router path.
  if (!base || base->has_query() || base->has_fragment())
    bad_setting("base_url", "must be an absolute http(s) URL without query or fragment");
  s.base_url = std::move(*base);
  s.app_id = required_string(node, "app_id");
  s.secret = required_string(node, "secret");
  s.lock_minutes = optional_int(node, "lock_minutes", 30, 1, 7 * 24 * 60);
  s.timeout_ms = static_cast<uint32_t>(
      optional_int(node, "timeout_ms", 0, 1, std::numeric_limits<uint32_t>::max()));
  return s;
}

UnicomPlugin::UnicomPlugin(HostApi host, const YAML::Node& settings)
    : CarrierPlugin(host), settings_(Settings::from_yaml(settings)) {}

HttpRequest UnicomPlugin::build_request(const Outbound& out) const {
  boost::urls::url u = settings_.base_url;
  // Keep a base path prefix (e.g. behind a reverse proxy), minus its trailing slash.
  std::string path(settings_.base_url.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.set_encoded_path(path + std::string(kRouterPath));

  Params params = {{"app_key", settings_.app_id},
                   {"method", out.method},
                   {"timestamp", beijing_timestamp(host().now_ms())},
                   {"v", std::string(kApiVersion)}};
  params.insert(params.end(), out.params.begin(), out.params.end());
  params.emplace_back("sign", sign(settings_.secret, params));

  // The body is a form: the query component of an empty URL, built through
  // Boost.URL's encoded params so only the escaping is ours to choose.
  boost::urls::url form;
  for (const auto& [k, v] : params)
    form.encoded_params().append({form_component(k), form_component(v)});

  HttpRequest req;
  req.method = "POST";
  req.url = std::string(u.buffer());
  req.body = std::string(form.encoded_query());
  req.timeout_ms = settings_.timeout_ms;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"Accept", "application/json"}};
  return req;
}

Step UnicomPlugin::start(std::string_view operation, const json::value& input) {
  const Operation* op = find_operation(operation);
  if (!op) return unsupported(operation);
  Prepared prepared;
  try {
    prepared = op->prepare(input, settings_);
  } catch (const std::exception&) {
    // Boost.JSON's messages name no values, but a fixed text is safer still.
    return Step::fail(code::kInvalidArgument,
                      "unicom " + std::string(operation) + ": input does not match the schema");
  }
  if (auto* e = std::get_if<Error>(&prepared)) return Step::fail(std::move(*e));
  Outbound& out = std::get<Outbound>(prepared);
  json::object state = std::move(out.state);
  state["op"] = op->traits.name;
  HttpRequest req = build_request(out);
  req.replayable = op->traits.replayable;
  return Step::send(std::move(req), std::move(state));
}

Step UnicomPlugin::resume(const json::value& state, const HttpResponse& response) {
  const json::object* st = state.if_object();
  const json::value* name = st ? st->if_contains("op") : nullptr;
  const Operation* op = name && name->is_string() ? find_operation(name->get_string()) : nullptr;
  if (!op) return Step::fail(code::kPluginError, "unicom: unknown continuation state");

  Reply reply = unwrap_reply(response, op->traits);
  if (auto* e = std::get_if<Error>(&reply)) return Step::fail(std::move(*e));
  try {
    return Step::done(op->finish(std::get<json::object>(reply), *st));
  } catch (const BadReply& e) {
    return Step::fail(bad_response(op->traits, e.what()));
  }
}

}  // namespace cgw::unicom
