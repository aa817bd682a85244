// Deterministic randomness. The same seed gives the same number pool and,
// for the same sequence of requests, the same ids, so a failing CI run can be
// replayed. std::uniform_int_distribution is not used: its output is not
// specified by the standard and differs between standard libraries.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace cgw::sim {

// A value in [0, n) from a raw engine (n > 0). Modulo bias is negligible
// for the small ranges used here and keeps results portable.
inline uint64_t below(std::mt19937_64& gen, uint64_t n) {
  return gen() % n;
}

// Thread-safe generator of ids (order ids, lock ids, event ids...).
class SeededRng {
 public:
  explicit SeededRng(uint64_t seed) : gen_(seed) {}

  // Starts the stream again from `seed` (a namespace's own stream).
  void reseed(uint64_t seed);
  // The engine's whole state as text (for a saved namespace), and back:
  // a restored stream goes on where the saved one was, so no id repeats.
  std::string state() const;
  bool set_state(const std::string& text);  // false (unchanged) if malformed

  uint64_t next();
  uint64_t below(uint64_t n);
  // prefix + n characters of [0-9A-Z].
  std::string token(std::string_view prefix, size_t n);
  // prefix + n decimal digits.
  std::string digits(std::string_view prefix, size_t n);

 private:
  mutable std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace cgw::sim
