#include "cgw/sim/namespace_router.hpp"

#include "admin_internal.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cgw::sim {

namespace json = boost::json;
using net::http::status;

namespace {

constexpr size_t kMaxNameLength = 64;
constexpr auto kRetireDelay = std::chrono::seconds(2);
constexpr std::string_view kNsPrefix = "/ns/";
constexpr std::string_view kAdminNamespaces = "/admin/namespaces";

}  // namespace

bool admin::valid_namespace_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

namespace {

json::object namespace_json(std::string_view name, uint64_t seed, bool persist) {
  return json::object{{"name", name},
                      {"seed", seed},
                      {"basePath", std::string(kNsPrefix) + std::string(name)},
                      {"persist", persist}};
}

}  // namespace

std::string admin::read_overrides(const json::object& o, SimulatorConfig& c) {
  static constexpr const char* kKeys[] = {"name",
                                          "persist",
                                          "seed",
                                          "pool_size",
                                          "activation_delay_ms",
                                          "reservation_ttl_s",
                                          "first_topup_delay_ms",
                                          "first_topup_fen",
                                          "fulfilment",
                                          "replacement_delay_ms",
                                          "faults",
                                          "callback_chaos"};
  for (const auto& [key, unused] : o) {
    (void)unused;
    // key is named in the capture: clang 14 cannot capture a structured
    // binding implicitly.
    if (std::none_of(std::begin(kKeys), std::end(kKeys),
                     [&key = key](const char* k) { return key == k; }))
      return "unknown key '" + std::string(key) + "'";
  }
  int64_t n = 0;
  std::string err;
  if (const auto* v = o.if_contains("seed")) {
    if (v->is_uint64())
      c.seed = v->as_uint64();
    else if (v->is_int64() && v->as_int64() >= 0)
      c.seed = static_cast<uint64_t>(v->as_int64());
    else
      return "seed must be an integer >= 0";
  }
  if (const auto* v = o.if_contains("pool_size")) {
    if (!(err = json_int(*v, "pool_size", 1, 1'000'000, n)).empty()) return err;
    c.pool_size = static_cast<size_t>(n);
  }
  if (const auto* v = o.if_contains("activation_delay_ms"))
    if (!(err = json_int(*v, "activation_delay_ms", 0, 86'400'000, c.activation_delay_ms)).empty())
      return err;
  if (const auto* v = o.if_contains("reservation_ttl_s"))
    if (!(err = json_int(*v, "reservation_ttl_s", 1, 7 * 86'400, c.reservation_ttl_s)).empty())
      return err;
  if (const auto* v = o.if_contains("first_topup_delay_ms"))
    if (!(err = json_int(*v, "first_topup_delay_ms", -1, 86'400'000,
                         c.lifecycle.first_topup_delay_ms))
             .empty())
      return err;
  if (const auto* v = o.if_contains("first_topup_fen"))
    if (!(err = json_int(*v, "first_topup_fen", 1, 100'000'000, c.lifecycle.first_topup_fen))
             .empty())
      return err;
  if (const auto* v = o.if_contains("fulfilment")) {
    if (!v->is_bool()) return "fulfilment must be true or false";
    c.lifecycle.fulfilment = v->as_bool();
  }
  if (const auto* v = o.if_contains("replacement_delay_ms"))
    if (!(err =
              json_int(*v, "replacement_delay_ms", 0, 86'400'000, c.lifecycle.replacement_delay_ms))
             .empty())
      return err;
  c.faults.clear();
  c.callback_chaos.reset();
  if (const auto* v = o.if_contains("faults")) {
    auto parsed = fault_rules_from_json(*v);
    if (!parsed.ok()) return "faults: " + parsed.error;
    c.faults = std::move(parsed.rules);
  }
  if (const auto* v = o.if_contains("callback_chaos")) {
    auto parsed = callback_chaos_from_json(*v);
    if (!parsed.ok()) return "callback_chaos: " + parsed.error;
    c.callback_chaos = std::move(parsed.chaos);
  }
  return {};
}

std::string target_as_sent(const net::Request& req) {
  auto it = req.find(kNamespacePrefixHeader);
  if (it == req.end()) return std::string(req.target());
  return std::string(it->value()) + std::string(req.target());
}

NamespaceRouter::NamespaceRouter(SimulatorFactory factory, boost::asio::any_io_executor executor,
                                 SimulatorConfig config, RouterOptions options)
    : factory_(std::move(factory)),
      executor_(std::move(executor)),
      config_(std::move(config)),
      options_(options),
      root_(SimInstance::create(factory_, executor_, config_)) {
  if (!options_.state_dir.empty()) {
    load_saved();
    saver_ = std::make_unique<Ticker>(executor_, options_.save_period, [this] { save_changed(); });
  }
}

NamespaceRouter::~NamespaceRouter() {
  stop();
}

net::Handler NamespaceRouter::handler() {
  return [this](net::Request& req, const net::Peer& peer) { return route(req, peer); };
}

void NamespaceRouter::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopped_) return;
  started_ = true;
  root_->start();
  for (auto& [name, ns] : namespaces_) ns.instance->start();
  if (saver_) saver_->start();
}

void NamespaceRouter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
  }
  if (saver_) {
    saver_->stop();
    save_changed();  // a clean stop loses nothing
  }
  std::lock_guard lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  root_->stop();
  for (auto& [name, ns] : namespaces_) ns.instance->stop();
}

std::string NamespaceRouter::operation_of(const net::Request& req) const {
  return root_ptr()->simulator().operation_of(req);
}

net::Response NamespaceRouter::business_error(const net::Request& req,
                                              std::string_view code) const {
  return root_ptr()->simulator().business_error(req, code);
}

std::shared_ptr<SimInstance> NamespaceRouter::root_ptr() const {
  std::lock_guard lock(root_mu_);
  return root_;
}

std::shared_ptr<SimInstance> NamespaceRouter::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? nullptr : it->second.instance;
}

size_t NamespaceRouter::namespace_count() const {
  std::lock_guard lock(mu_);
  return namespaces_.size();
}

boost::asio::awaitable<net::Response> NamespaceRouter::route(net::Request& req, net::Peer peer) {
  req.erase(kNamespacePrefixHeader);  // only the router sets it
  const std::string path = admin::path_of(req.target());
  if (path == kAdminNamespaces || path.starts_with(std::string(kAdminNamespaces) + "/"))
    co_return handle_namespaces(req, path);
  const std::string_view target = req.target();
  if (!target.starts_with(kNsPrefix)) {
    if (path == "/admin/reset") co_return reset(req, "");
    auto root = root_ptr();
    co_return co_await root->serve(req, peer);
  }
  const std::string_view rest = target.substr(kNsPrefix.size());
  const std::string name(rest.substr(0, rest.find_first_of("/?")));
  auto inst = find(name);
  if (!inst)
    co_return admin::error(req, status::not_found, "unknown namespace (POST /admin/namespaces)");
  std::string stripped(rest.substr(name.size()));
  if (stripped.empty() || stripped.front() == '?') stripped.insert(0, "/");
  if (admin::path_of(stripped) == "/admin/reset") co_return reset(req, name);
  if (admin::path_of(stripped) == "/admin/state/save") co_return handle_save(req, name);
  req.set(kNamespacePrefixHeader, std::string(kNsPrefix) + name);
  req.target(stripped);
  co_return co_await inst->serve(req, peer);
}

net::Response NamespaceRouter::handle_namespaces(const net::Request& req, const std::string& path) {
  using net::http::verb;
  {
    std::lock_guard lock(mu_);
    prune_retired();
  }
  if (path == kAdminNamespaces && req.method() == verb::post) return create_namespace(req);
  if (path == kAdminNamespaces && req.method() == verb::get) {
    std::lock_guard lock(mu_);
    json::array list;
    for (const auto& [name, ns] : namespaces_)
      list.push_back(namespace_json(name, ns.seed, ns.persist));
    return json_response(
        req, status::ok,
        json::object{{"namespaces", std::move(list)}, {"max", options_.max_namespaces}});
  }
  if (req.method() != verb::delete_)
    return admin::error(req, status::method_not_allowed,
                        path == kAdminNamespaces ? "use GET, POST or DELETE" : "use DELETE");
  // A deleted namespace's file goes with it (save_mu_ first: no save of it
  // can run meanwhile and write it again).
  std::lock_guard save_lock(save_mu_);
  std::lock_guard lock(mu_);
  json::array deleted;
  std::vector<std::string> files;  // persisted namespaces deleted
  if (path == kAdminNamespaces) {
    for (auto& [name, ns] : namespaces_) {
      deleted.push_back(json::string(name));
      if (ns.persist) files.push_back(name);
      retire(std::move(ns.instance));
    }
    namespaces_.clear();
  } else {
    const std::string name = path.substr(kAdminNamespaces.size() + 1);
    auto it = namespaces_.find(name);
    if (it == namespaces_.end()) return admin::error(req, status::not_found, "no such namespace");
    if (it->second.persist) files.push_back(name);
    retire(std::move(it->second.instance));
    namespaces_.erase(it);
    deleted.push_back(json::string(name));
  }
  std::string err;
  for (const auto& name : files)
    if (auto e = remove_file(name); !e.empty() && err.empty()) err = e;
  if (!err.empty()) return admin::error(req, status::internal_server_error, err);
  return json_response(req, status::ok, json::object{{"deleted", std::move(deleted)}});
}

net::Response NamespaceRouter::create_namespace(const net::Request& req) {
  std::string err;
  auto body = admin::parse_body(req, err);
  if (!body) return admin::error(req, status::bad_request, err);
  const auto* obj = body->if_object();
  const auto* name_v = obj ? obj->if_contains("name") : nullptr;
  if (!name_v || !name_v->is_string() || !admin::valid_namespace_name(name_v->as_string()))
    return admin::error(req, status::bad_request,
                        "name must be 1-64 characters of A-Z, a-z, 0-9, '-' and '_'");
  const std::string name(name_v->as_string());
  SimulatorConfig config = config_;
  if (auto e = admin::read_overrides(*obj, config); !e.empty())
    return admin::error(req, status::bad_request, e);
  bool persist = false;
  if (const auto* p = obj->if_contains("persist")) {
    if (!p->is_bool())
      return admin::error(req, status::bad_request, "persist must be true or false");
    persist = p->as_bool();
  }
  if (persist && options_.state_dir.empty())
    return admin::error(req, status::bad_request,
                        "persistence needs state_dir in the cgw-sim config (or --state-dir)");
  // A namespace is built by the same factory, so the default instance
  // knows its operations and whether it sends callbacks.
  if (auto e = check_operations(config.faults, operations()); !e.empty())
    return admin::error(req, status::bad_request, "faults: " + e);
  if (config.callback_chaos)
    if (auto e = check_callback_chaos(root_ptr()->simulator(), *config.callback_chaos); !e.empty())
      return admin::error(req, status::bad_request, "callback_chaos: " + e);
  {
    std::lock_guard lock(mu_);
    if (namespaces_.count(name))
      return admin::error(req, status::conflict, "namespace exists (DELETE it first)");
    if (namespaces_.size() >= options_.max_namespaces)
      return admin::error(req, status::conflict,
                          "at most " + std::to_string(options_.max_namespaces) + " namespaces");
  }
  std::shared_ptr<SimInstance> inst;
  try {
    inst = SimInstance::create(factory_, executor_, config, name);
  } catch (const std::exception& e) {
    spdlog::error("{}: cannot create namespace {}: {}", carrier(), name, e.what());
    return admin::error(req, status::internal_server_error, "cannot create the namespace");
  }
  std::unique_lock lock(mu_);
  // Checked again: another request may have made it meanwhile.
  if (namespaces_.count(name) || namespaces_.size() >= options_.max_namespaces) {
    retire(std::move(inst));
    return admin::error(req, status::conflict, "namespace exists or the limit is reached");
  }
  if (started_ && !stopped_) inst->start();
  Namespace ns{std::move(inst), config.seed, config, persist, {}, {}};
  if (persist) {
    ns.create = *obj;
    ns.create.erase("persist");
  }
  namespaces_.emplace(name, std::move(ns));
  spdlog::info("{}: namespace {} created (seed {}{})", carrier(), name, config.seed,
               persist ? ", saved" : "");
  json::object reply = namespace_json(name, config.seed, persist);
  if (persist) {
    lock.unlock();
    // Written at once, so a crash right after the reply loses nothing.
    std::lock_guard save_lock(save_mu_);
    if (auto e = save(name, true); !e.empty()) {
      // Not kept half-made: a namespace asked to be saved that cannot be.
      std::lock_guard again(mu_);
      if (auto it = namespaces_.find(name); it != namespaces_.end()) {
        retire(std::move(it->second.instance));
        namespaces_.erase(it);
      }
      return admin::error(req, status::internal_server_error, e);
    }
    reply["file"] = state_file(name).string();
  }
  return json_response(req, status::created, reply);
}

void NamespaceRouter::retire(std::shared_ptr<SimInstance> inst) {
  inst->stop();
  retired_.emplace_back(std::chrono::steady_clock::now(), std::move(inst));
}

void NamespaceRouter::prune_retired() {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(retired_, [&](const auto& r) {
    return now - r.first >= kRetireDelay && r.second.use_count() == 1;
  });
}

}  // namespace cgw::sim
