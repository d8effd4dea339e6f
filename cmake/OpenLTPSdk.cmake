# What a program built against an installed OpenLTP finds: the CMake
# package (find_package(OpenLTP), target OpenLTP::ltp) and the pkg-config
# file (pkg-config openltp), both describing libopenltp.so and
# include/openltp (libltp/api/CMakeLists.txt installs those).
include(CMakePackageConfigHelpers)

set(OPENLTP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/OpenLTP)
install(EXPORT OpenLTPTargets NAMESPACE OpenLTP:: DESTINATION ${OPENLTP_CMAKE_DIR}
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/OpenLTPConfig.cmake.in
  ${PROJECT_BINARY_DIR}/OpenLTPConfig.cmake INSTALL_DESTINATION ${OPENLTP_CMAKE_DIR})
# 0.x: a minor version may change the ABI (the soname is the major).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/OpenLTPConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/OpenLTPConfig.cmake
              ${PROJECT_BINARY_DIR}/OpenLTPConfigVersion.cmake
        DESTINATION ${OPENLTP_CMAKE_DIR} COMPONENT dev)

# The prefix is found from the file's own place, so an install under any
# --prefix (or a package's /usr) describes itself.
file(RELATIVE_PATH OPENLTP_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/openltp.pc.in ${PROJECT_BINARY_DIR}/openltp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/openltp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

# The example config files and programs the README's recipes use, for an
# installed OpenLTP (in the Debian package: /usr/share/doc/openltp/examples).
set(OPENLTP_EXAMPLES_DIR ${CMAKE_INSTALL_DATADIR}/doc/openltp/examples)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/examples/ DESTINATION ${OPENLTP_EXAMPLES_DIR}
        COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/examples/client/ltp_hello.c
              ${PROJECT_SOURCE_DIR}/examples/client/ltp_roundtrip.cc
        DESTINATION ${OPENLTP_EXAMPLES_DIR}/client COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/examples/link_service/CMakeLists.txt
              ${PROJECT_SOURCE_DIR}/examples/link_service/minimal_lso.c
              ${PROJECT_SOURCE_DIR}/examples/link_service/minimal_lsi.c
        DESTINATION ${OPENLTP_EXAMPLES_DIR}/link_service COMPONENT dev)
