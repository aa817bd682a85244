// Request matching for the mobile simulator (cgw/sim/correlation.hpp): the
// correlation fields in this carrier's protocol (signed JSON: the fields in the body (POST) or the
// query (GET), ids in the reply's data) and the fields the journal masks
// (cgw/sim/journal_masking.hpp).
#include "cgw/sim/mobile/mobile_simulator.hpp"

namespace cgw::sim::mobile {

Correlation MobileSimulator::correlate(const net::Request& req, const net::Response* res) const {
  static const CorrelationFields kFields{{"number", "msisdn", "data.number", "data.msisdn"},
                                         {"partnerOrderId", "data.partnerOrderId"},
                                         {"orderId", "data.orderId"},
                                         {"lockId", "data.lockId"}};
  return correlate_by_fields(kFields, req, res);
}

JournalMasking MobileSimulator::journal_masking() const {
  JournalMasking m;
  m.id_numbers = {"certNo"};
  m.names = {"certName", "name", "address"};  // the applicant; contact.name, contact.address
  m.phones = {"phone"};
  m.images = {"portrait"};
  return m;
}

}  // namespace cgw::sim::mobile
