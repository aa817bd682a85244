# Tests of the `unicom` carrier: plugin unit tests, the simulator over real
# HTTP, and end to end with the real processes. include()d from
# tests/CMakeLists.txt.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)

add_executable(unicom_plugin_test ${CMAKE_CURRENT_LIST_DIR}/unicom_plugin_test.cpp)
target_link_libraries(unicom_plugin_test PRIVATE GTest::gtest_main cgw_unicom_core
                                                 OpenSSL::Crypto Boost::url ${CMAKE_DL_LIBS})
target_compile_options(unicom_plugin_test PRIVATE ${CGW_WARNINGS})
# One test dlopen()s the real module, so build it first and tell the test where.
add_dependencies(unicom_plugin_test cgw_plugin_unicom)
target_compile_definitions(unicom_plugin_test PRIVATE
  CGW_UNICOM_PLUGIN_PATH="$<TARGET_FILE:cgw_plugin_unicom>")
gtest_discover_tests(unicom_plugin_test)

# The unicom simulator over real HTTP with independently computed signs.
add_executable(sim_unicom_http_test ${CMAKE_CURRENT_LIST_DIR}/sim_unicom_http_test.cpp)
target_compile_options(sim_unicom_http_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_unicom_http_test PRIVATE GTest::gtest_main cgw_sim_unicom cgw_sim_core
  OpenSSL::Crypto)
gtest_discover_tests(sim_unicom_http_test DISCOVERY_TIMEOUT 60)

# End to end: the real cgw-sim (unicom only) and cgw-gateway with the unicom
# plugin on ephemeral ports; activation is learned by polling only.
add_executable(e2e_unicom_test
  ${CMAKE_CURRENT_LIST_DIR}/../integration/e2e_unicom_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/http.cpp)
target_link_libraries(e2e_unicom_test PRIVATE cgw_common GTest::gtest_main)
target_compile_options(e2e_unicom_test PRIVATE ${CGW_WARNINGS})
add_dependencies(e2e_unicom_test cgw-gateway cgw-sim cgw_plugin_unicom)
target_compile_definitions(e2e_unicom_test PRIVATE
  CGW_GATEWAY_BIN="$<TARGET_FILE:cgw-gateway>"
  CGW_SIM_BIN="$<TARGET_FILE:cgw-sim>"
  CGW_UNICOM_PLUGIN="$<TARGET_FILE:cgw_plugin_unicom>"
  CGW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# One process for the whole suite: the processes start once.
add_test(NAME e2e_unicom COMMAND e2e_unicom_test)
set_tests_properties(e2e_unicom PROPERTIES TIMEOUT 240)
