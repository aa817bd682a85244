// The one code-to-status table (api/error.cpp) against the table of
// docs/openapi.yaml ("Errors"): every documented code is sent with its
// documented status, and no code with a status the document does not give
// it.
#include "api/error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace cgw::gw;

namespace {

// code -> the statuses the document lists it under.
std::map<std::string, std::set<int>> documented_statuses() {
  std::ifstream in(std::string(CGW_SOURCE_DIR) + "/docs/openapi.yaml");
  std::map<std::string, std::set<int>> out;
  const std::regex row(R"(^\s*\| (\d{3}) \| (.*) \|\s*$)");
  const std::regex code("`([A-Z][A-Z_]+)`");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    const int status = std::stoi(m[1]);
    const std::string codes = m[2];
    for (std::sregex_iterator it(codes.begin(), codes.end(), code), end; it != end; ++it)
      out[(*it)[1]].insert(status);
  }
  return out;
}

}  // namespace

TEST(ErrorStatus, EveryDocumentedCodeHasItsDocumentedStatuses) {
  const auto doc = documented_statuses();
  ASSERT_GE(doc.size(), 35u) << "the table of docs/openapi.yaml was not found";
  for (const auto& [code, statuses] : doc) {
    const std::set<int> sent = {http_status_for(code, ErrorSubject::kReferenced),
                                http_status_for(code, ErrorSubject::kTarget)};
    EXPECT_EQ(sent, statuses) << code;
  }
}

TEST(ErrorStatus, StatusDependsOnWhereTheObjectWasNamed) {
  // A carrier named in a body or query is bad input; the carrier of
  // /v1/callbacks/{carrier} is a resource that does not exist.
  EXPECT_EQ(http_status_for(code::kUnknownCarrier), 400);
  EXPECT_EQ(http_status_for(code::kUnknownCarrier, ErrorSubject::kTarget), 404);
  // The reservation an activation names vs the one a DELETE targets.
  EXPECT_EQ(http_status_for(code::kReservationNotHeld), 422);
  EXPECT_EQ(http_status_for(code::kReservationNotHeld, ErrorSubject::kTarget), 409);
  EXPECT_EQ(http_status_for(code::kCallbackRejected, ErrorSubject::kTarget), 401);
}

TEST(ErrorStatus, CodesOfACarriersOwnAreBadGateway) {
  EXPECT_EQ(http_status_for(code::kConfigInvalid), 502);
  EXPECT_EQ(http_status_for("SOMETHING_A_PLUGIN_MADE_UP"), 502);
}
