// How the kit (SimInstance) matches a call to fault rules and records it in
// the journal, through the carrier's correlation and masking. Private to
// cgw_sim_core.
#pragma once

#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/request_journal.hpp"
#include "cgw/sim/simulator.hpp"

namespace cgw::sim {

// The call as a fault rule's match sees it (before it is served). The
// subject refers to `req`, which must outlive it.
MatchSubject match_subject(const CarrierSimulator& sim, const net::Request& req);
// What the journal adds to the carrier's entry; `res` null when the
// connection was dropped without an answer.
JournalExchange journal_exchange(const CarrierSimulator& sim, const net::Request& req,
                                 const net::Response* res);

}  // namespace cgw::sim
