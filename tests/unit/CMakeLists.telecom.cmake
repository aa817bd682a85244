# Tests of the `telecom` carrier: plugin unit tests, the simulator over real
# HTTP, and end to end with the real processes. include()d from
# tests/CMakeLists.txt.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)
find_package(pugixml 1.11 REQUIRED CONFIG)

# The plugin through the C ABI table with a fake host (clock, cache with
# TTLs); one test dlopen()s the real module.
add_executable(telecom_plugin_test ${CMAKE_CURRENT_LIST_DIR}/telecom_plugin_test.cpp)
target_link_libraries(telecom_plugin_test PRIVATE GTest::gtest_main cgw_telecom_core
                                                  OpenSSL::Crypto ${CMAKE_DL_LIBS})
target_compile_options(telecom_plugin_test PRIVATE ${CGW_WARNINGS})
add_dependencies(telecom_plugin_test cgw_plugin_telecom)
target_compile_definitions(telecom_plugin_test PRIVATE
  CGW_TELECOM_PLUGIN_PATH="$<TARGET_FILE:cgw_plugin_telecom>")
gtest_discover_tests(telecom_plugin_test)

# The simulator in-process on 127.0.0.1, driven by real HTTP requests.
add_executable(sim_telecom_http_test ${CMAKE_CURRENT_LIST_DIR}/sim_telecom_http_test.cpp)
target_compile_options(sim_telecom_http_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_telecom_http_test PRIVATE GTest::gtest_main cgw_sim_telecom cgw_sim_core
                                                    pugixml::static OpenSSL::Crypto)
gtest_discover_tests(sim_telecom_http_test DISCOVERY_TIMEOUT 60)

# End to end: the real cgw-sim (telecom only, 2 s tokens) and cgw-gateway
# with the real telecom plugin, on ephemeral ports.
add_executable(e2e_telecom_test ${CMAKE_CURRENT_LIST_DIR}/../integration/e2e_telecom_test.cpp
                                ${CMAKE_CURRENT_LIST_DIR}/../integration/process.cpp
                                ${CMAKE_CURRENT_LIST_DIR}/../integration/http.cpp)
target_link_libraries(e2e_telecom_test PRIVATE cgw_common GTest::gtest_main)
target_compile_options(e2e_telecom_test PRIVATE ${CGW_WARNINGS})
add_dependencies(e2e_telecom_test cgw-gateway cgw-sim cgw_plugin_telecom)
target_compile_definitions(e2e_telecom_test PRIVATE
  CGW_GATEWAY_BIN="$<TARGET_FILE:cgw-gateway>"
  CGW_SIM_BIN="$<TARGET_FILE:cgw-sim>"
  CGW_TELECOM_PLUGIN="$<TARGET_FILE:cgw_plugin_telecom>"
  CGW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# One process for the whole suite: the processes start once.
add_test(NAME e2e_telecom COMMAND e2e_telecom_test)
set_tests_properties(e2e_telecom PROPERTIES TIMEOUT 180)
