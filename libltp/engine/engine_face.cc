// Engine's entry points, each handed to its EngineCore (engine_core.h),
// which holds the state and the procedures.
#include "libltp/engine/engine.h"

#include "libltp/engine/engine_core.h"

namespace ltp::engine {

Result<std::unique_ptr<Engine>, EngineError> Engine::attach(ipc::Heap& heap, db::VolatileDb* vdb,
                                                            EngineSignals& signals,
                                                            EngineOptions options) {
  auto core = EngineCore::attach(heap, vdb, signals, options);
  if (!core) return failure(core.error());
  return std::unique_ptr<Engine>(new Engine(std::move(core).value()));
}

Engine::Engine(std::unique_ptr<EngineCore> core) : core_(std::move(core)) {}
Engine::~Engine() = default;

Result<void, EngineError> Engine::handle_inbound(std::span<const std::uint8_t> datagram,
                                                 std::uint64_t now, const DatagramSource& source) {
  return core_->handle_inbound(datagram, now, source);
}

Result<void, EngineError> Engine::handle_inbound_batch(
    std::span<const std::span<const std::uint8_t>> datagrams, std::uint64_t now,
    std::span<const DatagramSource> sources) {
  return core_->handle_inbound_batch(datagrams, now, sources);
}

Result<void, EngineError> Engine::on_timers(std::uint64_t now, TimerScope scope) {
  return core_->on_timers(now, scope);
}

std::optional<std::uint64_t> Engine::next_deadline(TimerScope scope) {
  return core_->next_deadline(scope);
}

std::optional<std::uint64_t> Engine::aggregation_deadline(std::uint64_t span_engine) {
  return core_->aggregation_deadline(span_engine);
}

Result<std::size_t, EngineError> Engine::segments_sent(std::uint64_t span_engine,
                                                       std::span<const OutboundSegment> segments,
                                                       std::uint64_t now) {
  return core_->segments_sent(span_engine, segments, now);
}

Result<std::size_t, EngineError> Engine::dequeue(std::uint64_t span_engine,
                                                 std::size_t max_segments, std::uint64_t now,
                                                 OutboundBatch& out) {
  return core_->dequeue(span_engine, max_segments, now, out);
}

Result<void, EngineError> Engine::link_state(std::uint64_t span_engine, bool remote_up,
                                             std::uint64_t now) {
  return core_->link_state(span_engine, remote_up, now);
}

Result<codec::SessionId, EngineError> Engine::send(std::uint64_t client_id,
                                                   std::uint64_t destination,
                                                   std::span<const std::uint8_t> sdu,
                                                   std::uint64_t red_length, std::uint64_t now) {
  return core_->send(client_id, destination, sdu, red_length, now);
}

Result<void, EngineError> Engine::flush(std::uint64_t span_engine, std::uint64_t now) {
  return core_->flush(span_engine, now);
}

Result<void, EngineError> Engine::cancel_export(std::uint64_t session_number, std::uint64_t now,
                                                std::optional<std::uint64_t> client) {
  return core_->cancel_export(session_number, now, client);
}

Result<void, EngineError> Engine::cancel_import(std::uint64_t originator,
                                                std::uint64_t session_number, std::uint64_t now,
                                                std::optional<std::uint64_t> client) {
  return core_->cancel_import(originator, session_number, now, client);
}

Result<std::optional<Notice>, EngineError> Engine::next_notice(std::uint64_t client_id,
                                                               NoticeCursor& cursor) {
  return core_->next_notice(client_id, cursor);
}

Result<void, EngineError> Engine::acknowledge_notice(std::uint64_t client_id,
                                                     NoticeCursor& cursor) {
  return core_->acknowledge_notice(client_id, cursor);
}

std::vector<std::uint8_t> Engine::read_data(Addr data) { return core_->read_data(data); }

Result<void, EngineError> Engine::release_data(std::uint64_t client_id, Addr data,
                                               NoticeCursor& cursor) {
  return core_->release_data(client_id, data, cursor);
}

Result<db::SpanStats, EngineError> Engine::stats(std::uint64_t span_engine) {
  return core_->stats(span_engine);
}

db::NodeStats Engine::node_stats() { return core_->node_stats(); }

std::uint64_t Engine::own_engine_id() const { return core_->own_engine_id(); }

std::uint64_t Engine::max_block_bytes() const { return core_->max_block_bytes(); }

db::LtpDb& Engine::db() { return core_->db(); }

ipc::Heap& Engine::heap() { return core_->heap(); }

}  // namespace ltp::engine
