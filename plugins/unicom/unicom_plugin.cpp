#include "unicom_plugin.hpp"

#include "operations.hpp"

#include <cgw/encoding.hpp>
#include <cgw/settings.hpp>

namespace cgw::unicom {

Settings Settings::from_yaml(const YAML::Node& node) {
  const SettingsReader in("unicom", node);
  // A typo (`lock_minuts`) must fail loudly instead of falling back to a
  // default. `callback_url` is filled in by the host for every plugin and
  // is unused: this carrier sends no callbacks.
  in.only({"base_url", "app_id", "secret", "lock_minutes", "timeout_ms", "callback_url"});
  Settings s;
  // A query on the base would end up in front of the router path.
  s.base_url = in.url("base_url");
  s.app_id = in.text("app_id");
  s.secret = in.text("secret");
  s.lock_minutes = in.integer("lock_minutes", 30, 1, 7 * 24 * 60);
  s.timeout_ms = in.timeout_ms();
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
    form.encoded_params().append({encoding::url_encode(k), encoding::url_encode(v)});

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
    return Step::fail(bad_reply(prefix(op->traits), op->traits, e.what()));
  }
}

}  // namespace cgw::unicom
