// openltp._native: the pybind11 extension under the `openltp` package.
//
// Thin bindings only: Client (a process's attachment to a node),
// AccessPoint (access_point.h), Error, and heap statistics. The Pythonic
// layer (enums, Notice objects, context managers) is openltp/_node.py;
// the `pyion` package builds seed 000's API on that.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <string>

#include "ipc/heap.h"
#include "ipc/heap_check.h"
#include "ipc/node_dir.h"
#include "ipc/transaction.h"
#include "libltp/api/client.h"
#include "python/native/access_point.h"

namespace ltp::python {
namespace {

// openltp._native.Error; created once, lives as long as the process.
PyObject* g_error_type = nullptr;

// The code's name as Python sees it (Error.code).
const char* code_name(api::ClientErrc code) {
  switch (code) {
    case api::ClientErrc::no_node:
      return "no_node";
    case api::ClientErrc::not_running:
      return "not_running";
    case api::ClientErrc::in_use:
      return "in_use";
    case api::ClientErrc::bad_argument:
      return "bad_argument";
    case api::ClientErrc::no_such_span:
      return "no_such_span";
    case api::ClientErrc::no_such_session:
      return "no_such_session";
    case api::ClientErrc::not_open:
      return "not_open";
    case api::ClientErrc::span_stopped:
      return "span_stopped";
    case api::ClientErrc::node_stopped:
      return "node_stopped";
    case api::ClientErrc::heap:
      return "heap";
  }
  return "unknown";
}

std::shared_ptr<api::Client> attach(const std::optional<std::string>& node_dir) {
  auto client = [&] {
    py::gil_scoped_release unlocked;
    return api::Client::attach(node_dir);
  }();
  if (!client) raise_client_error(client.error());
  return std::move(client).value();
}

// sdrwatch's report as a dict (the leak checks compare "objects").
py::dict heap_stats(const std::optional<std::string>& node_dir) {
  auto dir = ipc::NodeDir::resolve(node_dir);
  if (!dir) {
    raise_client_error({api::ClientErrc::no_node, std::string("node directory: ") +
                                                      std::string(ipc::to_string(dir.error()))});
  }
  auto heap = ipc::Heap::attach(dir.value().heap_path());
  if (!heap) {
    raise_client_error({api::ClientErrc::no_node, dir.value().heap_path().string() + ": " +
                                                      std::string(ipc::to_string(heap.error()))});
  }
  auto stats = [&]() -> Result<ipc::HeapStats, ipc::HeapError> {
    py::gil_scoped_release unlocked;
    auto txn = heap.value()->begin();
    if (!txn) return failure(txn.error());
    return ipc::heap_stats(txn.value());
  }();
  if (!stats) {
    raise_client_error({api::ClientErrc::heap,
                        std::string("heap: ") + std::string(ipc::to_string(stats.error()))});
  }
  const ipc::HeapStats& s = stats.value();
  py::dict out;
  out["file_size"] = s.file_size;
  out["log_size"] = s.log_size;
  out["arena_size"] = s.arena_size;
  out["bytes_in_use"] = s.bytes_in_use;
  out["objects"] = s.objects;
  out["free_bytes"] = s.free_bytes;
  out["free_blocks"] = s.free_blocks;
  out["largest_free_block"] = s.largest_free_block;
  out["lists"] = s.lists;
  out["hash_maps"] = s.hash_maps;
  out["ordered_maps"] = s.ordered_maps;
  return out;
}

}  // namespace

void raise_client_error(const api::ClientError& error) {
  py::object exc = py::reinterpret_borrow<py::object>(g_error_type)(error.message);
  exc.attr("code") = code_name(error.code);
  PyErr_SetObject(g_error_type, exc.ptr());
  throw py::error_already_set();
}

}  // namespace ltp::python

PYBIND11_MODULE(_native, m) {
  namespace py = pybind11;
  using namespace ltp;
  using python::PyAccessPoint;
  m.doc() = "OpenLTP's client API (native part of the openltp package; use openltp instead).";

  python::g_error_type =
      PyErr_NewExceptionWithDoc("openltp._native.Error",
                                "An LTP client call failed; `code` names why, the message says "
                                "what to do.",
                                PyExc_RuntimeError, nullptr);
  if (python::g_error_type == nullptr) throw py::error_already_set();
  m.attr("Error") = py::reinterpret_borrow<py::object>(python::g_error_type);

  m.def(
      "reason_text", [](std::uint8_t reason) { return std::string(api::reason_text(reason)); },
      py::arg("reason"), "A cancel reason code in words.");
  m.def("heap_stats", &python::heap_stats, py::arg("node_dir") = py::none(),
        "The node's SDR heap statistics (as sdrwatch prints them) as a dict.");

  py::class_<api::Client, std::shared_ptr<api::Client>>(m, "Client")
      .def_static("attach", &python::attach, py::arg("node_dir") = py::none(),
                  "Attaches to the started node in node_dir (None: $LTP_NODE_DIR, else the "
                  "current directory).")
      .def_property_readonly("engine_id", &api::Client::own_engine_id)
      .def_property_readonly("directory", [](const api::Client& c) { return c.dir().dir(); })
      .def("engine_started", &api::Client::engine_started,
           py::call_guard<py::gil_scoped_release>());

  py::class_<PyAccessPoint>(m, "AccessPoint")
      .def(py::init<std::shared_ptr<api::Client>, std::uint64_t>(), py::arg("client"),
           py::arg("client_id"))
      .def_property_readonly("client_id", &PyAccessPoint::client_id)
      .def_property_readonly("is_open", &PyAccessPoint::is_open)
      .def("send", &PyAccessPoint::send, py::arg("destination"), py::arg("data"),
           py::arg("red_length") = py::none())
      .def("flush", &PyAccessPoint::flush, py::arg("destination"))
      .def("cancel", &PyAccessPoint::cancel, py::arg("engine"), py::arg("number"))
      .def("next_notice", &PyAccessPoint::next_notice, py::arg("timeout") = py::none())
      .def("interrupt", &PyAccessPoint::interrupt)
      .def("close", &PyAccessPoint::close);
}
