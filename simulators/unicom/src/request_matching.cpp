// Request matching for the unicom simulator (cgw/sim/correlation.hpp): the
// correlation fields in this carrier's protocol (the form-encoded router: parameters of the form,
// ids in the JSON reply's data) and the fields the journal masks (cgw/sim/journal_masking.hpp).
#include "cgw/sim/unicom/unicom_simulator.hpp"

namespace cgw::sim::unicom {

Correlation UnicomSimulator::correlate(const net::Request& req, const net::Response* res) const {
  static const CorrelationFields kFields{{"number", "data.number"},
                                         {"out_order_id", "data.out_order_id"},
                                         {"order_id", "data.order_id"},
                                         {"lock_id", "data.lock_id"}};
  return correlate_by_fields(kFields, req, res);
}

JournalMasking UnicomSimulator::journal_masking() const {
  JournalMasking m;
  m.id_numbers = {"cert_no"};
  m.names = {"cert_name", "contact_name", "contact_address"};
  m.phones = {"contact_phone"};
  m.images = {"portrait"};
  m.secrets = {"sign"};  // the form's signature parameter
  return m;
}

}  // namespace cgw::sim::unicom
