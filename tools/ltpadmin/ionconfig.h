// The heap size an ION ionconfig file asks for (ionadmin's
// `1 <node_nbr> <config file>`).
//
// ION sizes its SDR heap with `heapWords` (words of 8 bytes on 64-bit
// hosts); every other ionconfig keyword (wmSize, sdrName, pathName, ...)
// is about ION's own memory and is ignored. AdminSession reads the file
// before it creates the node's heap.
#pragma once

#include <filesystem>
#include <string>

#include "ipc/heap.h"
#include "ipc/result.h"

namespace ltp::admin_tool {

// Our default heap unless heapWords asks for more.
Result<ipc::HeapCreateOptions, std::string> heap_options_from_ionconfig(
    const std::filesystem::path& file);

}  // namespace ltp::admin_tool
