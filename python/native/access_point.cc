#include "python/native/access_point.h"

#include <algorithm>
#include <chrono>
#include <span>

namespace ltp::python {
namespace {

using Clock = std::chrono::steady_clock;

// How long a wait runs without the GIL before Python gets to handle a
// signal: short enough that Ctrl-C feels immediate.
constexpr std::chrono::milliseconds kWaitSlice{150};

// The bytes of a send's argument, held (and pinned: a bytearray cannot be
// resized while exported) for the duration of the call.
class DataView {
 public:
  explicit DataView(const py::object& data) {
    if (PyUnicode_Check(data.ptr())) {
      Py_ssize_t size = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(data.ptr(), &size);
      if (utf8 == nullptr) throw py::error_already_set();
      bytes_ = std::as_bytes(std::span(utf8, static_cast<std::size_t>(size)));
      return;
    }
    if (PyObject_GetBuffer(data.ptr(), &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      throw py::type_error("data must be bytes, bytearray, a contiguous memoryview or str, not " +
                           std::string(py::str(py::type::of(data).attr("__name__"))));
    }
    held_ = true;
    bytes_ =
        std::span(static_cast<const std::byte*>(view_.buf), static_cast<std::size_t>(view_.len));
  }
  DataView(const DataView&) = delete;
  DataView& operator=(const DataView&) = delete;
  ~DataView() {
    if (held_) PyBuffer_Release(&view_);
  }
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  Py_buffer view_{};
  bool held_ = false;
  std::span<const std::byte> bytes_;
};

// Copies the notice's bytes out of the heap into a new bytes object and
// gives the heap's copy back to the node (the copy runs without the GIL:
// blocks can be tens of megabytes).
py::object take_data(api::BlockData& data) {
  if (data.empty()) return py::none();
  PyObject* raw = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(data.size()));
  if (raw == nullptr) throw py::error_already_set();
  auto bytes = py::reinterpret_steal<py::bytes>(raw);
  const std::span out(reinterpret_cast<std::byte*>(PyBytes_AS_STRING(raw)), data.size());
  py::gil_scoped_release unlocked;
  data.copy_to(out);
  // A release the heap refuses leaves the buffer to the node's next
  // restart; the bytes were delivered, so the caller still gets them.
  (void)data.release();
  return bytes;
}

}  // namespace

PyAccessPoint::PyAccessPoint(std::shared_ptr<api::Client> client, std::uint64_t client_id)
    : client_(std::move(client)) {
  auto opened = [&] {
    py::gil_scoped_release unlocked;
    return api::AccessPoint::open(client_, client_id);
  }();
  if (!opened) raise_client_error(opened.error());
  ap_ = std::move(opened).value();
}

std::tuple<std::uint64_t, std::uint64_t> PyAccessPoint::send(
    std::uint64_t destination, const py::object& data, std::optional<std::uint64_t> red_length) {
  const DataView view(data);
  auto sent = [&] {
    py::gil_scoped_release unlocked;
    return ap_->send(destination, view.bytes(), red_length.value_or(api::kAllRed));
  }();
  if (!sent) raise_client_error(sent.error());
  return {sent.value().engine, sent.value().number};
}

void PyAccessPoint::flush(std::uint64_t destination) {
  auto flushed = [&] {
    py::gil_scoped_release unlocked;
    return ap_->flush(destination);
  }();
  if (!flushed) raise_client_error(flushed.error());
}

void PyAccessPoint::cancel(std::uint64_t engine, std::uint64_t number) {
  auto cancelled = [&] {
    py::gil_scoped_release unlocked;
    return ap_->cancel({engine, number});
  }();
  if (!cancelled) raise_client_error(cancelled.error());
}

py::object PyAccessPoint::next_notice(std::optional<double> timeout_s) {
  std::optional<Clock::time_point> deadline;
  if (timeout_s) {
    if (*timeout_s < 0) throw py::value_error("timeout must be None or at least 0");
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(*timeout_s));
  }
  for (;;) {
    auto slice = kWaitSlice;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      slice = std::clamp(left, std::chrono::milliseconds{0}, kWaitSlice);
    }
    auto next = [&] {
      py::gil_scoped_release unlocked;
      return ap_->next_notice(slice);
    }();
    if (!next) raise_client_error(next.error());
    api::Notice& notice = next.value();
    if (notice.type != api::NoticeType::none) {
      py::object data = take_data(notice.data);
      return py::make_tuple(static_cast<int>(notice.type), notice.session.engine,
                            notice.session.number, notice.reason, notice.end_of_block,
                            notice.offset, notice.length, std::move(data));
    }
    if (interrupted_.exchange(false, std::memory_order_acq_rel)) return py::none();
    if (deadline && Clock::now() >= *deadline) return py::none();
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

void PyAccessPoint::interrupt() {
  interrupted_.store(true, std::memory_order_release);
  ap_->interrupt();
}

void PyAccessPoint::close() {
  py::gil_scoped_release unlocked;
  ap_->close();
}

}  // namespace ltp::python
