// The store as the rest of the gateway sees it: the shared Database and one
// repository per aggregate, all behind interfaces. A backend's open function
// (store/sqlite/open.hpp) builds them; nothing above the store names a
// backend but app/, which picks one.
#pragma once

#include "store/activation_repository.hpp"
#include "store/callback_repository.hpp"
#include "store/database.hpp"
#include "store/fleet_repository.hpp"
#include "store/hold_feed.hpp"
#include "store/idempotency_repository.hpp"
#include "store/number_repository.hpp"
#include "store/outbox_repository.hpp"
#include "store/pii_key_repository.hpp"
#include "store/reservation_repository.hpp"
#include "store/subscriber_repository.hpp"
#include "store/verification_repository.hpp"

#include <memory>

namespace cgw::gw {

struct Repositories {
  // First: the repositories use it, so it is destroyed last.
  std::unique_ptr<Database> db;
  std::unique_ptr<NumberRepository> numbers;
  std::unique_ptr<ReservationRepository> reservations;
  std::unique_ptr<VerificationRepository> verifications;
  std::unique_ptr<ActivationRepository> activations;
  std::unique_ptr<IdempotencyRepository> idempotency;
  std::unique_ptr<CallbackRepository> callbacks;
  std::unique_ptr<OutboxRepository> outbox;
  std::unique_ptr<PiiKeyRepository> pii_keys;
  // Null unless the store is shared by several instances (PostgreSQL):
  // SQLite serves one instance, which needs no feed (store/hold_feed.hpp).
  std::unique_ptr<HoldFeed> hold_feed;
  std::unique_ptr<FleetRepository> fleet;             // instances and leases
  std::unique_ptr<SubscriberRepository> subscribers;  // lines sold, top-ups, SIM replacements
};

}  // namespace cgw::gw
