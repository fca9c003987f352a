# Checks the dynamic symbol table of libnanoport.so (WIRE.md "Symbols"): the
# symbols it exports whose names start with nn_ are exactly the functions the
# public headers declare with NN_EXPORT, all defined as code (T). An internal
# helper exported as nn_something would break programs that define their own
# (nn_sleep, nn_err_abort, ...); a missing one would break linking.
#
# Run by CTest as `cmake -P`. Variables: LIBRARY (path of libnanoport.so),
# HEADERS_DIR (include/nanomsg), NM.

cmake_minimum_required(VERSION 3.25)

foreach(var LIBRARY HEADERS_DIR NM)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "c_api_exports_check.cmake: ${var} is not set")
  endif()
endforeach()

# The public functions: every "NN_EXPORT <type> nn_name (" in the headers.
file(GLOB headers "${HEADERS_DIR}/*.h")
set(expected "")
foreach(header IN LISTS headers)
  file(READ "${header}" text)
  string(REGEX MATCHALL "NN_EXPORT[^;(]*[ *](nn_[A-Za-z0-9_]+)[ \t]*\\(" declarations "${text}")
  foreach(declaration IN LISTS declarations)
    string(REGEX REPLACE ".*[ *](nn_[A-Za-z0-9_]+)[ \t]*\\($" "\\1" name "${declaration}")
    list(APPEND expected "${name}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES expected)
list(SORT expected)
list(LENGTH expected expected_count)
if(expected_count LESS 20)
  message(FATAL_ERROR "found only ${expected_count} NN_EXPORT functions in ${HEADERS_DIR}: ${expected}")
endif()

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
                OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result)
if(NOT nm_result EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed (${nm_result})")
endif()
string(REPLACE "\n" ";" lines "${nm_output}")
set(exported "")
set(problems "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) (nn_[^ @]*)")
    set(kind "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(NOT kind STREQUAL "T")
      list(APPEND problems "${name} is exported as '${kind}', not as a function (T)")
    endif()
    list(APPEND exported "${name}")
  elseif(line MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ @]+)")
    # Anything else must be nanoport's own C++ API (mangled in namespace
    # nanoport: _ZN8nanoport...); Asio and other internals stay hidden.
    set(name "${CMAKE_MATCH_1}")
    if(NOT name MATCHES "^_ZN(K|VK)?8nanoport" AND NOT name MATCHES "^_ZT[VIST]N8nanoport")
      list(APPEND problems "${name} is exported but is neither nn_ nor nanoport's C++ API")
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES exported)
list(SORT exported)

set(missing ${expected})
list(REMOVE_ITEM missing ${exported})
set(extra ${exported})
list(REMOVE_ITEM extra ${expected})
foreach(name IN LISTS missing)
  list(APPEND problems "${name} is declared NN_EXPORT but not exported")
endforeach()
foreach(name IN LISTS extra)
  list(APPEND problems "${name} is exported but is not public API")
endforeach()

if(problems)
  string(REPLACE ";" "\n  " text "${problems}")
  message(FATAL_ERROR "libnanoport.so exports the wrong nn_ symbols:\n  ${text}")
endif()
message(STATUS "libnanoport.so exports exactly the ${expected_count} public nn_ functions")
