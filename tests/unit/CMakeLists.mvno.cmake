# Tests of the `mvno` carrier: plugin unit tests, the simulator over real
# HTTP, and end to end with the real processes. include()d from
# tests/CMakeLists.txt.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)

# The demo key files (config/secrets/mvno-demo-*) are the test material.
set(_cgw_mvno_secrets ${PROJECT_SOURCE_DIR}/config/secrets)

add_executable(mvno_plugin_test ${CMAKE_CURRENT_LIST_DIR}/mvno_plugin_test.cpp)
target_link_libraries(mvno_plugin_test PRIVATE GTest::gtest_main cgw_mvno_core OpenSSL::Crypto
                                               yaml-cpp ${CMAKE_DL_LIBS})
target_compile_options(mvno_plugin_test PRIVATE ${CGW_WARNINGS})
# One test dlopen()s the real module, so build it first and tell the test where.
add_dependencies(mvno_plugin_test cgw_plugin_mvno)
target_compile_definitions(mvno_plugin_test PRIVATE
  CGW_MVNO_PLUGIN_PATH="$<TARGET_FILE:cgw_plugin_mvno>"
  CGW_SECRETS_DIR="${_cgw_mvno_secrets}")
gtest_discover_tests(mvno_plugin_test)

# The mvno simulator in-process over real HTTP, with requests signed and ID
# numbers encrypted by the test itself (OpenSSL directly).
add_executable(sim_mvno_http_test ${CMAKE_CURRENT_LIST_DIR}/sim_mvno_http_test.cpp)
target_compile_options(sim_mvno_http_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_mvno_http_test PRIVATE GTest::gtest_main cgw_sim_mvno cgw_sim_core
                                                 OpenSSL::Crypto)
target_compile_definitions(sim_mvno_http_test PRIVATE CGW_SECRETS_DIR="${_cgw_mvno_secrets}")
gtest_discover_tests(sim_mvno_http_test DISCOVERY_TIMEOUT 60)

# End to end: the real cgw-sim (mvno only) and cgw-gateway with cgw_mvno.so
# on ephemeral ports.
add_executable(e2e_mvno_test
  ${CMAKE_CURRENT_LIST_DIR}/../integration/e2e_mvno_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/http.cpp)
target_link_libraries(e2e_mvno_test PRIVATE cgw_common GTest::gtest_main)
target_compile_options(e2e_mvno_test PRIVATE ${CGW_WARNINGS})
add_dependencies(e2e_mvno_test cgw-gateway cgw-sim cgw_plugin_mvno)
target_compile_definitions(e2e_mvno_test PRIVATE
  CGW_GATEWAY_BIN="$<TARGET_FILE:cgw-gateway>"
  CGW_SIM_BIN="$<TARGET_FILE:cgw-sim>"
  CGW_MVNO_PLUGIN="$<TARGET_FILE:cgw_plugin_mvno>"
  CGW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# One process for the whole suite: the processes start once.
add_test(NAME e2e_mvno COMMAND e2e_mvno_test)
set_tests_properties(e2e_mvno PROPERTIES TIMEOUT 180)
