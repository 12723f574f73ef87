#pragma once
// SplitMix64: the small, fast, seedable generator the synthetic traffic is drawn from.
// Deterministic across platforms and compilers (only integer arithmetic), so a seed
// names one exact byte stream; tests and benchmarks rely on that.

#include <cstdint>

namespace flowlens::synth {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return mix(state_);
  }

  // In [0, bound) for bound > 0. The modulo bias (< bound / 2^64) is irrelevant for
  // traffic shapes and keeps the result identical on every platform.
  uint64_t below(uint64_t bound) { return next() % bound; }

  // The SplitMix64 finaliser: a bijection on 64 bits, also usable as a stateless hash
  // of (seed, index) pairs.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace flowlens::synth
