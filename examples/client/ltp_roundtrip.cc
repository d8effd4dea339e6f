// ltp_roundtrip: a complete LTP client in C++, on the installed C++ API
// (openltp/client.hpp). It sends COUNT blocks of SIZE bytes, all red and
// each its own session, to ENGINE for CLIENT_ID and waits until every one
// is acknowledged; when
// ENGINE is the node's own engine it also takes each block back and checks
// it byte for byte before releasing it.
//
//   usage: ltp_roundtrip NODE_DIR CLIENT_ID ENGINE COUNT SIZE
//
// Build against an installed OpenLTP:
//   c++ -std=c++20 ltp_roundtrip.cc $(pkg-config --cflags --libs openltp) -o ltp_roundtrip
// Exit status: 0 when every block arrived, 1 on a failure, 2 on a usage
// error.
#include <openltp/client.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Block `index`'s bytes: a pattern that differs from block to block.
std::vector<std::byte> block(std::uint64_t index, std::size_t size) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte((i * 31 + index * 7) & 0xff);
  return bytes;
}

int fail(const char* what, const openltp::Error& error) {
  std::fprintf(stderr, "ltp_roundtrip: %s: %s\n", what, error.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: ltp_roundtrip NODE_DIR CLIENT_ID ENGINE COUNT SIZE\n");
    return 2;
  }
  const std::uint64_t client_id = std::strtoull(argv[2], nullptr, 10);
  const std::uint64_t engine = std::strtoull(argv[3], nullptr, 10);
  const std::uint64_t count = std::strtoull(argv[4], nullptr, 10);
  const std::size_t size = std::strtoull(argv[5], nullptr, 10);

  auto node = openltp::Node::attach(std::string(argv[1]));
  if (!node) return fail("attach", node.error());
  auto ap = openltp::AccessPoint::open(*node, client_id);
  if (!ap) return fail("open", ap.error());
  const bool to_self = engine == node->own_engine_id();

  std::vector<openltp::SessionId> sent;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto session = ap->send(engine, block(i, size));
    if (!session) return fail("send", session.error());
    sent.push_back(*session);
    // One block per send, whatever the span's aggregation limits.
    if (auto flushed = ap->flush(engine); !flushed) return fail("flush", flushed.error());
  }
  std::uint64_t acknowledged = 0;
  std::uint64_t received = 0;
  while (acknowledged < count || (to_self && received < count)) {
    auto notice = ap->next_notice();
    if (!notice) return fail("notice", notice.error());
    switch (notice->type) {
      case openltp::NoticeType::export_complete:
        ++acknowledged;
        break;
      case openltp::NoticeType::red_part: {
        // The block's session number orders it among those sent.
        std::uint64_t index = 0;
        while (index < sent.size() && !(sent[index] == notice->session)) ++index;
        if (notice->data.to_vector() != block(index, size)) {
          std::fprintf(stderr, "ltp_roundtrip: block %llu arrived changed\n",
                       static_cast<unsigned long long>(index));
          return 1;
        }
        if (auto released = notice->data.release(); !released) {
          return fail("release", released.error());
        }
        ++received;
        break;
      }
      case openltp::NoticeType::export_cancelled:
      case openltp::NoticeType::import_cancelled:
        std::fprintf(stderr, "ltp_roundtrip: a session was cancelled (reason %u)\n",
                     notice->reason);
        return 1;
      default:
        break;
    }
  }
  std::printf("%llu blocks of %zu bytes acknowledged by engine %llu",
              static_cast<unsigned long long>(acknowledged), size,
              static_cast<unsigned long long>(engine));
  if (to_self) std::printf(", %llu received intact", static_cast<unsigned long long>(received));
  std::printf("\n");
  return 0;
}
