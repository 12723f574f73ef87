# flowlens_module(NAME SOURCES ... DEPS ...)
#   Declares library flowlens_<NAME> from the module folder. Headers are included as
#   "module/file.h" relative to src/, so every module sees the same include root.
function(flowlens_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(flowlens_${name} STATIC ${M_SOURCES})
  target_include_directories(flowlens_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(flowlens_${name} PUBLIC ${M_DEPS})
endfunction()

# flowlens_test(NAME LABEL SOURCES ... DEPS ...)
#   One GoogleTest executable; every test in it gets the CTest label LABEL
#   (unit, golden, integration, fuzz-smoke) so `ctest -L LABEL` runs one kind.
function(flowlens_test name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT FLOWLENS_TESTS)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    FLOWLENS_TESTDATA_DIR="${FLOWLENS_TESTDATA_DIR}"
    FLOWLENS_BINARY_DIR="${PROJECT_BINARY_DIR}"
    FLOWLENS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} PROPERTIES LABELS ${T_LABEL} DISCOVERY_TIMEOUT 60)
endfunction()
