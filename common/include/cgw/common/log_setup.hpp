// Logging: the default logger's setup, and the one escaping rule for every
// log record (log injection). Client values (an ID number, a name, a query
// value, a header, a path) reach log calls in many places; a newline, a
// carriage return, a NUL or another control character in one of them must
// never split or forge a record, and bytes that are not UTF-8 must never
// make a log file undecodable. So every logger the processes set up formats
// its message through make_log_formatter(), which escapes the message as
// log_escape() does, and values that go into structured records (the audit
// log's JSON) are escaped with log_escape() before they are serialized.
#pragma once

#include <spdlog/formatter.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace cgw {

// Sets up the default spdlog logger: stderr, one line per event, UTC time,
// messages escaped (make_log_formatter). Returns false (and keeps "info")
// when `level` is not a known level name.
bool init_logging(std::string_view program, std::string_view level);

// One character of UTF-8 text at `s[at]`: its code point and length in
// bytes. A byte that does not start a well-formed sequence (a stray
// continuation byte, an overlong form, a surrogate, past U+10FFFF, a
// truncated sequence) is one invalid character of length 1.
struct Utf8Char {
  char32_t cp = 0;
  size_t len = 1;
  bool valid = false;
};
Utf8Char next_utf8(std::string_view s, size_t at);

// Characters that a log record never carries as they are: C0 controls
// (newline, carriage return, tab, NUL, ...), DEL, C1 controls, the Unicode
// line and paragraph separators and the bidirectional overrides and
// isolates (which reorder what a reader sees).
bool log_unsafe(char32_t cp);

// `s` for a log record: every byte that is not valid UTF-8 becomes "\xHH",
// newline, carriage return and tab become "\n", "\r", "\t", another C0
// control or DEL "\xHH", a log_unsafe() code point above U+007F "\u{HHHH}";
// everything else is kept. The result is one line of valid UTF-8 without
// control characters. A backslash is kept as it is: an escape can be
// imitated, but never turn into a line break.
std::string log_escape(std::string_view s);
// True when log_escape(s) would change `s` (a scan, no allocation).
bool needs_log_escape(std::string_view s);

// A formatter for a logger's sinks: formats the record with the spdlog
// `pattern` (time in UTC when `utc`) after escaping its message with
// log_escape(); a message with nothing to escape costs one scan.
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string pattern, bool utc = true);

}  // namespace cgw
