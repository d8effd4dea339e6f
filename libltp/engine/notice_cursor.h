// NoticeCursor: a holder's place in its client id's notice queue, which
// Engine::next_notice, release_data and acknowledge_notice update: the
// notices with data it was handed and has not released (they lead the
// queue), and the dataless notice it took last, acknowledged by its next
// call or on close. Each holder of an id keeps one (the client API per id,
// the lock-step harness per side). Apart from engine.h so that the client
// API's header can keep one without the engine's.
#pragma once

#include <cstdint>

#include "ipc/heap_format.h"

namespace ltp::engine {

struct NoticeCursor {
  std::uint64_t held = 0;
  ipc::Addr unacknowledged = ipc::kNullAddr;
};

}  // namespace ltp::engine
