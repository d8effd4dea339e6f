// RandomSource: where the engine draws the numbers a peer must not be able
// to predict — session numbers and the first serial of each session.
//
// A blind attacker who can guess a live session number can inject into or
// cancel it, and a number counted from 1 after `ionstart --fresh` collides
// with the closed sessions a peer remembers (ION drops their data). So a
// node draws from OpenSSL's CSPRNG (RAND_bytes), a block of draws at a
// time. The lock-step tests pass a seed instead and get a repeatable
// sequence (EngineOptions::serial_seed). One per Engine; not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>

namespace ltp::engine {

class RandomSource {
 public:
  // seed 0: the CSPRNG; any other seed: a deterministic generator.
  explicit RandomSource(std::uint64_t seed);

  // Uniform in [low, high], high > low.
  std::uint64_t between(std::uint64_t low, std::uint64_t high);

 private:
  std::uint64_t next();

  std::optional<std::mt19937_64> seeded_;
  std::array<std::uint64_t, 64> pool_{};
  std::size_t used_ = pool_.size();
};

}  // namespace ltp::engine
