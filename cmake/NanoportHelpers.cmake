# Helpers shared by every CMakeLists of the project, defined once here.

# Warnings for our own targets (not for Asio's separately compiled unit).
function(nanoport_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()

# nanoport_add_test(NAME name SOURCES a.cpp b.cpp [TIMEOUT s] [LABELS l...] [LIBS libs...])
# A doctest executable linked against the internal library, registered with
# CTest under a timeout (every test has one).
function(nanoport_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE nanoport_test_main nanoport_internal ${T_LIBS})
  nanoport_warnings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()
