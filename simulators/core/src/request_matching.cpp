#include "request_matching.hpp"

namespace cgw::sim {

MatchSubject match_subject(const CarrierSimulator& sim, const net::Request& req) {
  MatchSubject s;
  s.correlation = sim.correlate(req, nullptr);
  s.header = [&req](std::string_view name) -> std::optional<std::string> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
  };
  s.field = [&req](std::string_view field) { return request_field(req, field); };
  return s;
}

JournalExchange journal_exchange(const CarrierSimulator& sim, const net::Request& req,
                                 const net::Response* res) {
  const JournalMasking masking = sim.journal_masking();
  JournalExchange ex;
  ex.correlation = sim.correlate(req, res);
  ex.request = journal_message(req, masking);
  if (res) ex.response = journal_message(*res, masking);
  return ex;
}

}  // namespace cgw::sim
