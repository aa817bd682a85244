// Unit tests of the `mvno` carrier plugin (docs/carriers/mvno.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. Signatures and the encrypted ID field are checked here
// with OpenSSL directly and the demo key files, independently of the
// plugin's own crypto code. One test also loads the real cgw_mvno.so.
#include "mvno_plugin.hpp"
#include "number_segments.hpp"

#include <cgw/plugin.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <yaml-cpp/yaml.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using cgw::mvno::MvnoPlugin;

constexpr int64_t kNowMs = 1763800000123;
constexpr const char* kName = "张三丰";
constexpr const char* kIdNumber = "11010119900307123X";
constexpr const char* kMsisdn = "17001234567";  // 1700: Telecom-hosted MVNO segment
constexpr uint64_t kAllCaps = CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE |
                              CGW_CAP_KYC | CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS;

std::string sv(cgw_str s) {
  return s.len ? std::string(s.ptr, s.len) : std::string();
}
cgw_str cs(const std::string& s) {
  return cgw_str{s.data(), s.size()};
}

std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
const std::string& gateway_private() {
  static const std::string k = secret_file("mvno-demo-gateway-private.pem");
  return k;
}
const std::string& gateway_public() {
  static const std::string k = secret_file("mvno-demo-gateway-public.pem");
  return k;
}
const std::string& carrier_private() {
  static const std::string k = secret_file("mvno-demo-carrier-private.pem");
  return k;
}
const std::string& carrier_public() {
  static const std::string k = secret_file("mvno-demo-carrier-public.pem");
  return k;
}
std::string field_key_hex() {
  std::string k = secret_file("mvno-demo-id-aes.key");
  while (!k.empty() && (k.back() == '\n' || k.back() == '\r')) k.pop_back();
  return k;
}

// The settings block as the host hands it over: YAML text with the secret
// references already replaced by the files' contents.
std::string config(const std::map<std::string, std::string>& overrides = {},
                   const std::vector<std::string>& drop = {}) {
  std::map<std::string, std::string> s = {
      {"base_url", "http://127.0.0.1:9104"},
      {"partner_id", "cgw-test-partner"},
      {"gateway_private_key", gateway_private()},
      {"carrier_public_key", carrier_public()},
      {"id_field_key", field_key_hex()},
      {"callback_url", "http://127.0.0.1:8080/v1/callbacks/mvno"},
      {"occupy_minutes", "45"}};
  for (const auto& [k, v] : overrides) s[k] = v;
  for (const auto& k : drop) s.erase(k);
  YAML::Node n(YAML::NodeType::Map);
  for (const auto& [k, v] : s) n[k] = v;
  return YAML::Dump(n);
}

// ----------------------------------------------------------- fake host ---

struct FakeHost {
  std::atomic<int64_t> now_ms{kNowMs};
  std::mutex mu;
  unsigned char next_byte = 0;  // random_bytes yields 00 01 02 ...
  std::vector<std::string> logs;
};
FakeHost& fake(void* ctx) {
  return *static_cast<FakeHost*>(ctx);
}

const cgw_host_v1 kHost = {
    sizeof(cgw_host_v1),
    CGW_ABI_MAJOR,
    CGW_ABI_MINOR,
    [](void* ctx, int32_t, cgw_str m) {
      std::lock_guard lock(fake(ctx).mu);
      fake(ctx).logs.push_back(sv(m));
    },
    [](void*, size_t n) { return std::malloc(n); },
    [](void*, void* p) { std::free(p); },
    [](void* ctx) -> int64_t { return fake(ctx).now_ms.load(); },
    [](void* ctx, void* buf, size_t len) {
      std::lock_guard lock(fake(ctx).mu);
      for (size_t i = 0; i < len; ++i) static_cast<unsigned char*>(buf)[i] = fake(ctx).next_byte++;
    },
    [](void*, cgw_str, cgw_str, int64_t) {},
    [](void*, cgw_str, cgw_str*) -> int32_t { return 0; },
};

// ------------------------------------------------- independent crypto ---

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Pkey read_key(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return Pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
              &EVP_PKEY_free);
}

std::string b64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                 reinterpret_cast<const unsigned char*>(raw.data()),
                                                 static_cast<int>(raw.size()))));
  return out;
}
std::string unb64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return {};
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}
std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) (out += d[md[i] >> 4]) += d[md[i] & 15];
  return out;
}
// The doc's canonical string, built here without the plugin.
std::string canonical(const std::string& method, const std::string& target, const std::string& ts,
                      const std::string& nonce, const std::string& body) {
  return method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body);
}
bool rsa_verify(const std::string& public_pem, const std::string& data,
                const std::string& sig_b64) {
  Pkey key = read_key(public_pem, false);
  const std::string sig = unb64(sig_b64);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}
std::string rsa_sign(const std::string& private_pem, const std::string& data) {
  Pkey key = read_key(private_pem, true);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  return b64(sig);
}
// base64(iv || ct || tag) -> plaintext with `key_hex`, or nullopt.
std::optional<std::string> gcm_open(const std::string& key_hex, const std::string& sealed_b64) {
  long klen = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> key(OPENSSL_hexstr2buf(key_hex.c_str(), &klen),
                                                      [](void* p) { OPENSSL_free(p); });
  const std::string sealed = unb64(sealed_b64);
  if (!key || klen != 32 || sealed.size() < 28) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(sealed.data());
  const size_t n = sealed.size() - 28;
  std::string out(n, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  int len = 0;
  std::string tag = sealed.substr(12 + n);
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.get(), p) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, p + 12,
                        static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) == 1;
  if (!ok) return std::nullopt;
  return out;
}

// ------------------------------------------------------------- harness ---

struct Reply {
  int transport = CGW_TRANSPORT_OK;
  int status = 200;
  std::string body;
};
Reply ok(json::value data) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", "0000"}, {"msg", "success"}, {"data", data}})};
}
Reply biz(const std::string& code) {
  return {CGW_TRANSPORT_OK, 200,
          json::serialize(json::object{{"code", code}, {"msg", std::string("no ") + kName}})};
}
Reply raw(std::string body, int status = 200) {
  return {CGW_TRANSPORT_OK, status, std::move(body)};
}

struct Err {
  std::string code, message, carrier_code;
  bool retryable = false, outcome_unknown = false;
};

struct TestTag {};

class Mvno {
 public:
  explicit Mvno(const std::string& yaml = config(), const cgw_plugin_v1* table = nullptr)
      : t_(table ? table
                 : cgw::detail::Exporter<MvnoPlugin, TestTag>::entry(&kHost, "mvno", "1.0.0",
                                                                     CGW_CARRIER_MVNO, kAllCaps)) {
    cgw_step_v1* err = nullptr;
    inst_ = t_->create(&host, cs(yaml), &err);
    if (err) {
      create_error = error_of(*err);
      t_->free_step(err);
    }
  }
  ~Mvno() {
    if (inst_) t_->destroy(inst_);
  }
  bool created() const { return inst_ != nullptr; }

  using StepPtr = std::unique_ptr<cgw_step_v1, std::function<void(cgw_step_v1*)>>;
  StepPtr start(const std::string& op, const json::value& input) {
    const std::string in = input.is_null() ? "" : json::serialize(input);
    return own(t_->start(inst_, cs(op), cs(in)));
  }
  StepPtr resume(const std::string& state, const Reply& r) {
    const cgw_http_response_v1 resp{r.transport, r.status, nullptr, 0, cs(r.body)};
    return own(t_->resume(inst_, cs(state), &resp));
  }
  StepPtr run(const std::string& op, const json::value& input, const Reply& r) {
    auto s = start(op, input);
    EXPECT_EQ(s->kind, CGW_STEP_SEND) << sv(s->error.message);
    if (s->kind != CGW_STEP_SEND) return s;
    return resume(sv(s->state), r);
  }
  using CallbackPtr = std::unique_ptr<cgw_callback_v1, std::function<void(cgw_callback_v1*)>>;
  CallbackPtr callback(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
    std::vector<cgw_header> hs;
    for (const auto& [k, v] : headers) hs.push_back({cs(k), cs(v)});
    static const std::string kPost = "POST";  // the views must outlive the call
    const cgw_http_request_v1 req{cs(kPost), cs(url), hs.data(), hs.size(), cs(body), 0};
    return CallbackPtr(t_->parse_callback(inst_, &req),
                       [t = t_](cgw_callback_v1* c) { t->free_callback(c); });
  }

  static Err error_of(const cgw_step_v1& s) {
    EXPECT_EQ(s.kind, CGW_STEP_FAIL);
    return {sv(s.error.code), sv(s.error.message), sv(s.error.carrier_code), s.error.retryable != 0,
            s.error.outcome_unknown != 0};
  }
  static json::value result_of(const cgw_step_v1& s) {
    EXPECT_EQ(s.kind, CGW_STEP_DONE) << sv(s.error.code) << ": " << sv(s.error.message);
    return s.kind == CGW_STEP_DONE ? json::parse(sv(s.result_json)) : json::value();
  }
  static std::string header(const cgw_step_v1& s, const std::string& name) {
    for (size_t i = 0; i < s.request.header_count; ++i)
      if (sv(s.request.headers[i].name) == name) return sv(s.request.headers[i].value);
    return "<absent>";
  }
  static json::object body_of(const cgw_step_v1& s) {
    return json::parse(sv(s.request.body)).as_object();
  }

  FakeHost host;
  Err create_error;

 private:
  StepPtr own(cgw_step_v1* s) {
    return StepPtr(s, [t = t_](cgw_step_v1* p) { t->free_step(p); });
  }
  const cgw_plugin_v1* t_;
  cgw_instance* inst_ = nullptr;
};

json::value valid_input(const std::string& op) {
  if (op == cgw::op::kNumberReserve)
    return {{"msisdn", kMsisdn}, {"gateway_reservation_id", "R-1"}};
  if (op == cgw::op::kNumberRelease)
    return {{"msisdn", kMsisdn}, {"carrier_reservation_id", "OC-1"}};
  if (op == cgw::op::kKycVerify) return {{"name", kName}, {"id_number", kIdNumber}};
  if (op == cgw::op::kActivationSubmit)
    return {{"gateway_order_id", "G-1"},
            {"msisdn", kMsisdn},
            {"plan_id", "MV-170-CHAT-8"},
            {"carrier_reservation_id", "OC-1"},
            {"name", kName},
            {"id_number", kIdNumber},
            {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "Beijing"}}}};
  if (op == cgw::op::kActivationQuery) return {{"gateway_order_id", "G-1"}};
  if (op == cgw::op::kInventorySync) return json::object{};
  return nullptr;
}

}  // namespace

// ------------------------------------------------------------ segments ---

TEST(MvnoSegments, LongestPrefixGivesHostNetwork) {
  using cgw::mvno::host_network_of;
  using cgw::mvno::HostNetwork;
  const std::vector<std::pair<std::string, std::optional<HostNetwork>>> cases = {
      {"17001234567", HostNetwork::kTelecom}, {"17021234567", HostNetwork::kTelecom},
      {"17031234567", HostNetwork::kMobile},  {"17041234567", HostNetwork::kUnicom},
      {"17051234567", HostNetwork::kMobile},  {"17061234567", HostNetwork::kMobile},
      {"17071234567", HostNetwork::kUnicom},  {"17091234567", HostNetwork::kUnicom},
      {"17112345678", HostNetwork::kUnicom},  {"16212345678", HostNetwork::kTelecom},
      {"16512345678", HostNetwork::kMobile},  {"16712345678", HostNetwork::kUnicom},
      {"13812345678", std::nullopt},          {"17212345678", std::nullopt},  // 172: Mobile's own
      {"16612345678", std::nullopt},          {"1700123456", std::nullopt},   // 10 digits
      {"1700123456x", std::nullopt}};
  for (const auto& [number, expected] : cases)
    EXPECT_EQ(host_network_of(number), expected) << number;
  EXPECT_EQ(cgw::mvno::protocol_name(HostNetwork::kMobile), "CMCC");
  EXPECT_EQ(cgw::mvno::host_network_from_protocol("CUCC"), HostNetwork::kUnicom);
  EXPECT_EQ(cgw::mvno::host_network_from_protocol("cucc"), std::nullopt);
}

// ------------------------------------------------------------- signing ---

TEST(MvnoSigning, CanonicalStringKnownVector) {
  EXPECT_EQ(cgw::mvno::canonical_string("post", "/openapi/v1/order/create", "1763800000123",
                                        "n0nce", "abc"),
            "POST\n/openapi/v1/order/create\n1763800000123\nn0nce\n"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MvnoSigning, RequestSignatureVerifiesWithTheGatewayPublicKeyOnly) {
  Mvno m;
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/product/list");
  EXPECT_EQ(sv(s->request.body), "{}");
  EXPECT_EQ(Mvno::header(*s, "X-Partner-Id"), "cgw-test-partner");
  EXPECT_EQ(Mvno::header(*s, "X-Timestamp"), "1763800000123");
  EXPECT_EQ(Mvno::header(*s, "X-Nonce"), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(Mvno::header(*s, "X-Sign-Type"), "SHA256withRSA");
  EXPECT_EQ(Mvno::header(*s, "Content-Type"), "application/json");
  const std::string text = canonical("POST", "/openapi/v1/product/list", "1763800000123",
                                     "000102030405060708090a0b0c0d0e0f", "{}");
  const std::string sig = Mvno::header(*s, "X-Signature");
  EXPECT_TRUE(rsa_verify(gateway_public(), text, sig));
  // PKCS#1 v1.5 is deterministic: OpenSSL's own signature is the same bytes.
  EXPECT_EQ(sig, rsa_sign(gateway_private(), text));
  EXPECT_FALSE(rsa_verify(carrier_public(), text, sig));
  EXPECT_FALSE(rsa_verify(gateway_public(), text + "x", sig));
}

TEST(MvnoSigning, BasePathAndTimeoutKeepTheSignedTargetAsSent) {
  Mvno m(config({{"base_url", "http://gw.example:81/carrier/"}, {"timeout_ms", "2500"}}));
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/openapi/v1/number/occupy");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_TRUE(rsa_verify(
      gateway_public(),
      canonical("POST", "/carrier/openapi/v1/number/occupy", Mvno::header(*s, "X-Timestamp"),
                Mvno::header(*s, "X-Nonce"), sv(s->request.body)),
      Mvno::header(*s, "X-Signature")));
}

// ------------------------------------------------------- encrypted field ---

TEST(MvnoFieldCipher, IdNumberOpensWithTheKeyAndNotWithAnother) {
  Mvno m;
  auto s = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto body = Mvno::body_of(*s);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/realname/check");
  EXPECT_EQ(body.at("certName").as_string(), kName);  // names travel in clear
  EXPECT_FALSE(body.contains("certNo"));
  EXPECT_EQ(sv(s->request.body).find(kIdNumber), std::string::npos);
  const std::string sealed(body.at("certNoEnc").as_string());
  EXPECT_EQ(gcm_open(field_key_hex(), sealed), kIdNumber);
  EXPECT_EQ(gcm_open(std::string(64, '7'), sealed), std::nullopt);
  // Layout: 12-byte IV (the host's random bytes after the 16 of the nonce),
  // ciphertext as long as the ID, 16-byte tag.
  const std::string raw_bytes = unb64(sealed);
  ASSERT_EQ(raw_bytes.size(), 12u + 18u + 16u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(static_cast<unsigned char>(raw_bytes[i]), i) << i;
  // A flipped ciphertext bit fails the tag.
  std::string tampered = raw_bytes;
  tampered[14] ^= 1;
  EXPECT_EQ(gcm_open(field_key_hex(), b64(tampered)), std::nullopt);
}

TEST(MvnoFieldCipher, FreshIvForEveryValueAndBase64KeyAccepted) {
  const std::string key_b64 = b64(std::string(32, '\x42'));
  Mvno m(config({{"id_field_key", "  " + key_b64 + "\n"}}));
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto a = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  auto b = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  const std::string sa(Mvno::body_of(*a).at("certNoEnc").as_string());
  const std::string sb(Mvno::body_of(*b).at("certNoEnc").as_string());
  EXPECT_NE(sa, sb);
  EXPECT_NE(unb64(sa).substr(0, 12), unb64(sb).substr(0, 12));
  std::string key_hex;
  for (int i = 0; i < 32; ++i) key_hex += "42";
  EXPECT_EQ(gcm_open(key_hex, sa), kIdNumber);
}

// ----------------------------------------------------------- operations ---

TEST(MvnoOperations, PlansList) {
  Mvno m;
  auto r = Mvno::result_of(*m.run(cgw::op::kPlansList, nullptr,
                                  ok({{"products",
                                       {{{"productCode", "MV-1"},
                                         {"productName", "n"},
                                         {"monthlyFee", 800},
                                         {"dataMb", 1024},
                                         {"voiceMin", 100}}}}})));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"MV-1","name":"n","monthly_fee_fen":800,
                               "data_mb":1024,"voice_minutes":100}]})"));
}

json::object number(const std::string& msisdn, const std::string& network,
                    const std::string& status = "FREE") {
  return {{"msisdn", msisdn}, {"province", "北京"},     {"city", "北京"},  {"prestore", 5000},
          {"grade", 3},       {"hostNetwork", network}, {"status", status}};
}

TEST(MvnoOperations, InventoryMapsStatusAndLeavesOutInconsistentNumbers) {
  Mvno m;
  auto s = m.start(cgw::op::kInventorySync, {{"cursor", "nc1.x"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Mvno::body_of(*s), json::parse(R"({"cursor":"nc1.x","pageSize":5000})"));
  auto r = Mvno::result_of(*m.resume(
      sv(s->state), ok({{"numbers",
                         {number("17001234567", "CTCC"), number("17031234567", "CMCC", "OCCUPIED"),
                          number("17112345678", "CUCC", "SOLD"),
                          number("17041234567", "CMCC"),    // 1704 is Unicom-hosted: mismatch
                          number("13812345678", "CMCC")}},  // not an MVNO number
                        {"nextCursor", "nc1.17112345678"},
                        {"hasMore", true},
                        {"changeCursor", "cs1.7"},
                        {"total", 1000000}})));
  const auto& items = r.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], json::parse(R"({"msisdn":"17001234567","province":"北京","city":"北京",
                                      "price_fen":5000,"status":"available","carrier_grade":3,
                                      "host_network":"telecom"})"));
  EXPECT_EQ(items[1].at("status"), "reserved");
  EXPECT_EQ(items[1].at("host_network"), "mobile");
  EXPECT_EQ(items[2].at("status"), "sold");
  EXPECT_EQ(items[2].at("host_network"), "unicom");
  EXPECT_EQ(r.at("next_cursor"), "nc1.17112345678");
  EXPECT_EQ(r.at("has_more"), true);
  EXPECT_EQ(r.at("change_cursor"), "cs1.7");
  EXPECT_EQ(r.at("total"), 1000000);
  ASSERT_FALSE(m.host.logs.empty());
  EXPECT_NE(m.host.logs.back().find("left out 2"), std::string::npos);
}

TEST(MvnoOperations, InventoryWithoutChangeCursorHasNone) {
  Mvno m;
  // An older carrier release: no change feed, full syncs only.
  const auto out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok({{"numbers", json::array{}}, {"nextCursor", ""}, {"hasMore", false}}))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_FALSE(out.total.has_value());
}

TEST(MvnoOperations, InventoryChangeFeed) {
  Mvno m;
  auto s = m.start(cgw::op::kInventorySync,
                   {{"since", "cs1.42"}, {"cursor", "nc1.x"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Mvno::body_of(*s), json::parse(R"({"changedSince":"cs1.42","pageSize":5000})"));
  auto out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.resume(sv(s->state), ok({{"numbers",
                                   {number("17001234567", "CTCC", "SOLD"),
                                    number("13812345678", "CMCC")}},  // not an MVNO number
                                  {"nextCursor", ""},
                                  {"hasMore", true},
                                  {"changeCursor", "cs1.57"},
                                  {"total", 1000000}}))));
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, "sold");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "cs1.57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  // Nothing changed: the same cursor, no more.
  out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}},
             ok({{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", "cs1.42"}}))));
  EXPECT_EQ(out.change_cursor, "cs1.42");
  EXPECT_FALSE(out.has_more);
  // Inputs the plugin cannot send, and broken replies.
  for (const auto& since : {std::string(65, 'c'), std::string("cs1. 4"), std::string("cs1.\n")})
    EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kInventorySync, {{"since", since}})).code,
              "INVALID_ARGUMENT")
        << since;
  for (const json::object& data : std::vector<json::object>{
           {{"numbers", json::array{}}, {"hasMore", false}},                        // no cursor
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", ""}},  // empty
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", 43}},  // a number
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", "cs1 43"}},
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", std::string(65, 'c')}},
           {{"numbers", json::array{}}, {"hasMore", true}, {"changeCursor", "cs1.42"}},  // stuck
           {{"numbers", json::array{}},
            {"hasMore", false},
            {"changeCursor", "cs1.43"},
            {"total", -1}}}) {
    const Err e = Mvno::error_of(*m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}}, ok(data)));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << json::serialize(data);
  }
  // The carrier refuses a cursor it does not know (e.g. after a restart).
  EXPECT_EQ(
      Mvno::error_of(*m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}}, biz("1101"))).code,
      "INVALID_ARGUMENT");
}

TEST(MvnoOperations, ReserveRoundsUpAndRefusesNonMvnoNumbersWithoutACall) {
  Mvno m;
  for (auto [secs, minutes] : std::vector<std::pair<int, int>>{{0, 45}, {1, 1}, {61, 2}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = m.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(Mvno::body_of(*s),
              json::parse(R"({"msisdn":"17001234567","occupyMinutes":)" + std::to_string(minutes) +
                          R"(,"partnerOccupyNo":"R-1"})"));
  }
  auto e = Mvno::error_of(*m.start(cgw::op::kNumberReserve,
                                   {{"msisdn", "13812345678"}, {"gateway_reservation_id", "R"}}));
  EXPECT_EQ(e.code, "NUMBER_UNAVAILABLE");
  auto r = Mvno::result_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                                  ok({{"occupyNo", "OC1"}, {"expireAt", 1763801800000}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"OC1","expires_at_ms":1763801800000})"));
  auto rel = Mvno::result_of(
      *m.run(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease), ok(json::object{})));
  EXPECT_EQ(rel, json::parse(R"({"released":true})"));
}

TEST(MvnoOperations, SubmitSendsPartnerOrderNoAndEncryptedId) {
  Mvno m;
  auto s = m.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  auto body = Mvno::body_of(*s);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/order/create");
  EXPECT_EQ(body.at("partnerOrderNo"), "G-1");
  EXPECT_EQ(body.at("occupyNo"), "OC-1");
  EXPECT_EQ(body.at("productCode"), "MV-170-CHAT-8");
  EXPECT_EQ(body.at("notifyUrl"), "http://127.0.0.1:8080/v1/callbacks/mvno");
  EXPECT_EQ(body.at("receiver").at("phone"), "13900000000");
  EXPECT_EQ(gcm_open(field_key_hex(), std::string(body.at("certNoEnc").as_string())), kIdNumber);
  auto r = Mvno::result_of(
      *m.resume(sv(s->state), ok({{"orderNo", "MV1"}, {"orderStatus", "ACCEPTED"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"MV1","status":"submitted","reason":""})"));
}

TEST(MvnoOperations, QueryMapsStatusesAndChecksTheOrder) {
  Mvno m;
  auto q = [&](json::object data) {
    return m.run(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery), ok(data));
  };
  auto failed = Mvno::result_of(*q({{"orderNo", "MV1"},
                                    {"partnerOrderNo", "G-1"},
                                    {"orderStatus", "FAILED"},
                                    {"failCode", "3008"}}));
  EXPECT_EQ(failed, json::parse(R"({"carrier_order_id":"MV1","status":"failed","reason":"3008"})"));
  auto opened = Mvno::result_of(*q({{"orderNo", "MV1"},
                                    {"partnerOrderNo", "G-1"},
                                    {"orderStatus", "OPENED"},
                                    {"failCode", ""}}));
  EXPECT_EQ(opened.at("status"), "activated");
  auto other = Mvno::error_of(
      *q({{"orderNo", "MV2"}, {"partnerOrderNo", "G-2"}, {"orderStatus", "OPENED"}}));
  EXPECT_EQ(other.code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationQuery, json::object{})).code,
            "INVALID_ARGUMENT");
}

// -------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code;
  bool retryable;
  bool unknown_on_submit;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}

class MvnoBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(MvnoBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Mvno m;
  for (const char* op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit}) {
    const Err e = Mvno::error_of(*m.run(op, valid_input(op), biz(row.carrier_code)));
    EXPECT_EQ(e.code, row.gateway_code) << op;
    EXPECT_EQ(e.carrier_code, row.carrier_code);
    EXPECT_EQ(e.retryable, row.retryable);
    // Only 9002 and 1003 (nonce replayed: the carrier already got this very
    // request) on a write leave the outcome open; a refusal applied nothing.
    EXPECT_EQ(e.outcome_unknown, row.unknown_on_submit && op == cgw::op::kActivationSubmit) << op;
    EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MvnoBusinessCodes,
                         testing::Values(CodeRow{"1001", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1002", "CARRIER_AUTH_FAILED", true, false},
                                         CodeRow{"1003", "CARRIER_AUTH_FAILED", true, true},
                                         CodeRow{"1004", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1005", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1101", "INVALID_ARGUMENT", false, false},
                                         CodeRow{"1102", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"2001", "NUMBER_UNAVAILABLE", false, false},
                                         CodeRow{"2002", "NUMBER_UNAVAILABLE", false, false},
                                         CodeRow{"2003", "RESERVATION_EXPIRED", false, false},
                                         CodeRow{"2004", "RESERVATION_NOT_FOUND", false, false},
                                         CodeRow{"2101", "PLAN_NOT_FOUND", false, false},
                                         CodeRow{"3101", "CARRIER_UNAVAILABLE", true, false},
                                         CodeRow{"4001", "ORDER_NOT_FOUND", false, false},
                                         CodeRow{"4002", "CARRIER_REJECTED", false, false},
                                         CodeRow{"4003", "QUOTA_EXCEEDED", false, false},
                                         CodeRow{"9001", "CARRIER_UNAVAILABLE", true, false},
                                         CodeRow{"9002", "CARRIER_TIMEOUT", true, true},
                                         CodeRow{"7777", "CARRIER_REJECTED", false, false}));

TEST(MvnoMapping, KycCodesAreResultsOnCheckAndRejectionsOnOrders) {
  Mvno m;
  const std::vector<std::pair<std::string, std::string>> reasons = {
      {"3001", "ID_INVALID"},      {"3002", "ID_NAME_MISMATCH"}, {"3003", "ID_NOT_FOUND"},
      {"3004", "UNDERAGE"},        {"3005", "QUOTA_EXCEEDED"},   {"3006", "FACE_MISMATCH"},
      {"3007", "LIVENESS_FAILED"}, {"3008", "BLACKLISTED"},      {"3009", "ID_INVALIDATED"},
      {"3999", "UNKNOWN"}};
  for (const auto& [code, reason] : reasons) {
    auto r = Mvno::result_of(
        *m.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
               ok({{"checkNo", "RN1"}, {"checkResult", "REJECT"}, {"rejectCode", code}})));
    EXPECT_EQ(r.at("result"), "rejected") << code;
    EXPECT_EQ(r.at("reasons").at(0).as_string(), reason) << code;
    if (reason == "UNKNOWN") continue;
    auto e = Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), biz(code)));
    EXPECT_EQ(e.code, "CARRIER_REJECTED");
    EXPECT_EQ(e.message, reason);
  }
  auto review = Mvno::result_of(
      *m.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
             ok({{"checkNo", "RN2"}, {"checkResult", "REVIEW"}, {"rejectCode", ""}})));
  EXPECT_EQ(review, json::parse(R"({"result":"review","reasons":[],"carrier_ref":"RN2"})"));
}

TEST(MvnoMapping, TransportAndHttpStatus) {
  Mvno m;
  auto submit = [&](Reply r) {
    return Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), r));
  };
  auto reserve = [&](Reply r) {
    return Mvno::error_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve), r));
  };
  Err e = submit({CGW_TRANSPORT_NOT_SENT, 0, ""});
  EXPECT_EQ(e.code, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(e.retryable);
  EXPECT_FALSE(e.outcome_unknown);
  e = submit({CGW_TRANSPORT_TIMEOUT, 0, ""});
  EXPECT_EQ(e.code, "CARRIER_TIMEOUT");
  EXPECT_TRUE(e.outcome_unknown);
  e = submit({CGW_TRANSPORT_BROKEN, 0, ""});
  EXPECT_TRUE(e.outcome_unknown);
  e = submit(raw("<html>bad gateway</html>", 502));
  EXPECT_EQ(e.code, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(e.outcome_unknown);
  e = reserve(raw("<html>bad gateway</html>", 502));
  EXPECT_FALSE(e.outcome_unknown);
  e = reserve({CGW_TRANSPORT_TIMEOUT, 0, ""});
  EXPECT_TRUE(e.outcome_unknown);  // a write
  e = Mvno::error_of(*m.run(cgw::op::kPlansList, nullptr, {CGW_TRANSPORT_TIMEOUT, 0, ""}));
  EXPECT_FALSE(e.outcome_unknown);  // a read
  e = reserve(raw("{}", 404));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
}

class MvnoMalformed : public testing::TestWithParam<std::pair<const char*, std::string>> {};

TEST_P(MvnoMalformed, IsBadResponseAndNeverACrash) {
  const auto& [op, body] = GetParam();
  Mvno m;
  const Err e = Mvno::error_of(*m.run(op, valid_input(op), raw(body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << body;
  // An unreadable answer to a write may hide an applied request.
  const bool write =
      std::string(op) == cgw::op::kActivationSubmit || std::string(op) == cgw::op::kNumberReserve;
  EXPECT_EQ(e.outcome_unknown, write) << body;
}

INSTANTIATE_TEST_SUITE_P(
    Replies, MvnoMalformed,
    testing::Values(
        std::pair{cgw::op::kPlansList, std::string("not json")},
        std::pair{cgw::op::kPlansList, std::string("[1,2]")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":0,"data":{}})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"0000"})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"0000","data":{"products":{}}})")},
        std::pair{
            cgw::op::kPlansList,
            std::string(
                R"({"code":"0000","data":{"products":[{"productCode":"P","productName":"n","monthlyFee":1.5,"dataMb":1,"voiceMin":1}]}})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"<script>","msg":"x"})")},
        std::pair{cgw::op::kInventorySync,
                  std::string(R"({"code":"0000","data":{"numbers":[],"hasMore":true}})")},
        std::pair{cgw::op::kInventorySync,
                  std::string(
                      R"({"code":"0000","data":{"numbers":[],"hasMore":false,"changeCursor":7}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(R"({"code":"0000","data":{"numbers":[],"hasMore":false,"total":"7"}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"hostNetwork":"CTCC","status":"NEW"}],"hasMore":false}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"hostNetwork":"XX","status":"FREE"}],"hasMore":false}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"grade":11,"hostNetwork":"CTCC","status":"FREE"}],"hasMore":false}})")},
        std::pair{cgw::op::kNumberReserve,
                  std::string(R"({"code":"0000","data":{"occupyNo":"","expireAt":1}})")},
        std::pair{cgw::op::kKycVerify,
                  std::string(R"({"code":"0000","data":{"checkNo":"R","checkResult":"MAYBE"}})")},
        std::pair{cgw::op::kActivationSubmit,
                  std::string(R"({"code":"0000","data":{"orderNo":"MV1","orderStatus":"DONE"}})")},
        std::pair{cgw::op::kActivationSubmit,
                  std::string(R"({"code":"0000","data":{"orderNo":7,"orderStatus":"ACCEPTED"}})")},
        std::pair{cgw::op::kActivationSubmit, std::string("")}));

TEST(MvnoMapping, ResumeWithUnknownStateIsPluginError) {
  Mvno m;
  EXPECT_EQ(Mvno::error_of(*m.resume(R"({"op":"number.transfer"})", ok({}))).code, "PLUGIN_ERROR");
  EXPECT_EQ(Mvno::error_of(*m.resume("[1]", ok({}))).code, "PLUGIN_ERROR");
}

// ------------------------------------------------------------ callbacks ---

struct SignedCallback {
  std::string url = "/v1/callbacks/mvno";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

SignedCallback signed_callback(int64_t ts_ms = kNowMs, const std::string& key = carrier_private(),
                               std::string body = {}) {
  SignedCallback c;
  if (body.empty())
    body = json::serialize(json::object{{"notifyId", "N1"},
                                        {"orderNo", "MV1"},
                                        {"partnerOrderNo", "act_1"},
                                        {"orderStatus", "FAILED"},
                                        {"failCode", "3008"},
                                        {"notifyTime", kNowMs - 5}});
  c.body = body;
  const std::string ts = std::to_string(ts_ms), nonce = "abcdefabcdef0123456789";
  c.headers = {{"X-Partner-Id", "cgw-test-partner"},
               {"X-Timestamp", ts},
               {"X-Nonce", nonce},
               {"X-Sign-Type", "SHA256withRSA"},
               {"X-Signature", rsa_sign(key, canonical("POST", c.url, ts, nonce, body))}};
  return c;
}

TEST(MvnoCallback, GoodCallbackIsVerifiedParsedAndAcknowledged) {
  Mvno m;
  const auto c = signed_callback();
  auto r = m.callback(c.url, c.headers, c.body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  EXPECT_EQ(r->ack_status, 200);
  EXPECT_EQ(sv(r->ack_content_type), "text/plain");
  EXPECT_EQ(sv(r->ack_body), "SUCCESS");
  EXPECT_EQ(json::parse(sv(r->events_json)),
            json::parse(R"([{"type":"activation.status","event_id":"N1","carrier_order_id":"MV1",
                             "gateway_order_id":"act_1","status":"failed","reason":"3008",
                             "occurred_at_ms":1763800000118}])"));
}

TEST(MvnoCallback, RefusesForgedTamperedOrStale) {
  Mvno m;
  auto refused = [&](const SignedCallback& c) {
    auto r = m.callback(c.url, c.headers, c.body);
    if (r->verified) return false;
    // Anything but the acknowledgement makes the carrier retry.
    EXPECT_NE(r->ack_status, 200);
    EXPECT_NE(sv(r->ack_body), "SUCCESS");
    return sv(r->error.code) == "CALLBACK_REJECTED";
  };
  // Signed with the gateway's key instead of the carrier's.
  EXPECT_TRUE(refused(signed_callback(kNowMs, gateway_private())));
  SignedCallback tampered = signed_callback();
  tampered.body[tampered.body.find("FAILED")] = 'X';
  EXPECT_TRUE(refused(tampered));
  SignedCallback other_target = signed_callback();
  other_target.url = "/v1/callbacks/mobile";
  EXPECT_TRUE(refused(other_target));
  EXPECT_TRUE(refused(signed_callback(kNowMs - 301'000)));  // stale
  EXPECT_TRUE(refused(signed_callback(kNowMs + 301'000)));  // from the future
  EXPECT_FALSE(refused(signed_callback(kNowMs - 299'000)));
  for (const char* h : {"X-Partner-Id", "X-Sign-Type", "X-Signature", "X-Nonce"}) {
    SignedCallback c = signed_callback();
    for (auto& [k, v] : c.headers)
      if (k == h) v = k == std::string("X-Signature") ? "AAAA" : "other-value";
    EXPECT_TRUE(refused(c)) << h;
  }
  SignedCallback missing = signed_callback();
  missing.headers.pop_back();
  EXPECT_TRUE(refused(missing));
  // Authentic but not the promised shape.
  EXPECT_TRUE(refused(signed_callback(kNowMs, carrier_private(), R"({"notifyId":"N1"})")));
  EXPECT_TRUE(refused(signed_callback(kNowMs, carrier_private(), "[]")));
}

// --------------------------------------------------------------- config ---

TEST(MvnoConfig, InvalidSettingsAreConfigInvalidAndNameNoSecret) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {config({}, {"gateway_private_key"}), "gateway_private_key"},
      {config({{"gateway_private_key", "-----BEGIN PRIVATE KEY-----\nnot a key\n"}}),
       "gateway_private_key"},
      {config({{"gateway_private_key", gateway_public()}}), "gateway_private_key"},
      {config({{"carrier_public_key", carrier_private()}}), "carrier_public_key"},
      {config({{"carrier_public_key", "garbage"}}), "carrier_public_key"},
      {config({{"id_field_key", "00ff"}}), "id_field_key"},
      {config({{"id_field_key", std::string(64, 'g')}}), "id_field_key"},
      {config({}, {"partner_id"}), "partner_id"},
      {config({{"base_url", "ftp://x"}}), "base_url"},
      {config({{"base_url", "http://x/?q=1"}}), "base_url"},
      {config({{"callback_url", "not a url"}}), "callback_url"},
      {config({{"occupy_minutes", "0"}}), "occupy_minutes"},
      {"[1, 2]", "mapping"}};
  for (const auto& [yaml, key] : cases) {
    Mvno m(yaml);
    EXPECT_FALSE(m.created()) << key;
    EXPECT_EQ(m.create_error.code, "CONFIG_INVALID") << key;
    EXPECT_NE(m.create_error.message.find(key), std::string::npos) << m.create_error.message;
    EXPECT_EQ(m.create_error.message.find("MII"), std::string::npos);  // no PEM body
    EXPECT_EQ(m.create_error.message.find(field_key_hex()), std::string::npos);
  }
}

// -------------------------------------------------------------- privacy ---

TEST(MvnoPrivacy, ErrorsNeverContainNameOrIdNumber) {
  Mvno m;
  std::vector<Reply> replies = {biz("3002"), biz("1101"), raw("garbage"),
                                raw(R"({"code":"0000","data":{"orderNo":1}})")};
  for (const auto& r : replies) {
    const Err e = Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), r));
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["id_number"] = 12345;  // wrong type
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationSubmit, in)).code, "INVALID_ARGUMENT");
  in.as_object()["id_number"] = "";
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationSubmit, in)).message,
            "mvno activation.submit: 'id_number' is required");
}

// -------------------------------------------------------- shared object ---

TEST(MvnoSharedObject, RealModuleExportsWorkingTable) {
  void* lib = dlopen(CGW_MVNO_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(dlsym(lib, CGW_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const cgw_plugin_v1* t = entry(&kHost);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi_major, CGW_ABI_MAJOR);
  EXPECT_EQ(sv(t->name), "mvno");
  EXPECT_EQ(sv(t->version), "1.0.0");
  EXPECT_EQ(t->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MVNO));
  EXPECT_EQ(t->capabilities, kAllCaps);
  {
    Mvno m(config(), t);
    ASSERT_TRUE(m.created()) << m.create_error.message;
    auto s = m.start(cgw::op::kPlansList, nullptr);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_TRUE(rsa_verify(gateway_public(),
                           canonical("POST", "/openapi/v1/product/list", "1763800000123",
                                     Mvno::header(*s, "X-Nonce"), "{}"),
                           Mvno::header(*s, "X-Signature")));
    EXPECT_EQ(Mvno::result_of(*m.resume(sv(s->state), ok({{"products", json::array{}}}))),
              json::parse(R"({"plans":[]})"));
  }
  dlclose(lib);
}
