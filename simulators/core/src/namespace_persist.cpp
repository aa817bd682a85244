// Saved namespaces (docs/simulators-reference.md, "Saved namespaces"): a
// namespace created with "persist": true lives in
// <state_dir>/<carrier>/<name>.json as well as in memory.
//
// When it is written: at creation, at each reset, on
// POST /ns/<name>/admin/state/save, at a clean stop (SIGTERM, SIGINT), and
// by a periodic check (every RouterOptions::save_period, 1 s) whenever its
// state differs from what was last written. So a long manual session loses
// at most the last second to a crash, and an idle namespace is not written.
// Each write is atomic: a temporary file, fsync, rename, fsync of the
// directory; a reader sees the old file or the new one, never half of one.
//
// When the router is built, every <name>.json in <state_dir>/<carrier>/ is
// made again from the overrides saved in it ("create") and its state
// restored. A file that cannot be read, is not JSON, has another format
// version or does not restore stops cgw-sim with an error naming the file
// and the field: starting without the namespace would silently lose it.
#include "admin_internal.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/namespace_router.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace cgw::sim {

namespace fs = std::filesystem;
namespace json = boost::json;
using net::http::status;

namespace {

std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}

// "" or what went wrong.
std::string write_atomically(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return "cannot create " + file.parent_path().string() + ": " + ec.message();
  const std::string tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write " + tmp + ": " + errno_text();
  std::string err;
  for (size_t off = 0; off < text.size() && err.empty();) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno != EINTR) err = "cannot write " + tmp + ": " + errno_text();
    if (n > 0) off += static_cast<size_t>(n);
  }
  if (err.empty() && ::fsync(fd) != 0) err = "cannot sync " + tmp + ": " + errno_text();
  ::close(fd);
  if (err.empty()) {
    fs::rename(tmp, file, ec);
    if (ec) err = "cannot rename " + tmp + " to " + file.string() + ": " + ec.message();
  }
  if (!err.empty()) {
    fs::remove(tmp, ec);
    return err;
  }
  // The rename itself survives a power cut only once the directory is synced.
  if (const int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace

fs::path NamespaceRouter::state_file(std::string_view name) const {
  return options_.state_dir / std::string(carrier()) / (std::string(name) + ".json");
}

std::string NamespaceRouter::save(const std::string& name, bool force) {
  std::shared_ptr<SimInstance> inst;
  json::object create;
  std::string last;
  {
    std::lock_guard lock(mu_);
    auto it = namespaces_.find(name);
    if (it == namespaces_.end() || !it->second.persist) return {};  // deleted meanwhile
    inst = it->second.instance;
    create = it->second.create;
    last = it->second.saved;
  }
  json::object state = inst->snapshot();
  std::string text = json::serialize(state);
  if (!force && text == last) return {};
  const json::object file{{"format", kNamespaceFileFormat},
                          {"version", kNamespaceFileVersion},
                          {"carrier", carrier()},
                          {"name", name},
                          {"saved_at_ms", cgw::system_now_ms()},
                          {"create", std::move(create)},
                          {"state", std::move(state)}};
  if (auto err = write_atomically(state_file(name), json::serialize(file) + "\n"); !err.empty()) {
    spdlog::error("{}: cannot save namespace {}: {}", carrier(), name, err);
    return err;
  }
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(name);
  if (it != namespaces_.end() && it->second.instance == inst) it->second.saved = std::move(text);
  return {};
}

void NamespaceRouter::save_changed() {
  std::lock_guard save_lock(save_mu_);
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, ns] : namespaces_)
      if (ns.persist) names.push_back(name);
  }
  for (const auto& name : names) save(name, false);  // errors are logged
}

std::string NamespaceRouter::remove_file(std::string_view name) {
  std::error_code ec;
  const fs::path file = state_file(name);
  fs::remove(file, ec);
  if (ec) {
    spdlog::error("{}: cannot remove {}: {}", carrier(), file.string(), ec.message());
    return "cannot remove " + file.string() + ": " + ec.message();
  }
  return {};
}

net::Response NamespaceRouter::handle_save(const net::Request& req, const std::string& name) {
  if (req.method() != net::http::verb::post)
    return admin::error(req, status::method_not_allowed, "use POST");
  std::lock_guard save_lock(save_mu_);
  {
    std::lock_guard lock(mu_);
    auto it = namespaces_.find(name);
    if (it == namespaces_.end())
      return admin::error(req, status::not_found, "unknown namespace (POST /admin/namespaces)");
    if (!it->second.persist)
      return admin::error(
          req, status::conflict,
          "namespace " + name + " is not saved to a file: create it with \"persist\": true");
  }
  if (auto err = save(name, true); !err.empty())
    return admin::error(req, status::internal_server_error, err);
  return json_response(req, status::ok,
                       json::object{{"saved", name}, {"file", state_file(name).string()}});
}

void NamespaceRouter::load_saved() {
  const fs::path dir = options_.state_dir / std::string(carrier());
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json") files.push_back(it->path());
  if (ec) throw std::runtime_error(dir.string() + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());

  for (const auto& file : files) {
    auto fail = [&](const std::string& what) {
      throw std::runtime_error(file.string() + ": " + what);
    };
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    if (!in) fail("cannot read the file");
    text << in.rdbuf();  // an empty file is reported by the parser below
    boost::system::error_code jec;
    json::value v = json::parse(text.str(), jec);
    if (jec) fail("not valid JSON (" + jec.message() + ")");
    const json::object* o = v.if_object();
    if (!o) fail("not a saved cgw-sim namespace (not a JSON object)");
    const auto* format = o->if_contains("format");
    if (!format || !format->is_string() || format->as_string() != kNamespaceFileFormat)
      fail("not a saved cgw-sim namespace (\"format\" is not \"" +
           std::string(kNamespaceFileFormat) + "\")");
    const auto* version = o->if_contains("version");
    if (!version || !version->is_int64() || version->as_int64() != kNamespaceFileVersion)
      fail("file format version " + (version ? json::serialize(*version) : "missing") +
           "; this cgw-sim reads version " + std::to_string(kNamespaceFileVersion));
    const std::string name = file.stem().string();
    const auto* saved_carrier = o->if_contains("carrier");
    if (!saved_carrier || !saved_carrier->is_string() || saved_carrier->as_string() != carrier())
      fail("carrier: not " + std::string(carrier()));
    const auto* saved_name = o->if_contains("name");
    if (!saved_name || !saved_name->is_string() || saved_name->as_string() != name ||
        !admin::valid_namespace_name(name))
      fail("name: not the file's name '" + name + "'");
    const auto* create = o->if_contains("create");
    const auto* state = o->if_contains("state");
    if (!create || !create->is_object()) fail("create: missing or not an object");
    if (!state || !state->is_object()) fail("state: missing or not an object");

    SimulatorConfig config = config_;
    if (auto e = admin::read_overrides(create->as_object(), config); !e.empty())
      fail("create: " + e);
    std::shared_ptr<SimInstance> inst;
    try {
      inst = SimInstance::create(factory_, executor_, config, name);
    } catch (const std::exception& e) {
      fail(std::string("create: ") + e.what());
    }
    if (auto e = inst->restore(state->as_object()); !e.empty()) {
      inst->stop();
      fail("state." + e);
    }
    Namespace ns{inst, config.seed,         config,
                 true, create->as_object(), json::serialize(inst->snapshot())};
    std::lock_guard lock(mu_);
    namespaces_.insert_or_assign(name, std::move(ns));
    spdlog::info("{}: namespace {} restored from {}", carrier(), name, file.string());
  }
}

}  // namespace cgw::sim
