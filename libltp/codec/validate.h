// validate(): the RFC 5326 rules a well-formed Segment obeys beyond its
// byte layout (serials not 0, bounds ordered, claims sorted and inside the
// bounds, data ranges that fit in 64 bits, at most 15 extensions...).
//
// The decoder runs it on everything it parses and the encoder on
// everything it writes, so the two accept exactly the same segments.
#pragma once

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/segment.h"

namespace ltp::codec {

Result<void, Error> validate(const Segment& segment);

}  // namespace ltp::codec
