// Synthetic applicants for the KYC and activation checks: checksum-valid ID
// numbers (GB 11643) built on the simulators' magic-identity scheme
// (docs/simulators-reference.md). They belong to no one; they are still treated as
// personal data (never printed unmasked).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::conformance {

// address (6 digits) + birth (YYYYMMDD) + sequence (3 digits) + check character.
std::string make_id_number(std::string_view address, std::string_view birth,
                           std::string_view sequence);

// Born 1990-01-01 in 110101, sequence "9<outcome>0": 90x pass, 91x name
// mismatch, ... 99x upstream timeout.
std::string magic_id(char outcome_digit);

// Ten years old on the date `now_ms` falls on (UTC+8): an under-age applicant.
std::string underage_id(int64_t now_ms);

// A random ordinary adult (born 1970-1999, sequence not starting with 9):
// passes every check, and a fresh one per run keeps the 5-lines-per-person
// quota of a long-lived simulator from filling up across runs.
std::string random_adult_id();

inline constexpr const char* kApplicantName = "测试";

}  // namespace cgw::conformance
