#include "cgw/sim/rng.hpp"

#include <sstream>

namespace cgw::sim {

void SeededRng::reseed(uint64_t seed) {
  std::lock_guard lock(mu_);
  gen_.seed(seed);
}

std::string SeededRng::state() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out << gen_;
  return out.str();
}

bool SeededRng::set_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 gen;
  if (!(in >> gen)) return false;
  in >> std::ws;
  if (!in.eof()) return false;
  std::lock_guard lock(mu_);
  gen_ = gen;
  return true;
}

uint64_t SeededRng::next() {
  std::lock_guard lock(mu_);
  return gen_();
}

uint64_t SeededRng::below(uint64_t n) {
  std::lock_guard lock(mu_);
  return sim::below(gen_, n);
}

std::string SeededRng::token(std::string_view prefix, size_t n) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out(prefix);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[sim::below(gen_, kAlphabet.size())]);
  return out;
}

std::string SeededRng::digits(std::string_view prefix, size_t n) {
  std::string out(prefix);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>('0' + sim::below(gen_, 10)));
  return out;
}

}  // namespace cgw::sim
