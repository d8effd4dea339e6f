#include "libltp/db/volatile_db.h"

namespace ltp::db {

VolatileDb VolatileDb::attach(ipc::VolatileSegment& segment) {
  return VolatileDb(segment.segment().find_or_construct<VolatileDbState>(kObjectName)());
}

VolatileSpan* VolatileDb::span(std::uint64_t engine_id) {
  const std::size_t n = VolatileDbState::kSlots;
  for (std::size_t i = 0, slot = engine_id % n; i < n; ++i, slot = (slot + 1) % n) {
    VolatileSpan& s = state_->spans[slot];
    if (s.engine_id == engine_id) return &s;
    if (s.engine_id == 0) {
      s = VolatileSpan{};
      s.engine_id = engine_id;
      return &s;
    }
  }
  return nullptr;
}

const VolatileSpan* VolatileDb::find_span(std::uint64_t engine_id) const {
  const std::size_t n = VolatileDbState::kSlots;
  for (std::size_t i = 0, slot = engine_id % n; i < n; ++i, slot = (slot + 1) % n) {
    const VolatileSpan& s = state_->spans[slot];
    if (s.engine_id == engine_id) return &s;
    if (s.engine_id == 0) return nullptr;
  }
  return nullptr;
}

}  // namespace ltp::db
