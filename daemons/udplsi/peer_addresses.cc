#include "daemons/udplsi/peer_addresses.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace ltp::daemons {
namespace {

std::string host_text(const udp::HostAddress& host) {
  char text[INET6_ADDRSTRLEN] = {};
  const bool v4 = std::all_of(host.begin(), host.begin() + 10, [](auto b) { return b == 0; }) &&
                  host[10] == 0xff && host[11] == 0xff;
  if (v4) {
    ::inet_ntop(AF_INET, &host[12], text, sizeof text);
  } else {
    ::inet_ntop(AF_INET6, host.data(), text, sizeof text);
  }
  return text;
}

}  // namespace

PeerAddresses PeerAddresses::from_lso_commands(
    const std::vector<std::pair<std::uint64_t, std::string>>& spans) {
  PeerAddresses peers;
  for (const auto& [engine, command] : spans) {
    std::istringstream in(command);
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    const bool udplso = !words.empty() && std::filesystem::path(words[0]).filename() == "udplso";
    if (!udplso || words.size() < 2) {
      peers.unpinned_.push_back(
          fmt::format("engine {}: its LSO `{}` names no udplso address to take its segments from",
                      engine, command));
      continue;
    }
    // As udplso resolves it: the host it sends to.
    auto endpoint = udp::resolve_endpoint(words[1], udp::AtSign::local_host);
    if (!endpoint) {
      peers.unpinned_.push_back(fmt::format("engine {}: cannot resolve `{}`: {}", engine, words[1],
                                            endpoint.error().message));
      continue;
    }
    peers.engines_[endpoint.value().host()].push_back(engine);
  }
  return peers;
}

engine::DatagramSource PeerAddresses::source(const udp::HostAddress& host) const {
  const auto found = engines_.find(host);
  if (found == engines_.end()) return {true, {}};
  return {true, found->second};
}

std::string PeerAddresses::describe() const {
  std::string text;
  for (const auto& [host, engines] : engines_) {
    for (const auto engine : engines) {
      text += fmt::format("{}engine {} at {}", text.empty() ? "" : ", ", engine, host_text(host));
    }
  }
  return text.empty() ? "no engine" : text;
}

}  // namespace ltp::daemons
