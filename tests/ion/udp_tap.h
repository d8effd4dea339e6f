// UdpTap: a UDP forwarder on loopback that keeps a copy of every datagram
// it passes on — put between ION's udplso and OpenLTP's udplsi, it shows
// what ION puts on the wire (e.g. its RFC 5327 extensions) without a
// packet capture's privileges.
//
// Used by the authentication tests in tests/ion/ion_interop_test.cc.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ltp::ion_test {

class UdpTap {
 public:
  // Listens on 127.0.0.1 (a port of the kernel's choice) and forwards to
  // 127.0.0.1:forward_port.
  explicit UdpTap(int forward_port);
  ~UdpTap();
  UdpTap(const UdpTap&) = delete;
  UdpTap& operator=(const UdpTap&) = delete;

  int port() const { return port_; }
  // Waits until `count` datagrams have passed; false after `limit`.
  bool await(std::size_t count, std::chrono::milliseconds limit);
  std::vector<std::vector<std::uint8_t>> datagrams() const;

 private:
  void forward();

  int socket_ = -1, stop_ = -1;  // stop_: an eventfd that ends forward()
  int port_ = 0, forward_port_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::vector<std::uint8_t>> datagrams_;
  std::thread thread_;
};

}  // namespace ltp::ion_test
