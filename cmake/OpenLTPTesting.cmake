# openltp_gtest(NAME LABEL sources... LIBS libs...)
# Builds one GoogleTest binary and registers each of its tests with ctest
# under LABEL (unit, engine, integration, crash, fuzz).
function(openltp_gtest name label)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${label} TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "OPENLTP_BUILD_DIR=${CMAKE_BINARY_DIR};OPENLTP_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
