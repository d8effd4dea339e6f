#include "libltp/engine/random_source.h"

#include <openssl/rand.h>
#include <sys/random.h>

namespace ltp::engine {

RandomSource::RandomSource(std::uint64_t seed) {
  if (seed != 0) seeded_.emplace(seed);
}

std::uint64_t RandomSource::next() {
  if (seeded_) return (*seeded_)();
  if (used_ == pool_.size()) {
    auto* bytes = reinterpret_cast<unsigned char*>(pool_.data());
    const auto size = sizeof(pool_);
    // RAND_bytes fails only if OpenSSL cannot seed itself; the kernel's
    // generator, which it seeds from, is then the one left to ask.
    if (RAND_bytes(bytes, static_cast<int>(size)) != 1) {
      std::size_t got = 0;
      while (got < size) {
        const ssize_t n = ::getrandom(bytes + got, size - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
      }
    }
    used_ = 0;
  }
  return pool_[used_++];
}

std::uint64_t RandomSource::between(std::uint64_t low, std::uint64_t high) {
  const std::uint64_t span = high - low + 1;
  // Rejection keeps the draw uniform: the top partial range is redrawn.
  const std::uint64_t limit = span == 0 ? 0 : UINT64_MAX - UINT64_MAX % span;
  std::uint64_t x = next();
  while (span != 0 && x >= limit) x = next();
  return span == 0 ? x : low + x % span;
}

}  // namespace ltp::engine
