// Header and trailer extensions (RFC 5326 3.1.5): tag, SDNV length, value.
//
// The decoder hands them out as an ExtensionsView over the datagram; code
// that encodes points an ExtensionsView at its own array of Extension.
// Typed readings of the RFC 5327 tags live in auth.h. At most 15 of each
// kind fit in a segment (one nibble each in the header).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "libltp/codec/sequence_view.h"

namespace ltp::codec {

// Extension tags registered with IANA (RFC 5326, RFC 5327).
enum class ExtensionTag : std::uint8_t {
  authentication = 0x00,  // RFC 5327 section 2
  cookie = 0x01,          // RFC 5327 section 3
};

// The most extensions of one kind (header or trailer) a segment can carry.
inline constexpr std::size_t kMaxExtensions = 15;

struct Extension {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;  // points into the datagram when decoded

  // Reads one extension from bytes the decoder has validated.
  static Extension read_validated(const std::uint8_t*& pos);
  friend bool operator==(const Extension& a, const Extension& b) {
    return a.tag == b.tag && std::ranges::equal(a.value, b.value);
  }
};

using ExtensionsView = SequenceView<Extension>;

}  // namespace ltp::codec
