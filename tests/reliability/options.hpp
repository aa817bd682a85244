// The command line of cgw-reliability's modes: `--flag` switches and
// `--name value` options, every number checked (a typo is an error that
// names the option, never an exception).
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cgw::reliability {

struct OptionTable {
  std::map<std::string, bool*> flags;
  std::map<std::string, int*> ints;  // each at least 0
  std::map<std::string, uint64_t*> u64s;
  std::map<std::string, std::string*> strings;
};

// Parses argv[first..]; false with `err` naming the first bad option.
inline bool parse_options(int argc, char** argv, int first, const OptionTable& t,
                          std::string& err) {
  for (int i = first; i < argc; ++i) {
    const std::string k = argv[i];
    if (auto f = t.flags.find(k); f != t.flags.end()) {
      *f->second = true;
      continue;
    }
    const bool known = t.ints.count(k) || t.u64s.count(k) || t.strings.count(k);
    if (!known) return err = "unknown option " + k, false;
    if (i + 1 >= argc) return err = k + " needs a value", false;
    const std::string_view v = argv[++i];
    if (auto s = t.strings.find(k); s != t.strings.end()) {
      *s->second = std::string(v);
      continue;
    }
    bool ok = false;
    if (auto n = t.ints.find(k); n != t.ints.end()) {
      auto r = std::from_chars(v.data(), v.data() + v.size(), *n->second);
      ok = r.ec == std::errc() && r.ptr == v.data() + v.size() && *n->second >= 0;
    } else if (auto u = t.u64s.find(k); u != t.u64s.end()) {
      auto r = std::from_chars(v.data(), v.data() + v.size(), *u->second);
      ok = r.ec == std::errc() && r.ptr == v.data() + v.size();
    }
    if (!ok)
      return err = k + " takes a whole number of at least 0, not '" + std::string(v) + "'", false;
  }
  return true;
}

}  // namespace cgw::reliability
