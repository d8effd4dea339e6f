// PyAccessPoint: the Python face of ltp::api::AccessPoint (openltp._native).
//
// The C++ calls block; Python needs them to release the GIL while they do
// and to stay responsive to Ctrl-C. So next_notice() waits in short slices,
// checking for signals with the GIL held between slices, and remembers
// interrupt() itself: a slice that comes back empty says nothing about
// whether it timed out or was interrupted. openltp/_node.py builds the
// Pythonic AccessPoint on this class; module.cc binds it.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>

#include "libltp/api/client.h"

namespace ltp::python {

namespace py = pybind11;

// Raises openltp.Error (module.cc) for a client error.
[[noreturn]] void raise_client_error(const api::ClientError& error);

class PyAccessPoint {
 public:
  // Claims `client_id` on the client's node (raises openltp.Error).
  PyAccessPoint(std::shared_ptr<api::Client> client, std::uint64_t client_id);

  std::uint64_t client_id() const { return ap_->client_id(); }
  bool is_open() const { return ap_->is_open(); }

  // `data` is bytes-like (any contiguous buffer) or str (sent as UTF-8).
  // Returns the session as (originator engine, number).
  std::tuple<std::uint64_t, std::uint64_t> send(std::uint64_t destination, const py::object& data,
                                                std::optional<std::uint64_t> red_length);
  void flush(std::uint64_t destination);
  // Cancels the session (originator engine, number) of this client id.
  void cancel(std::uint64_t engine, std::uint64_t number);

  // The next notice as a tuple (type, originator, session number, reason,
  // end of block, offset, length, data bytes or None), or None when the
  // timeout (seconds; None = no limit) passes or interrupt() is called.
  py::object next_notice(std::optional<double> timeout_s);

  void interrupt();
  void close();

 private:
  std::shared_ptr<api::Client> client_;
  std::unique_ptr<api::AccessPoint> ap_;
  std::atomic<bool> interrupted_{false};
};

}  // namespace ltp::python
