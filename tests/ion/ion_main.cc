// main() of the tests that run ION nodes: the test binary doubles as the
// watchdog of its ION nodes (tests/ion/ion_watchdog.h), then runs the tests.
#include <gtest/gtest.h>

#include "tests/ion/ion_watchdog.h"

int main(int argc, char** argv) {
  if (auto status = ltp::ion_test::run_watchdog_if_asked(argc, argv)) return *status;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
