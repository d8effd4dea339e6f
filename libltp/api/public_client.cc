// The installed C++ client API (include/openltp/client.hpp) over the
// tree's own (client.h): each public type holds its internal counterpart
// behind a pointer, so the installed header names no heap, engine or
// Boost type and libopenltp's ABI does not move when they do.
#include <openltp/client.hpp>

#include "libltp/api/client.h"

namespace openltp {

struct BlockData::Impl {
  ltp::api::BlockData data;
};

struct Node::Impl {
  std::shared_ptr<ltp::api::Client> client;
};

struct AccessPoint::Impl {
  std::shared_ptr<Node::Impl> node;  // the attachment outlives the access point
  std::unique_ptr<ltp::api::AccessPoint> access_point;
};

namespace {

// The public enumerations list the same values in the same order.
template <class A, class B>
constexpr bool same(A a, B b) {
  return static_cast<int>(a) == static_cast<int>(b);
}
using InternalErrc = ltp::api::ClientErrc;
using InternalNotice = ltp::api::NoticeType;
static_assert(same(Errc::no_node, InternalErrc::no_node) &&
              same(Errc::not_running, InternalErrc::not_running) &&
              same(Errc::in_use, InternalErrc::in_use) &&
              same(Errc::bad_argument, InternalErrc::bad_argument) &&
              same(Errc::no_such_span, InternalErrc::no_such_span) &&
              same(Errc::no_such_session, InternalErrc::no_such_session) &&
              same(Errc::not_open, InternalErrc::not_open) &&
              same(Errc::span_stopped, InternalErrc::span_stopped) &&
              same(Errc::node_stopped, InternalErrc::node_stopped) &&
              same(Errc::heap, InternalErrc::heap));
static_assert(same(NoticeType::none, InternalNotice::none) &&
              same(NoticeType::export_start, InternalNotice::export_start) &&
              same(NoticeType::transmission_complete, InternalNotice::transmission_complete) &&
              same(NoticeType::export_cancelled, InternalNotice::export_cancelled) &&
              same(NoticeType::export_complete, InternalNotice::export_complete) &&
              same(NoticeType::green_segment, InternalNotice::green_segment) &&
              same(NoticeType::red_part, InternalNotice::red_part) &&
              same(NoticeType::import_cancelled, InternalNotice::import_cancelled));

Error public_error(const ltp::api::ClientError& e) {
  return Error{static_cast<Errc>(e.code), e.message};
}

template <class T>
Result<void> void_result(const ltp::api::ClientResult<T>& r) {
  if (!r) return public_error(r.error());
  return {};
}

SessionId public_session(const ltp::api::SessionId& s) { return SessionId{s.engine, s.number}; }

}  // namespace

BlockData::BlockData() = default;
BlockData::BlockData(BlockData&& other) noexcept = default;
BlockData& BlockData::operator=(BlockData&& other) noexcept = default;
BlockData::~BlockData() = default;

bool BlockData::empty() const { return !impl_ || impl_->data.empty(); }

std::uint64_t BlockData::size() const { return impl_ ? impl_->data.size() : 0; }

std::size_t BlockData::copy_to(std::span<std::byte> out, std::uint64_t offset) const {
  return impl_ ? impl_->data.copy_to(out, offset) : 0;
}

std::vector<std::byte> BlockData::to_vector() const {
  return impl_ ? impl_->data.to_vector() : std::vector<std::byte>{};
}

Result<void> BlockData::release() {
  if (!impl_) return {};
  return void_result(impl_->data.release());
}

Node::Node(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<Node> Node::attach(const std::optional<std::string>& node_dir) {
  auto client = ltp::api::Client::attach(node_dir);
  if (!client) return public_error(client.error());
  return Node(std::make_shared<Impl>(Impl{std::move(client).value()}));
}

bool Node::engine_started() const { return impl_->client->engine_started(); }

std::uint64_t Node::own_engine_id() const { return impl_->client->own_engine_id(); }

std::uint64_t Node::max_block_bytes() const { return impl_->client->max_block_bytes(); }

AccessPoint::AccessPoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AccessPoint::AccessPoint(AccessPoint&& other) noexcept = default;
AccessPoint& AccessPoint::operator=(AccessPoint&& other) noexcept = default;
AccessPoint::~AccessPoint() = default;

Result<AccessPoint> AccessPoint::open(const Node& node, std::uint64_t client_id) {
  auto opened = ltp::api::AccessPoint::open(node.impl_->client, client_id);
  if (!opened) return public_error(opened.error());
  return AccessPoint(std::make_unique<Impl>(Impl{node.impl_, std::move(opened).value()}));
}

std::uint64_t AccessPoint::client_id() const { return impl_->access_point->client_id(); }

Result<SessionId> AccessPoint::send(std::uint64_t destination, std::span<const std::byte> data,
                                    std::uint64_t red_length) {
  auto sent = impl_->access_point->send(destination, data, red_length);
  if (!sent) return public_error(sent.error());
  return public_session(sent.value());
}

Result<void> AccessPoint::flush(std::uint64_t destination) {
  return void_result(impl_->access_point->flush(destination));
}

Result<void> AccessPoint::cancel(SessionId session) {
  return void_result(impl_->access_point->cancel({session.engine, session.number}));
}

Result<Notice> AccessPoint::next_notice(std::optional<std::chrono::milliseconds> timeout) {
  auto taken = impl_->access_point->next_notice(timeout);
  if (!taken) return public_error(taken.error());
  auto& n = taken.value();
  Notice notice;
  notice.type = static_cast<NoticeType>(n.type);
  notice.session = public_session(n.session);
  notice.reason = n.reason;
  notice.end_of_block = n.end_of_block;
  notice.offset = n.offset;
  if (!n.data.empty()) {
    notice.data.impl_ = std::make_unique<BlockData::Impl>(BlockData::Impl{std::move(n.data)});
  }
  return notice;
}

void AccessPoint::interrupt() { impl_->access_point->interrupt(); }

void AccessPoint::close() { impl_->access_point->close(); }

}  // namespace openltp
