// Carrier ids across namespaces: two namespaces created with the same seed
// give different ids (a gateway in front of both must never see one carrier
// order id twice), each namespace's ids are the same in every run, and the
// default instance keeps the ids it always had.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

class SimKitIds : public SimKit {
 public:
  std::string first_order(const std::string& prefix) { return place_order(prefix, "P-ids-1"); }
};

TEST_F(SimKitIds, SameSeedNamespacesGiveDifferentOrderIds) {
  make_ns("qa1", {{"seed", 7}});
  make_ns("qa2", {{"seed", 7}});
  const std::string a = first_order("/ns/qa1");
  const std::string b = first_order("/ns/qa2");
  ASSERT_EQ(a.size(), 20u) << a;
  ASSERT_EQ(b.size(), 20u) << b;
  EXPECT_NE(a, b);
  // Same pool (same seed): the same first idle number in both.
  EXPECT_EQ(idle_number("/ns/qa1", 0).size(), 11u);

  // Deterministic per namespace: made again with the same name and seed,
  // the same requests give the same id.
  admin("DELETE", "/admin/namespaces/qa1");
  make_ns("qa1", {{"seed", 7}});
  EXPECT_EQ(first_order("/ns/qa1"), a);
}

TEST_F(SimKitIds, DefaultInstanceKeepsItsIds) {
  // Pinned: the default instance's stream is seeded as before namespaces
  // had streams of their own (docs/simulators-reference.md, Determinism).
  EXPECT_EQ(first_order(""), "MO009520333304827977");
  // Even a namespace named "default" has a stream of its own.
  make_ns("default", {{"seed", 7}});
  EXPECT_NE(first_order("/ns/default"), first_order(""));
}
