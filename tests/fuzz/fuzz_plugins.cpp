// Fuzz target: every carrier plugin's handling of carrier replies and
// callbacks, through the C ABI exactly as the gateway drives it. Input:
// byte 0 picks the plugin, byte 1 the case (an operation's reply, or a
// callback), the rest is the HTTP body (and, for replies, byte 2 the
// status). Whatever the bytes, the plugin must answer with a step or a
// callback result: no crash, no exception across the boundary, no leak.
#include "config.hpp"
#include "plugin_host.hpp"

#include <cgw/types.hpp>

#include <yaml-cpp/yaml.h>
#include <boost/json.hpp>

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

namespace {
using namespace cgw;
using namespace cgw::gw;
namespace json = boost::json;

struct Loaded {
  std::string id, msisdn;
  std::shared_ptr<PluginLibrary> lib;
  std::unique_ptr<HostContext> ctx;
  cgw_instance* instance = nullptr;

  Loaded() = default;
  Loaded(Loaded&& o) noexcept
      : id(std::move(o.id)),
        msisdn(std::move(o.msisdn)),
        lib(std::move(o.lib)),
        ctx(std::move(o.ctx)),
        instance(std::exchange(o.instance, nullptr)) {}
  Loaded& operator=(Loaded&&) = delete;
  ~Loaded() {
    if (instance) lib->table->destroy(instance);  // before the library goes
  }
};

cgw_str view(const std::string& s) {
  return {s.data(), s.size()};
}

// The demo config's carriers (their settings and secrets), without its PII
// key file: the plugins need nothing else.
std::vector<Loaded> load_all() {
  const std::string file = std::string(CGW_SOURCE_DIR) + "/config/gateway.yaml";
  YAML::Node root = YAML::LoadFile(file);
  setenv("CGW_FUZZ_PII_KEY", std::string(64, 'f').c_str(), 1);
  root["security"]["pii_key"] = YAML::Load("{env: CGW_FUZZ_PII_KEY}");
  YAML::Emitter out;
  out << root;
  auto cfg = parse_config(out.c_str(), file);
  if (!cfg.config) {
    fprintf(stderr, "fuzz_plugins: %s\n", cfg.error.c_str());
    abort();
  }
  std::vector<Loaded> all;
  const std::map<std::string, std::string> numbers = {{"mobile", "13800000000"},
                                                      {"unicom", "13000000000"},
                                                      {"telecom", "13300000000"},
                                                      {"mvno", "17001234567"}};
  for (const auto& c : cfg.config->carriers) {
    Loaded l;
    l.id = c.id;
    l.msisdn = numbers.count(c.id) ? numbers.at(c.id) : "13800000000";
    std::string why;
    l.lib = load_plugin(std::string(CGW_PLUGIN_DIR) + "/cgw_" + c.id + ".so", host_table(), why);
    if (!l.lib) {
      fprintf(stderr, "fuzz_plugins: %s: %s\n", c.id.c_str(), why.c_str());
      abort();
    }
    l.ctx = std::make_unique<HostContext>();
    l.ctx->carrier_id = c.id;
    YAML::Node settings = YAML::Clone(c.settings);
    settings["base_url"] = "http://127.0.0.1:9";
    settings["callback_url"] = "http://127.0.0.1:9/v1/callbacks/" + c.id;
    YAML::Emitter s;
    s << settings;
    const std::string yaml = s.c_str();
    cgw_step_v1* error = nullptr;
    l.instance = l.lib->table->create(l.ctx.get(), view(yaml), &error);
    if (error) l.lib->table->free_step(error);
    if (!l.instance) abort();
    all.push_back(std::move(l));
  }
  return all;
}

std::vector<std::pair<std::string, std::string>> operations(const Loaded& l) {
  auto j = [](const auto& v) { return json::serialize(json::value_from(v)); };
  return {{op::kPlansList, "{}"},
          {op::kInventorySync, j(InventorySyncInput{"", 100})},
          {op::kNumberReserve, j(ReserveInput{l.msisdn, "res_fuzz", 600})},
          {op::kNumberRelease, j(ReleaseInput{l.msisdn, "LOCK1"})},
          {op::kKycVerify, j(KycVerifyInput{"测试", "11010119900101901X", std::nullopt})},
          {op::kActivationSubmit,
           j(ActivationSubmitInput{"act_fuzz", l.msisdn, "P1", "LOCK1", "测试",
                                   "11010119900101901X", Delivery{"测试", "13900000000", "x"}})},
          {op::kActivationQuery, j(ActivationQueryInput{"act_fuzz", "ORD1"})}};
}

void reply_case(const Loaded& l, const std::string& operation, const std::string& input, int status,
                const std::string& body) {
  const cgw_plugin_v1* t = l.lib->table;
  cgw_step_v1* step = t->start(l.instance, view(operation), view(input));
  // At most a few exchanges, each answered with the fuzzed reply.
  for (int i = 0; i < 4 && step && step->kind == CGW_STEP_SEND; ++i) {
    const std::string state(step->state.ptr, step->state.len);
    static const std::string kType = "Content-Type", kJson = "application/json";
    cgw_header header{view(kType), view(kJson)};
    cgw_http_response_v1 res{};
    res.transport = CGW_TRANSPORT_OK;
    res.status = status;
    res.headers = &header;
    res.header_count = 1;
    res.body = view(body);
    cgw_step_v1* next = t->resume(l.instance, view(state), &res);
    t->free_step(step);
    step = next;
  }
  if (step) t->free_step(step);
}

void callback_case(const Loaded& l, const std::string& body) {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Type", "application/json"}, {"X-Timestamp", "1796000000"},
      {"X-Nonce", "0123456789abcdef"},      {"X-Signature", "AAAA"},
      {"X-App-Id", "demo-mobile-app"},      {"X-Telecom-Timestamp", "1796000000"}};
  std::vector<cgw_header> headers;
  for (const auto& [k, v] : kHeaders) headers.push_back({view(k), view(v)});
  static const std::string kPost = "POST";
  const std::string target = "/v1/callbacks/" + l.id;
  cgw_http_request_v1 req{};
  req.method = view(kPost);
  req.url = view(target);
  req.headers = headers.data();
  req.header_count = headers.size();
  req.body = view(body);
  if (auto* r = l.lib->table->parse_callback(l.instance, &req)) l.lib->table->free_callback(r);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<Loaded> plugins = load_all();
  if (size < 3) return 0;
  const Loaded& l = plugins[data[0] % plugins.size()];
  const auto ops = operations(l);
  const size_t which = data[1] % (ops.size() + 1);
  const std::string body(reinterpret_cast<const char*>(data + 3), size - 3);
  if (which == ops.size()) {
    callback_case(l, body);
  } else {
    static constexpr std::array<int, 8> kStatus = {200, 200, 200, 200, 400, 401, 500, 503};
    reply_case(l, ops[which].first, ops[which].second, kStatus[data[2] % kStatus.size()], body);
  }
  return 0;
}
