// Where ION 4.1.3 is installed for the tests, built on first use by the
// build-ion script (outside the clone; see /work/shared/ion/README.md):
// plain, or with RFC 5327 authentication compiled in (--ltpauth).
//
// Used by the ION interoperability tests: a failed build is a GTEST_SKIP
// with build-ion's own message, never a silent pass.
#pragma once

#include <filesystem>
#include <string>

namespace ltp::ion_test {

struct IonBuild {
  std::filesystem::path prefix;  // empty when there is no ION
  std::string message;           // why not (build-ion's words)
};

// Runs build-ion (the path in $OPENLTP_BUILD_ION, else the one CMake was
// given) once per process and flavour; the first build takes minutes,
// later calls answer at once from its cache.
IonBuild ion_build(bool ltpauth);

}  // namespace ltp::ion_test
