#include "unicom_plugin.hpp"

#include "operations.hpp"

#include <cgw/encoding.hpp>
#include <cgw/settings.hpp>

namespace cgw::unicom {

Settings Settings::from_settings(const json::object& node) {
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

UnicomPlugin::UnicomPlugin(HostApi host, const json::object& settings)
    : CarrierPlugin(host),
      settings_(Settings::from_settings(settings)),
      ops_("unicom", [](const HttpResponse& r, const OpTraits& op, std::string_view) {
        return unwrap_reply(r, op);
      }) {
  register_operations(ops_, *this);
}

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

}  // namespace cgw::unicom
