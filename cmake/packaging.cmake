# Debian packages (cpack -G DEB in the build folder): cgw-sim (the simulator,
# its example config with demo secrets, the admin client, its docs) and
# cgw-gateway (the gateway, the carrier plugins, its example config with demo
# secrets, the docs). Each is an install component, so `cmake --install`
# still installs everything and cpack makes one package per component.
# scripts/test_packages.sh builds, installs and smoke-tests both.
include(GNUInstallDirs)

# cpack (and `ninja install`) install what is built, without building the
# whole tree first: the packages need four targets, not the test suite, and
# scripts/test_packages.sh builds those four before it runs cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(_cfg ${PROJECT_SOURCE_DIR}/config)
set(_examples_gw ${CMAKE_INSTALL_DATADIR}/cgw-gateway/examples)
set(_examples_sim ${CMAKE_INSTALL_DATADIR}/cgw-sim/examples)
set(_plugins ${CMAKE_INSTALL_LIBDIR}/cgw-gateway/plugins)

# --- cgw-sim -----------------------------------------------------------------
install(TARGETS cgw-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT sim)
install(FILES ${_cfg}/simulators.yaml DESTINATION ${_examples_sim} COMPONENT sim)
install(DIRECTORY ${_cfg}/secrets/ DESTINATION ${_examples_sim}/secrets COMPONENT sim)
install(FILES ${PROJECT_SOURCE_DIR}/simulators/clients/python/cgw_sim_admin.py
              ${PROJECT_SOURCE_DIR}/simulators/clients/python/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cgw-sim/clients/python COMPONENT sim)
install(FILES ${PROJECT_SOURCE_DIR}/docs/simulators.md ${PROJECT_SOURCE_DIR}/docs/simulators-reference.md
              ${PROJECT_SOURCE_DIR}/docs/simulators-admin.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cgw-sim COMPONENT sim)

# --- cgw-gateway -------------------------------------------------------------
install(TARGETS cgw-gateway RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gateway)
install(TARGETS cgw_plugin_mobile cgw_plugin_unicom cgw_plugin_telecom cgw_plugin_mvno
        LIBRARY DESTINATION ${_plugins} COMPONENT gateway)
# The example config with the plugins where the package puts them; the
# rest of its paths stay relative to the file (copy the examples folder).
file(READ ${_cfg}/gateway.yaml _gw_yaml)
string(REPLACE "../build/plugins/" "${CPACK_PACKAGING_INSTALL_PREFIX}/${_plugins}/" _gw_yaml
               "${_gw_yaml}")
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/packaging/gateway.yaml CONTENT "${_gw_yaml}")
install(FILES ${CMAKE_BINARY_DIR}/packaging/gateway.yaml DESTINATION ${_examples_gw} COMPONENT gateway)
install(DIRECTORY ${_cfg}/secrets/ DESTINATION ${_examples_gw}/secrets COMPONENT gateway)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cgw-gateway
        COMPONENT gateway)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cgw-gateway/docs
        COMPONENT gateway)

# --- cpack -------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cgw)
set(CPACK_PACKAGE_VENDOR "cgw")
set(CPACK_PACKAGE_CONTACT "cgw maintainers <cgw@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Carrier integration gateway for number-card distribution")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL sim gateway)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Dependencies from the shared libraries the binaries and plugins link
# (dpkg-shlibdeps): libssl3, libsqlite3-0, libpq5, libyaml-cpp0.7, ...
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SIM_PACKAGE_NAME cgw-sim)
set(CPACK_DEBIAN_SIM_DESCRIPTION "simulated Chinese carriers for QA
 Simulated carrier partner APIs (mobile, unicom, telecom, mvno) with an admin
 API, namespaces, faults, a simulated clock and a web console at /admin/console.")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME cgw-gateway)
set(CPACK_DEBIAN_GATEWAY_DESCRIPTION "carrier integration gateway for number-card distribution
 One API for number search, reservation, real-name checks and activation
 across Chinese carriers, with the four carrier plugins.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
