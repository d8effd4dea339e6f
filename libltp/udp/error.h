// Error: why a UDP operation (address parsing, resolution, socket set-up,
// send or receive) failed, as a value.
//
// Returned inside ltp::Result by everything in libltp/udp. The message is
// complete and meant for a person ("cannot bind 127.0.0.1:1113: Address
// already in use"); callers (udplsi, udplso, ltpnetem, udpceiling) print
// it and add what to do. sys_errno is the errno behind it, 0 if none.
#pragma once

#include <string>

namespace ltp::udp {

struct Error {
  std::string message;
  int sys_errno = 0;
};

// An Error for a failed system call: "<what>: <strerror(errno_value)>".
Error system_error(std::string what, int errno_value);

}  // namespace ltp::udp
