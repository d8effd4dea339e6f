// Small, stable 64-bit hashes used for names (node keys), treap priorities
// and hash-map buckets. Stable across processes and releases: values end up
// in persistent structures and shared names, so never change them.
#pragma once

#include <cstdint>
#include <string_view>

namespace ltp::ipc {

// splitmix64 finaliser: a bijective bit mixer.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace ltp::ipc
