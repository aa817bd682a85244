// Request matching for the telecom simulator (cgw/sim/correlation.hpp): the
// correlation fields in this carrier's protocol (XML: the first element of each name anywhere in
// the request, then in the reply) and the fields the journal masks (cgw/sim/journal_masking.hpp).
#include "cgw/sim/telecom/telecom_simulator.hpp"

namespace cgw::sim::telecom {

Correlation TelecomSimulator::correlate(const net::Request& req, const net::Response* res) const {
  static const CorrelationFields kFields{
      {"Number", "Msisdn"}, {"PartnerOrderId"}, {"OrderId"}, {"ReserveId"}};
  return correlate_by_fields(kFields, req, res);
}

JournalMasking TelecomSimulator::journal_masking() const {
  JournalMasking m;
  m.id_numbers = {"CertNo"};
  m.names = {"CertName", "Name", "Address"};
  m.phones = {"Phone"};
  m.images = {"Portrait", "Content"};             // Photos/Photo/Content: an ID or face image
  m.secrets = {"client_secret", "access_token"};  // the OAuth token form and reply
  return m;
}

}  // namespace cgw::sim::telecom
