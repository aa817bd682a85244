# Unit tests of the `mobile` carrier plugin. include()d from tests/CMakeLists.txt.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)

add_executable(mobile_plugin_test ${CMAKE_CURRENT_LIST_DIR}/mobile_plugin_test.cpp)
target_link_libraries(mobile_plugin_test PRIVATE GTest::gtest_main cgw_mobile_core
                                                 OpenSSL::Crypto ${CMAKE_DL_LIBS})
target_compile_options(mobile_plugin_test PRIVATE ${CGW_WARNINGS})
# One test dlopen()s the real module, so build it first and tell the test where.
add_dependencies(mobile_plugin_test cgw_plugin_mobile)
target_compile_definitions(mobile_plugin_test PRIVATE
  CGW_MOBILE_PLUGIN_PATH="$<TARGET_FILE:cgw_plugin_mobile>")
gtest_discover_tests(mobile_plugin_test)
