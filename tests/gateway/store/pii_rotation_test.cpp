// PII key rotation: the keyring (current key seals, previous keys open), the
// store's re-sealing into the current key with the ID-number lookup hashes,
// and the real `cgw-gateway --rotate-pii` on a store file.
#include "core/config.hpp"
#include "process.hpp"
#include "store/store_harness.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace cgw::gw;
using namespace std::chrono_literals;

namespace {

const std::string kA(32, 'a'), kB(32, 'b'), kC(32, 'c');
const std::string kId1 = "11010519491231002X", kId2 = "110105194912310029";

std::string hex(const std::string& key) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : key) {
    out += d[ch >> 4];
    out += d[ch & 15];
  }
  return out;
}

class PiiRotation : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgw_pii_rotation_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    store_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path db() const { return dir_ / "cgw.db"; }

  void open(const std::string& key, std::vector<std::string> previous = {}) {
    store_.reset();
    store_ = std::make_unique<StoreHarness>(db(), PiiCipher(key, std::move(previous)));
    ASSERT_EQ(store_->open(), "");
  }

  // A verification of `id_number` and an activation that uses it; returns
  // the activation id.
  std::string activation_for(const std::string& id_number) {
    const std::string msisdn = "1380000" + std::to_string(1000 + seq_++);
    auto r = store_->begin_reservation("t1", "mobile", msisdn, 1000);
    EXPECT_TRUE(r);
    store_->hold_reservation(r->id, "L1", 1'000'000, 1000);
    cgw::KycVerifyOutput out{cgw::KycResult::passed, {}, "V1"};
    auto v = store_->save_verification("t1", "mobile", {"张三", id_number, {}}, out, 1000);
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = "k" + msisdn;
    a.request_hash = "h";
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", msisdn, "Somewhere 1"};
    auto created = store_->create_activation(a, 1000);
    EXPECT_TRUE(created);
    return std::get<Activation>(created.value()).id;
  }

  // Every activation's personal data opens and is what was stored.
  void expect_all_open(const std::vector<std::string>& acts) {
    for (const auto& id : acts) {
      auto sub = store_->submission(id);
      ASSERT_TRUE(sub) << id;
      EXPECT_EQ(sub->name, "张三");
      EXPECT_TRUE(sub->id_number == kId1 || sub->id_number == kId2);
      EXPECT_EQ(sub->delivery.name, "张三");
    }
  }

  // Runs SQL on the store file directly (a second connection).
  void sql(const std::string& statement) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(h, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(h);
  }
  std::vector<std::string> column(const std::string& query) {
    std::vector<std::string> out;
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(h, query.c_str(), -1, &s, nullptr), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
    sqlite3_close(h);
    return out;
  }

  // Under key A: 5 activations (5 verifications), 3 of them for kId1.
  std::vector<std::string> seed_under_a() {
    open(kA);
    std::vector<std::string> acts;
    for (int i = 0; i < 5; ++i) acts.push_back(activation_for(i < 3 ? kId1 : kId2));
    return acts;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StoreHarness> store_;
  int seq_ = 0;
};

}  // namespace

TEST(PiiKeyring, CurrentKeySealsPreviousKeysOpen) {
  const PiiCipher a(kA), ring(kB, {kA});
  const auto old_value = a.seal(kId1, "kyc_1/id_number");
  EXPECT_EQ(PiiCipher::key_id_of(old_value), a.key_id());
  EXPECT_EQ(ring.open(old_value, "kyc_1/id_number"), kId1);
  EXPECT_FALSE(ring.open(old_value, "kyc_2/id_number"));  // AAD still binds the row
  const auto new_value = ring.seal(kId1, "kyc_1/id_number");
  EXPECT_EQ(PiiCipher::key_id_of(new_value), PiiCipher::key_id_for(kB));
  EXPECT_EQ(ring.key_id(), PiiCipher::key_id_for(kB));
  EXPECT_EQ(ring.previous_key_ids(), std::vector<std::string>{a.key_id()});
  // Lookup hashes: new ones under the current key; lookups match every key.
  EXPECT_EQ(ring.lookup_hash(kId1), PiiCipher(kB).lookup_hash(kId1));
  EXPECT_EQ(ring.lookup_hashes(kId1),
            (std::vector<std::string>{ring.lookup_hash(kId1), a.lookup_hash(kId1)}));
}

TEST(PiiKeyring, UnknownKeyIdIsAClearErrorNotACrash) {
  const PiiCipher a(kA), b(kB);
  const auto sealed = a.seal(kId1, "kyc_1/id_number");
  auto opened = b.unseal(sealed, "kyc_1/id_number");
  EXPECT_FALSE(opened);
  EXPECT_NE(opened.error.find("sealed under key id " + a.key_id()), std::string::npos)
      << opened.error;
  EXPECT_NE(opened.error.find("not configured"), std::string::npos) << opened.error;
  EXPECT_EQ(opened.error.find(kId1), std::string::npos);
  for (std::string_view bad : {"", ":", "no-colon", "abcd:!!!", "zz:"}) {
    auto o = a.unseal(bad, "r");
    EXPECT_FALSE(o) << bad;
    EXPECT_FALSE(o.error.empty()) << bad;
  }
  auto swapped = a.unseal(sealed, "kyc_2/id_number");
  EXPECT_NE(swapped.error.find("does not open under key id " + a.key_id()), std::string::npos);
  EXPECT_THROW(PiiCipher(kA, {std::string(31, 'x')}), std::invalid_argument);
  EXPECT_NO_THROW(PiiCipher(kA, {kA}));  // the same key twice is harmless
}

TEST(PiiKeyring, ConfigReadsPreviousKeys) {
  setenv("CGW_TEST_PII_B", hex(kB).c_str(), 1);
  setenv("CGW_TEST_PII_A", hex(kA).c_str(), 1);
  setenv("CGW_TEST_PII_SHORT", "abcd", 1);
  auto yaml = [](const std::string& previous) {
    return "security:\n  pii_key: {env: CGW_TEST_PII_B}\n" + previous +
           "tenants:\n  - id: t1\n    api_keys:\n      - sha256: " + std::string(64, '0') +
           "\ncarriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
           "http://127.0.0.1:1\n";
  };
  auto r = parse_config(yaml("  pii_previous_keys: [{env: CGW_TEST_PII_A}]\n"), "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->pii_key, kB);
  EXPECT_EQ(r->pii_previous_keys, std::vector<std::string>{kA});
  r = parse_config(yaml(""), "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->pii_previous_keys.empty());
  r = parse_config(yaml("  pii_previous_keys: [{env: CGW_TEST_PII_SHORT}]\n"), "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/c/g.yaml:3: security.pii_previous_keys[0] must be 64 hex"),
            std::string::npos)
      << r.error().message;
  r = parse_config(yaml("  pii_previous_keys:\n    - {env: CGW_TEST_PII_A}\n    - {env: "
                        "CGW_TEST_PII_B}\n"),
                   "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message.find("security.pii_previous_keys[1] repeats a key already configured"),
      std::string::npos)
      << r.error().message;
  r = parse_config(yaml("  pii_previous_keys: {env: CGW_TEST_PII_A}\n"), "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("must be a list"), std::string::npos) << r.error().message;
}

TEST_F(PiiRotation, RotateReSealsEverythingAndKeepsThePerIdCount) {
  auto acts = seed_under_a();
  const auto a_id = PiiCipher::key_id_for(kA), b_id = PiiCipher::key_id_for(kB);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 3);

  // B current, A previous: old values open, new ones are sealed under B.
  open(kB, {kA});
  expect_all_open(acts);
  EXPECT_EQ(store_->pii_key_census(), (std::map<std::string, int64_t>{{a_id, 15}}));
  acts.push_back(activation_for(kId1));
  // The per-ID lookup finds rows under both keys before the rotation.
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 4);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId2), 2);

  std::vector<int64_t> seen;
  auto r = store_->rotate_pii(2, [&](const StoreHarness::PiiRotation& p) {
    seen.push_back(p.rows_done);
    return true;
  });
  EXPECT_TRUE(r.unknown_keys.empty());
  EXPECT_FALSE(r.stopped);
  EXPECT_TRUE(r.unreadable.empty());
  EXPECT_EQ(r.rows_total, 10);  // 5 verifications + 5 activations under A
  EXPECT_EQ(r.rows_done, 10);
  EXPECT_EQ(r.values_resealed, 15);
  EXPECT_EQ(r.hashes_recomputed, 5);
  EXPECT_EQ(seen, (std::vector<int64_t>{2, 4, 5, 7, 9, 10}));  // batches of 2, per table
  EXPECT_EQ(store_->pii_key_census(), (std::map<std::string, int64_t>{{b_id, 18}}));

  // Every stored hash is now the current key's.
  const PiiCipher b(kB);
  for (const auto& h : column("SELECT id_number_hash FROM verifications"))
    EXPECT_TRUE(h == b.lookup_hash(kId1) || h == b.lookup_hash(kId2)) << h;

  // A removed: everything opens, and the per-ID count still sees the old
  // verifications (their hashes were recomputed under B).
  open(kB);
  expect_all_open(acts);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 4);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId2), 2);

  // Re-running is a no-op.
  auto again = store_->rotate_pii(2, [](const StoreHarness::PiiRotation&) {
    ADD_FAILURE() << "no batch expected";
    return true;
  });
  EXPECT_EQ(again.rows_total, 0);
  EXPECT_EQ(again.rows_done, 0);
  EXPECT_EQ(again.values_resealed, 0);
}

TEST_F(PiiRotation, WithoutRecomputingHashesTheCountWouldMissOldRows) {
  // Why the rotation recomputes hashes: a lookup under the new key alone
  // does not match hashes made under the old one.
  seed_under_a();
  open(kB);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 0);
  open(kB, {kA});
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 3);
}

TEST_F(PiiRotation, UnknownKeyIdRefusesAndChangesNothing) {
  auto acts = seed_under_a();
  open(kC);
  auto c_act = activation_for(kId1);  // one row under C
  const auto census = store_->pii_key_census();

  open(kB, {kA});  // C is neither current nor previous
  auto r = store_->rotate_pii(500);
  EXPECT_EQ(r.unknown_keys, (std::map<std::string, int64_t>{{PiiCipher::key_id_for(kC), 3}}));
  EXPECT_EQ(r.rows_done, 0);
  EXPECT_EQ(store_->pii_key_census(), census);
  // The row under C does not open (a clear error, logged), the rest does.
  EXPECT_FALSE(store_->submission(c_act));
  expect_all_open(acts);

  // With C as a previous key too, the rotation goes through.
  open(kB, {kA, kC});
  r = store_->rotate_pii(500);
  EXPECT_TRUE(r.unknown_keys.empty());
  EXPECT_EQ(r.rows_done, 12);
  open(kB);
  acts.push_back(c_act);
  expect_all_open(acts);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 4);
}

TEST_F(PiiRotation, InterruptedRotationLeavesAConsistentStoreAndResumes) {
  auto acts = seed_under_a();
  open(kB, {kA});
  auto r = store_->rotate_pii(2, [](const StoreHarness::PiiRotation&) { return false; });
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.rows_total, 10);
  EXPECT_EQ(r.rows_done, 2);  // one committed batch
  const auto a_id = PiiCipher::key_id_for(kA), b_id = PiiCipher::key_id_for(kB);
  EXPECT_EQ(store_->pii_key_census(), (std::map<std::string, int64_t>{{a_id, 11}, {b_id, 4}}));

  // Mid-rotation: every value opens and the per-ID count is right, even
  // after a restart of the store.
  open(kB, {kA});
  expect_all_open(acts);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 3);
  // A row's hash is always under the key its ID number names.
  const PiiCipher a(kA), b(kB);
  for (const auto& row : column(
           "SELECT substr(id_number_sealed, 1, 8) || ' ' || id_number_hash FROM verifications")) {
    const auto key = row.substr(0, 8), hash = row.substr(9);
    const PiiCipher& c = key == b_id ? b : a;
    EXPECT_TRUE(hash == c.lookup_hash(kId1) || hash == c.lookup_hash(kId2)) << row;
  }

  // The re-run finishes what is left.
  r = store_->rotate_pii(2);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.rows_total, 8);
  EXPECT_EQ(r.rows_done, 8);
  EXPECT_EQ(store_->pii_key_census(), (std::map<std::string, int64_t>{{b_id, 15}}));
  open(kB);
  expect_all_open(acts);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 3);
}

TEST_F(PiiRotation, AlteredRowIsReportedAndLeftTheRestRotates) {
  seed_under_a();
  store_.reset();
  // Swap two rows' sealed ID numbers: each is under A but bound to the other
  // row, so neither opens.
  const auto ids = column("SELECT id FROM verifications ORDER BY id");
  ASSERT_EQ(ids.size(), 5u);
  sql("UPDATE verifications SET id_number_sealed = (SELECT id_number_sealed FROM verifications "
      "WHERE id = '" +
      ids[1] + "') WHERE id = '" + ids[0] + "'");
  open(kB, {kA});
  auto r = store_->rotate_pii(500);
  EXPECT_EQ(r.unreadable, std::vector<std::string>{"verifications/" + ids[0]});
  EXPECT_EQ(r.rows_done, 9);
  EXPECT_EQ(store_->pii_key_census().at(PiiCipher::key_id_for(kA)), 2);  // that row, as it was
}

// The real binary: `cgw-gateway --config <file> --rotate-pii`.
TEST_F(PiiRotation, CommandLineRotatesRefusesAndIsIdempotent) {
  auto acts = seed_under_a();
  store_.reset();
  {
    std::ofstream(dir_ / "pii.key") << hex(kA) << "\n";
    std::ofstream(dir_ / "pii.key.new") << hex(kB) << "\n";
  }
  auto write_config = [&](const std::string& security) {
    std::ofstream f(dir_ / "gateway.yaml");
    f << "store: {path: cgw.db}\nsecurity:\n"
      << security << "tenants:\n  - id: t1\n    api_keys:\n      - sha256: " << std::string(64, '0')
      << "\ncarriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
         "http://127.0.0.1:1\n";
  };
  int run_no = 0;
  auto run = [&](std::vector<std::string> extra, std::string* log) -> int {
    const auto log_file = dir_ / ("rotate" + std::to_string(++run_no) + ".log");
    std::vector<std::string> argv = {CGW_GATEWAY_BIN, "--config", (dir_ / "gateway.yaml").string(),
                                     "--rotate-pii"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    cgw::test::Process p;
    EXPECT_TRUE(p.start(argv, log_file));
    for (int i = 0; i < 3000 && p.running(); ++i) std::this_thread::sleep_for(10ms);
    auto rc = p.stop(SIGKILL, 1s);
    *log = cgw::test::read_file(log_file);
    return rc.value_or(-1);
  };
  std::string log;

  // Only B configured: the values under A are refused, nothing changes.
  write_config("  pii_key: {file: pii.key.new}\n");
  EXPECT_EQ(run({}, &log), 1) << log;
  EXPECT_NE(log.find("pii rotation refused: 15 sealed values"), std::string::npos) << log;
  EXPECT_NE(log.find(PiiCipher::key_id_for(kA) + ": 15"), std::string::npos) << log;

  // B current, A previous: everything is re-sealed.
  write_config("  pii_key: {file: pii.key.new}\n  pii_previous_keys:\n    - {file: pii.key}\n");
  EXPECT_EQ(run({"--batch", "3"}, &log), 0) << log;
  EXPECT_NE(log.find("pii rotation: 10/10 rows re-sealed"), std::string::npos) << log;
  EXPECT_NE(log.find("pii rotation complete: all 15 sealed values are under key " +
                     PiiCipher::key_id_for(kB)),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(kId1), std::string::npos);

  // Again: nothing to do.
  EXPECT_EQ(run({}, &log), 0) << log;
  EXPECT_NE(log.find("0 of 0 rows re-sealed"), std::string::npos) << log;

  // A removed: the store opens with B alone.
  open(kB);
  expect_all_open(acts);
  EXPECT_EQ(store_->count_verifications_for_id_number(kId1), 3);
  store_.reset();

  // A bad batch size is a usage error.
  EXPECT_EQ(run({"--batch", "0"}, &log), 2) << log;
}
