# The Debian package (`cpack --preset deb`, run by scripts/package): every
# installed file of a build configured with prefix /usr (the `package`
# preset) in one openltp_<version>_amd64.deb. One package rather than a
# library/-dev split: the programs, the library and the headers always
# ship together at one version, and nothing else depends on libopenltp
# yet (docs/operations.md, "Installing the Debian package", says what
# lintian says about that).
set(CPACK_PACKAGE_NAME openltp)
set(CPACK_PACKAGE_VENDOR "OpenLTP")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Licklider Transmission Protocol engine, compatible with ION's LTP")
set(CPACK_PACKAGE_DESCRIPTION
    "OpenLTP implements the Licklider Transmission Protocol (RFC 5326, RFC 7122,
CCSDS 734.1-B-1) as cooperating processes over a persistent heap, the way
NASA JPL's ION does: ION users' .ionrc and .ltprc files, commands and
pyion scripts keep working. Includes the daemons, the admin and user
tools, the C client and link-service APIs (libopenltp, pkg-config openltp,
CMake package OpenLTP), the Python packages and a systemd unit.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "OpenLTP maintainers <maintainers@users.noreply.r-seed-b12061a8.example>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # openltp_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from dpkg-shlibdeps; the Python module is built for
# Debian's python3 of this release.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${OPENLTP_PYTHON_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "man-db")
# shlibs for libopenltp.so.0; ldconfig runs by trigger (scripts/debian/
# triggers), so the maintainer scripts are ours alone: CPack writes an
# ldconfig call into any it is not given.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/scripts/debian/postinst ${PROJECT_SOURCE_DIR}/scripts/debian/postrm
    ${PROJECT_SOURCE_DIR}/scripts/debian/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
