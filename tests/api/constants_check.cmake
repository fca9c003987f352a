# Checks nanoport's nanomsg headers (include/nanomsg) against a real nanomsg's
# (Debian's libnanomsg-dev). Run by CTest as `cmake -P`, once per MODE:
#
#   values           every macro either header set defines has the same value
#                    and type in both, or is defined in both (include guards,
#                    empty or function-like macros); the NN_CMSG_* macros give
#                    the same results; every public struct has the same size,
#                    alignment, member offsets and member types.
#   errno_fallbacks  the same, with the system's definitions of the errno
#                    names nanomsg supplies fallbacks for removed, so the
#                    NN_HAUSNUMERO-based fallback values are compared.
#   prototypes       the headers declare the same functions; nanomsg's own
#                    declarations, turned into definitions, compile after
#                    nanoport's (same signatures), and with -fvisibility=hidden
#                    those definitions are still exported (NN_EXPORT works).
#   headers          each nanoport header compiles on its own, warning-free, as
#                    C89, C99, C11, C++98 and C++20, and declares its functions
#                    with C linkage. Needs no reference headers.
#
# The work happens at test time, with the compilers the build uses, so a name
# missing from nanoport's headers is a failing test rather than a broken build.
# Without reference headers the comparing modes print "SKIPPED:" (CTest's
# SKIP_REGULAR_EXPRESSION turns that into a skip).
#
# Variables: MODE, REFERENCE_DIR (may be empty), OURS_DIR, SOURCE_DIR, WORK_DIR,
# C_COMPILER, CXX_COMPILER, NM.

cmake_minimum_required(VERSION 3.25)

foreach(var MODE OURS_DIR SOURCE_DIR WORK_DIR C_COMPILER CXX_COMPILER NM)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "constants_check.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Names that may differ between the sets: NN_EXPORT is ours by design (it adds
# default visibility). Its presence is still compared.
set(NP_VALUELESS_NAMES NN_EXPORT)

# --- Reading headers -----------------------------------------------------------

# The header file names (nn.h, pair.h, ...) under DIR/nanomsg, sorted.
function(np_header_names dir out)
  file(GLOB paths RELATIVE "${dir}/nanomsg" "${dir}/nanomsg/*.h")
  list(SORT paths)
  set(${out} "${paths}" PARENT_SCOPE)
endfunction()

# The text of FILE with line continuations joined, C comments removed and ';'
# replaced by '@' (CMake would read ';' as a list separator).
function(np_read_clean file out)
  file(READ "${file}" text)
  string(REPLACE ";" "@" text "${text}")
  string(REGEX REPLACE "\\\\\n" " " text "${text}")
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Every macro #defined in the headers under DIR/nanomsg, conditional ones
# included. Sets ${prefix}_NAMES and, per name, ${prefix}_KIND_<name>: "value"
# (an expression), "empty", "function" (function-like) or "valueless".
function(np_scan_macros dir prefix)
  np_header_names("${dir}" headers)
  set(names "")
  foreach(header IN LISTS headers)
    np_read_clean("${dir}/nanomsg/${header}" text)
    string(REGEX MATCHALL "#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*[^\n]*" defines "${text}")
    foreach(define IN LISTS defines)
      string(REGEX REPLACE "^#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*).*$" "\\1" name "${define}")
      string(REGEX REPLACE "^#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*" "" body "${define}")
      string(STRIP "${body}" stripped)
      if(name IN_LIST NP_VALUELESS_NAMES)
        set(kind valueless)
      elseif(body MATCHES "^\\(")
        set(kind function)
      elseif(stripped STREQUAL "")
        set(kind empty)
      else()
        set(kind value)
      endif()
      if(DEFINED ${prefix}_KIND_${name} AND NOT ${prefix}_KIND_${name} STREQUAL kind)
        message(FATAL_ERROR "${dir}: ${name} is defined both as ${${prefix}_KIND_${name}} and as ${kind}")
      endif()
      set(${prefix}_KIND_${name} ${kind})
      set(${prefix}_KIND_${name} ${kind} PARENT_SCOPE)
      list(APPEND names ${name})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(${prefix}_NAMES "${names}" PARENT_SCOPE)
endfunction()

# The functions declared with NN_EXPORT in the headers under DIR/nanomsg.
# Sets ${prefix}_FUNCTIONS (names, sorted) and, per name,
# ${prefix}_DECL_<name> (the declaration without NN_EXPORT and ';').
function(np_scan_functions dir prefix)
  np_header_names("${dir}" headers)
  set(functions "")
  foreach(header IN LISTS headers)
    np_read_clean("${dir}/nanomsg/${header}" text)
    string(PREPEND text "\n")
    string(REGEX REPLACE "\n[ \t]*#[^\n]*" "\n" text "${text}")
    string(REGEX MATCHALL "NN_EXPORT[^@]*" decls "${text}")
    foreach(decl IN LISTS decls)
      string(REGEX REPLACE "^NN_EXPORT" "" decl "${decl}")
      string(REGEX REPLACE "[ \t\n]+" " " decl "${decl}")
      string(STRIP "${decl}" decl)
      if(NOT decl MATCHES "^(.*[^A-Za-z0-9_])(nn_[A-Za-z0-9_]+) ?\\((.*)\\)$")
        message(FATAL_ERROR "${dir}/nanomsg/${header}: cannot read the declaration '${decl}'")
      endif()
      list(APPEND functions ${CMAKE_MATCH_2})
      set(${prefix}_DECL_${CMAKE_MATCH_2} "${decl}" PARENT_SCOPE)
    endforeach()
  endforeach()
  list(SORT functions)
  set(${prefix}_FUNCTIONS "${functions}" PARENT_SCOPE)
endfunction()

# --- Running tools -------------------------------------------------------------

# Runs a command; on failure stops the test with its output.
function(np_run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${what} failed (${rc}):\n  ${command}\n${out}${err}")
  endif()
endfunction()

# Writes DIR/constants_headers.h, including the headers under
# HEADER_DIR/nanomsg by absolute path.
function(np_write_header_list header_dir dir)
  np_header_names("${header_dir}" headers)
  set(text "/* Generated by constants_check.cmake. */\n")
  foreach(header IN LISTS headers)
    string(APPEND text "#include \"${header_dir}/nanomsg/${header}\"\n")
  endforeach()
  file(WRITE "${dir}/constants_headers.h" "${text}")
endfunction()

# Fails unless both sets have the same header files.
function(np_require_same_files)
  np_header_names("${REFERENCE_DIR}" reference_headers)
  np_header_names("${OURS_DIR}" our_headers)
  if(NOT reference_headers STREQUAL our_headers)
    message(FATAL_ERROR "The header files differ.\n"
                        "  nanomsg:  ${reference_headers}\n  nanoport: ${our_headers}")
  endif()
endfunction()

# --- Modes -----------------------------------------------------------------------

# Builds and runs constants_dump.c against each header set, with EXTRA_FLAGS,
# and compares the outputs line by line.
function(np_compare_dumps)
  set(extra_flags ${ARGN})
  np_require_same_files()
  np_scan_macros("${REFERENCE_DIR}" REF)
  np_scan_macros("${OURS_DIR}" OURS)

  set(names ${REF_NAMES} ${OURS_NAMES})
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(code "/* Generated by constants_check.cmake. */\n")
  set(mismatched_kinds "")
  foreach(name IN LISTS names)
    if(DEFINED REF_KIND_${name})
      set(kind ${REF_KIND_${name}})
    else()
      set(kind ${OURS_KIND_${name}})
    endif()
    if(DEFINED REF_KIND_${name} AND DEFINED OURS_KIND_${name}
       AND NOT REF_KIND_${name} STREQUAL OURS_KIND_${name})
      string(APPEND mismatched_kinds "  ${name}: nanomsg ${REF_KIND_${name}}, nanoport ${OURS_KIND_${name}}\n")
    endif()
    if(kind STREQUAL "value")
      set(call "np_value (\"${name}\", NP_TYPE (${name}), (long long) (${name}))")
    else()
      set(call "np_defined (\"${name}\")")
    endif()
    string(APPEND code "#ifdef ${name}\n    ${call};\n#else\n    np_missing (\"${name}\");\n#endif\n")
  endforeach()
  if(NOT mismatched_kinds STREQUAL "")
    message(FATAL_ERROR "Macros defined differently (value, empty or function-like):\n${mismatched_kinds}")
  endif()
  file(WRITE "${WORK_DIR}/constants_macros.inc" "${code}")

  foreach(set_name reference ours)
    if(set_name STREQUAL "reference")
      set(header_dir "${REFERENCE_DIR}")
    else()
      set(header_dir "${OURS_DIR}")
    endif()
    set(dir "${WORK_DIR}/${set_name}")
    file(MAKE_DIRECTORY "${dir}")
    np_write_header_list("${header_dir}" "${dir}")
    np_run("Compiling constants_dump.c against the ${set_name} headers"
           "${C_COMPILER}" -std=c11 -Wall -Wextra -I "${dir}" -I "${WORK_DIR}" ${extra_flags}
           "${SOURCE_DIR}/constants_dump.c" -o "${dir}/constants_dump")
    execute_process(COMMAND "${dir}/constants_dump" RESULT_VARIABLE rc
                    OUTPUT_FILE "${dir}/constants.txt" ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "Running the ${set_name} dump failed (${rc}): ${err}")
    endif()
  endforeach()

  file(STRINGS "${WORK_DIR}/reference/constants.txt" reference_lines)
  file(STRINGS "${WORK_DIR}/ours/constants.txt" our_lines)
  list(LENGTH reference_lines count)
  list(LENGTH our_lines our_count)
  if(NOT count EQUAL our_count)
    message(FATAL_ERROR "The dumps have ${count} and ${our_count} lines; see ${WORK_DIR}")
  endif()
  set(differences "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    list(GET reference_lines ${i} reference_line)
    list(GET our_lines ${i} our_line)
    if(NOT reference_line STREQUAL our_line)
      string(APPEND differences "  nanomsg:  ${reference_line}\n  nanoport: ${our_line}\n")
    endif()
  endforeach()
  if(NOT differences STREQUAL "")
    message(FATAL_ERROR "nanoport's headers differ from nanomsg's (NAME TYPE VALUE):\n${differences}")
  endif()
  list(LENGTH names macro_count)
  message(STATUS "${count} lines equal (${macro_count} macros, struct layouts, NN_CMSG_* results)")
endfunction()

function(np_mode_values)
  np_compare_dumps()
endfunction()

function(np_mode_errno_fallbacks)
  # The error names that nanomsg guards with #ifndef: remove the system's
  # definitions after <errno.h> so that the headers' fallbacks take effect.
  np_read_clean("${REFERENCE_DIR}/nanomsg/nn.h" text)
  string(REGEX MATCHALL "#[ \t]*ifndef[ \t]+E[A-Z0-9]+" guards "${text}")
  set(prelude "/* Generated by constants_check.cmake. */\n#include <errno.h>\n")
  set(errno_names "")
  foreach(guard IN LISTS guards)
    string(REGEX REPLACE "^#[ \t]*ifndef[ \t]+" "" name "${guard}")
    string(APPEND prelude "#undef ${name}\n")
    list(APPEND errno_names ${name})
  endforeach()
  if(NOT "ETERM" IN_LIST errno_names OR NOT "EFSM" IN_LIST errno_names
     OR NOT "ENOTSUP" IN_LIST errno_names)
    message(FATAL_ERROR "Found no errno fallbacks in ${REFERENCE_DIR}/nanomsg/nn.h")
  endif()
  file(WRITE "${WORK_DIR}/constants_errno_fallback.h" "${prelude}")
  list(LENGTH errno_names errno_count)
  message(STATUS "Removing the system's definitions of ${errno_count} names: ${errno_names}")
  np_compare_dumps(-include "${WORK_DIR}/constants_errno_fallback.h")

  # Pin the two errors of nanomsg's own, whatever the system defines.
  file(WRITE "${WORK_DIR}/pinned.c"
       "#include \"${OURS_DIR}/nanomsg/nn.h\"\n"
       "_Static_assert (NN_HAUSNUMERO == 156384712, \"NN_HAUSNUMERO\");\n"
       "_Static_assert (ETERM == 156384712 + 53, \"ETERM\");\n"
       "_Static_assert (EFSM == 156384712 + 54, \"EFSM\");\n")
  np_run("Checking ETERM and EFSM" "${C_COMPILER}" -std=c11 -fsyntax-only "${WORK_DIR}/pinned.c")
endfunction()

function(np_mode_prototypes)
  np_require_same_files()
  np_scan_functions("${REFERENCE_DIR}" REF)
  np_scan_functions("${OURS_DIR}" OURS)
  if(NOT REF_FUNCTIONS STREQUAL OURS_FUNCTIONS)
    message(FATAL_ERROR "The headers declare different functions.\n"
                        "  nanomsg:  ${REF_FUNCTIONS}\n  nanoport: ${OURS_FUNCTIONS}")
  endif()

  # nanomsg's declarations as stub definitions, after nanoport's headers: a
  # signature that differs is a "conflicting types" error; the definitions take
  # the visibility of nanoport's declarations.
  set(code "/* Generated by constants_check.cmake. */\n")
  np_header_names("${OURS_DIR}" headers)
  foreach(header IN LISTS headers)
    string(APPEND code "#include \"${OURS_DIR}/nanomsg/${header}\"\n")
  endforeach()
  foreach(function IN LISTS REF_FUNCTIONS)
    set(decl "${REF_DECL_${function}}")
    string(REGEX REPLACE "^(.*[^A-Za-z0-9_])${function} ?\\(.*$" "\\1" return_type "${decl}")
    string(STRIP "${return_type}" return_type)
    if(return_type STREQUAL "void")
      string(APPEND code "${decl} {}\n")
    else()
      string(APPEND code "${decl} { return 0; }\n")
    endif()
  endforeach()
  file(WRITE "${WORK_DIR}/prototypes.c" "${code}")
  np_run("Compiling nanomsg's prototypes after nanoport's headers"
         "${C_COMPILER}" -std=c11 -fPIC -shared -fvisibility=hidden -Wall -Wno-unused-parameter
         -Werror=incompatible-pointer-types "${WORK_DIR}/prototypes.c" -o "${WORK_DIR}/libprototypes.so")

  execute_process(COMMAND "${NM}" -D --defined-only "${WORK_DIR}/libprototypes.so"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE symbols ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed: ${err}")
  endif()
  set(hidden "")
  foreach(function IN LISTS REF_FUNCTIONS)
    if(NOT symbols MATCHES " T ${function}\n")
      list(APPEND hidden ${function})
    endif()
  endforeach()
  if(hidden)
    message(FATAL_ERROR "Not exported under -fvisibility=hidden (NN_EXPORT): ${hidden}")
  endif()
  list(LENGTH REF_FUNCTIONS function_count)
  message(STATUS "${function_count} functions with nanomsg's signatures, all exported: ${REF_FUNCTIONS}")
endfunction()

function(np_mode_headers)
  np_header_names("${OURS_DIR}" headers)
  if(NOT headers)
    message(FATAL_ERROR "No headers under ${OURS_DIR}/nanomsg")
  endif()
  set(strict -Wall -Wextra -Wpedantic -Werror -fsyntax-only)
  foreach(header IN LISTS headers)
    string(REPLACE "." "_" stem "${header}")
    # Included twice: the include guard must hold. The variable keeps the unit
    # non-empty, as ISO C requires.
    file(WRITE "${WORK_DIR}/${stem}.c" "#include \"${OURS_DIR}/nanomsg/${header}\"\n"
               "#include \"${OURS_DIR}/nanomsg/${header}\"\nint np_unused;\n")
    foreach(std c89 c99 c11)
      np_run("${header} as ${std}" "${C_COMPILER}" -std=${std} ${strict} "${WORK_DIR}/${stem}.c")
    endforeach()
    foreach(std c++98 c++20)
      np_run("${header} as ${std}" "${CXX_COMPILER}" -x c++ -std=${std} ${strict} "${WORK_DIR}/${stem}.c")
    endforeach()
  endforeach()

  # C linkage: a C++ unit that uses every function must reference the plain,
  # unmangled names.
  np_scan_functions("${OURS_DIR}" OURS)
  set(code "")
  foreach(header IN LISTS headers)
    string(APPEND code "#include \"${OURS_DIR}/nanomsg/${header}\"\n")
  endforeach()
  string(APPEND code "void *np_functions[] = {\n")
  foreach(function IN LISTS OURS_FUNCTIONS)
    string(APPEND code "    reinterpret_cast<void *> (&${function}),\n")
  endforeach()
  string(APPEND code "};\n")
  file(WRITE "${WORK_DIR}/linkage.cpp" "${code}")
  np_run("Compiling a C++ user of every function" "${CXX_COMPILER}" -std=c++20 -Wall -Wextra -c
         "${WORK_DIR}/linkage.cpp" -o "${WORK_DIR}/linkage.o")
  execute_process(COMMAND "${NM}" -u "${WORK_DIR}/linkage.o" OUTPUT_VARIABLE symbols)
  set(mangled "")
  foreach(function IN LISTS OURS_FUNCTIONS)
    if(NOT symbols MATCHES "U ${function}\n")
      list(APPEND mangled ${function})
    endif()
  endforeach()
  if(mangled)
    message(FATAL_ERROR "Not declared with C linkage: ${mangled}\n${symbols}")
  endif()
  list(LENGTH headers header_count)
  message(STATUS "${header_count} headers compile standalone as C89/C99/C11/C++98/C++20; functions have C linkage")
endfunction()

# --- Main ------------------------------------------------------------------------

if(NOT MODE STREQUAL "headers")
  if(NOT REFERENCE_DIR OR NOT EXISTS "${REFERENCE_DIR}/nanomsg/nn.h")
    message("SKIPPED: no reference nanomsg headers (install libnanomsg-dev and reconfigure)")
    return()
  endif()
endif()

if(MODE STREQUAL "values")
  np_mode_values()
elseif(MODE STREQUAL "errno_fallbacks")
  np_mode_errno_fallbacks()
elseif(MODE STREQUAL "prototypes")
  np_mode_prototypes()
elseif(MODE STREQUAL "headers")
  np_mode_headers()
else()
  message(FATAL_ERROR "constants_check.cmake: unknown MODE '${MODE}'")
endif()
