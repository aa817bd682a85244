# Simulator tests; included from tests/CMakeLists.txt.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)

# Core: pool determinism, vanity levels, nonce store, lock races, TTL.
add_executable(sim_core_test ${CMAKE_CURRENT_LIST_DIR}/sim_core_test.cpp)
target_compile_options(sim_core_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_core_test PRIVATE GTest::gtest_main cgw_sim_core cgw_sim_mobile)
gtest_discover_tests(sim_core_test DISCOVERY_TIMEOUT 60)

# The mobile simulator over real HTTP with independently computed signatures.
add_executable(sim_mobile_http_test ${CMAKE_CURRENT_LIST_DIR}/sim_mobile_http_test.cpp)
target_compile_options(sim_mobile_http_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_mobile_http_test PRIVATE GTest::gtest_main cgw_sim_mobile cgw_sim_core
  OpenSSL::Crypto)
gtest_discover_tests(sim_mobile_http_test DISCOVERY_TIMEOUT 60)

# The simulator kit over real HTTP: namespaces, admin clock, faults and their
# schedules, callback chaos, the request journal, seeded determinism.
add_executable(sim_kit_test ${CMAKE_CURRENT_LIST_DIR}/sim_kit_test.cpp)
target_compile_options(sim_kit_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_kit_test PRIVATE GTest::gtest_main cgw_sim_mobile cgw_sim_core
  OpenSSL::Crypto)
gtest_discover_tests(sim_kit_test DISCOVERY_TIMEOUT 60)

# Fault rules and callback chaos checked against what each carrier has
# (operation names, callbacks): the real cgw-sim with all four carriers over
# HTTP, and configs it must refuse. One process for the suite.
add_executable(sim_operation_names_test ${CMAKE_CURRENT_LIST_DIR}/sim_operation_names_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../integration/http.cpp)
target_include_directories(sim_operation_names_test PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../integration)
target_compile_options(sim_operation_names_test PRIVATE ${CGW_WARNINGS})
target_link_libraries(sim_operation_names_test PRIVATE GTest::gtest_main cgw_common)
add_dependencies(sim_operation_names_test cgw-sim)
target_compile_definitions(sim_operation_names_test PRIVATE
  CGW_SIM_BIN="$<TARGET_FILE:cgw-sim>"
  CGW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME sim_operation_names COMMAND sim_operation_names_test)
set_tests_properties(sim_operation_names PROPERTIES TIMEOUT 120)
