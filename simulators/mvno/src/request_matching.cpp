// Request matching for the mvno simulator (cgw/sim/correlation.hpp): the
// correlation fields in this carrier's protocol (JSON: the fields in the body (POST) or the query
// (GET), ids in the reply's data) and the fields the journal masks (cgw/sim/journal_masking.hpp).
#include "cgw/sim/mvno/mvno_simulator.hpp"

namespace cgw::sim::mvno {

Correlation MvnoSimulator::correlate(const net::Request& req, const net::Response* res) const {
  static const CorrelationFields kFields{{"msisdn", "data.msisdn"},
                                         {"partnerOrderNo", "data.partnerOrderNo"},
                                         {"orderNo", "data.orderNo"},
                                         {"occupyNo", "data.occupyNo"}};
  return correlate_by_fields(kFields, req, res);
}

JournalMasking MvnoSimulator::journal_masking() const {
  JournalMasking m;
  // certNoEnc is the ID number AES-GCM sealed by the partner: ciphertext,
  // kept as sent so a test can see the ID left encrypted.
  m.names = {"certName", "name", "address"};  // the applicant; receiver.name, .address
  m.phones = {"phone"};
  m.images = {"portrait"};
  return m;
}

}  // namespace cgw::sim::mvno
