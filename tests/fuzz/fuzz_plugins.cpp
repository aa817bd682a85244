// Fuzz target: every carrier plugin's handling of carrier replies and
// callbacks, through the C ABI exactly as the gateway drives it. Input:
// byte 0 picks the plugin, byte 1 the case (an operation's reply, or a
// callback), byte 2 the reply's status or, for a callback, whether it is
// signed (odd) or carries fixed, wrong signature headers (even); the rest is
// the HTTP body. A signed callback carries the headers the carrier would
// send, signed with the demo secrets of config/secrets/ at the current time,
// so the body gets past verification and reaches the plugin's body parser.
// Whatever the bytes, the plugin must answer with a step or a callback
// result: no crash, no exception across the boundary, no leak.
#include "carriers/carrier.hpp"
#include "core/config.hpp"

#include "cgw/common/crypto.hpp"
#include "mobile/signing.hpp"
#include "mvno/signing.hpp"

#include <cgw/types.hpp>

#include <yaml-cpp/yaml.h>
#include <boost/json.hpp>
#include "cgw/common/yaml_json.hpp"

#include <array>
#include <chrono>
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
  // What a signed callback needs: the carrier's app or partner id, the
  // shared secret (mobile, telecom) or the carrier's private key (mvno).
  std::string caller_id, secret;
  mvno::KeyHandle carrier_key;

  Loaded() = default;
  Loaded(Loaded&& o) noexcept
      : id(std::move(o.id)),
        msisdn(std::move(o.msisdn)),
        lib(std::move(o.lib)),
        ctx(std::move(o.ctx)),
        instance(std::exchange(o.instance, nullptr)),
        caller_id(std::move(o.caller_id)),
        secret(std::move(o.secret)),
        carrier_key(std::move(o.carrier_key)) {}
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
  if (!cfg) {
    fprintf(stderr, "fuzz_plugins: %s\n", cfg.error().message.c_str());
    abort();
  }
  std::vector<Loaded> all;
  const std::map<std::string, std::string> numbers = {{"mobile", "13800000000"},
                                                      {"unicom", "13000000000"},
                                                      {"telecom", "13300000000"},
                                                      {"mvno", "17001234567"}};
  for (const auto& c : cfg->carriers) {
    Loaded l;
    l.id = c.id;
    l.msisdn = numbers.count(c.id) ? numbers.at(c.id) : "13800000000";
    auto loaded = load_plugin(std::string(CGW_PLUGIN_DIR) + "/cgw_" + c.id + ".so", host_table());
    if (!loaded) {
      fprintf(stderr, "fuzz_plugins: %s: %s\n", c.id.c_str(), loaded.error().message.c_str());
      abort();
    }
    l.lib = loaded.value();
    l.ctx = std::make_unique<HostContext>();
    l.ctx->carrier_id = c.id;
    auto setting = [&](const char* key) {
      return c.settings[key] ? c.settings[key].as<std::string>() : std::string();
    };
    if (c.id == "mobile") {
      l.caller_id = setting("app_id");
      l.secret = setting("secret");
    } else if (c.id == "telecom") {
      l.secret = setting("callback_secret");
    } else if (c.id == "mvno") {
      l.caller_id = setting("partner_id");
      std::ifstream pem(std::string(CGW_SOURCE_DIR) +
                        "/config/secrets/mvno-demo-carrier-private.pem");
      std::stringstream text;
      text << pem.rdbuf();
      l.carrier_key = mvno::rsa_private_key_from_pem(text.str());
      if (!l.carrier_key) abort();
    }
    YAML::Node settings = YAML::Clone(c.settings);
    settings["base_url"] = "http://127.0.0.1:9";
    settings["callback_url"] = "http://127.0.0.1:9/v1/callbacks/" + c.id;
    // As the host passes them to a plugin of ABI 1.2: JSON.
    const std::string text = boost::json::serialize(cgw::yaml_to_json(settings));
    cgw_step_v1* error = nullptr;
    l.instance = l.lib->table->create(l.ctx.get(), view(text), &error);
    if (error) l.lib->table->free_step(error);
    if (!l.instance) abort();
    all.push_back(std::move(l));
  }
  return all;
}

std::vector<std::pair<std::string, std::string>> operations(const Loaded& l) {
  auto j = [](const auto& v) { return json::serialize(json::value_from(v)); };
  return {{op::kPlansList, "{}"},
          {op::kInventorySync, j(InventorySyncInput{"", 100, ""})},
          {op::kNumberReserve, j(ReserveInput{l.msisdn, "res_fuzz", 600})},
          {op::kNumberRelease, j(ReleaseInput{l.msisdn, "LOCK1"})},
          {op::kKycVerify, j(KycVerifyInput{"测试", "11010119900101901X", std::nullopt})},
          {op::kActivationSubmit,
           j(ActivationSubmitInput{"act_fuzz", l.msisdn, "P1", "LOCK1", "测试",
                                   "11010119900101901X", Delivery{"测试", "13900000000", "x"}})},
          {op::kActivationQuery, j(ActivationQueryInput{.gateway_order_id = "act_fuzz",
                                                        .carrier_order_id = "ORD1",
                                                        .plugin_data = "opaque"})}};
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

// The headers the carrier would send with `body`, signed as its protocol
// says (docs/carriers/<carrier>.md, "Callbacks"); none for unicom, which
// sends no callbacks.
std::vector<std::pair<std::string, std::string>> signed_headers(const Loaded& l,
                                                                const std::string& target,
                                                                const std::string& body) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string seconds = std::to_string(now_ms / 1000), nonce = "0123456789abcdef0123";
  if (l.id == "mobile")
    return {{"Content-Type", "application/json"},
            {"X-App-Id", l.caller_id},
            {"X-Timestamp", seconds},
            {"X-Nonce", nonce},
            {"X-Signature", mobile::signature(l.secret, "POST", target, seconds, nonce, body)}};
  if (l.id == "telecom")
    return {{"Content-Type", "application/xml"},
            {"X-Telecom-Timestamp", seconds},
            {"X-Telecom-Signature", crypto::hmac_sha256_hex(l.secret, seconds + "\n" + body)}};
  if (l.id == "mvno") {
    const std::string millis = std::to_string(now_ms);
    return {{"Content-Type", "application/json"},
            {"X-Partner-Id", l.caller_id},
            {"X-Timestamp", millis},
            {"X-Nonce", nonce},
            {"X-Sign-Type", "SHA256withRSA"},
            {"X-Signature",
             mvno::sign_base64(l.carrier_key.get(),
                               mvno::canonical_string("POST", target, millis, nonce, body))}};
  }
  return {};
}

void callback_case(const Loaded& l, const std::string& body, bool sign) {
  static const std::vector<std::pair<std::string, std::string>> kUnsigned = {
      {"Content-Type", "application/json"}, {"X-Timestamp", "1796000000"},
      {"X-Nonce", "0123456789abcdef"},      {"X-Signature", "AAAA"},
      {"X-App-Id", "demo-mobile-app"},      {"X-Telecom-Timestamp", "1796000000"}};
  static const std::string kPost = "POST";
  const std::string target = "/v1/callbacks/" + l.id;
  const auto fields = sign ? signed_headers(l, target, body) : kUnsigned;
  std::vector<cgw_header> headers;
  for (const auto& [k, v] : fields) headers.push_back({view(k), view(v)});
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
    callback_case(l, body, data[2] & 1);
  } else {
    static constexpr std::array<int, 8> kStatus = {200, 200, 200, 200, 400, 401, 500, 503};
    reply_case(l, ops[which].first, ops[which].second, kStatus[data[2] % kStatus.size()], body);
  }
  return 0;
}
