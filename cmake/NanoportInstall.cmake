# What `cmake --install <build> --prefix P` puts under P, and how a consumer
# finds it again. Included once by the top-level CMakeLists.txt, after src/
# (and tools/) have defined their targets.
#
#   P/lib/libnanoport.so*, P/lib/libnanoport.a     the shipped libraries
#   P/include/nanoport/*.hpp                       C++ API
#   P/include/nanoport/compat/nanomsg/*.h          nanomsg-compatible C API
#   P/lib/cmake/nanoport/                          find_package(nanoport)
#   P/lib/pkgconfig/nanoport.pc                    C++ API
#   P/lib/pkgconfig/nanoport-nanomsg.pc            C API: #include <nanomsg/nn.h>
#   P/bin/                                         command-line tools
#
# The C headers go under include/nanoport/compat, not include/nanomsg, so that
# the real nanomsg and nanoport can be installed side by side; a nanomsg
# program picks nanoport by its include path (the nanoport-nanomsg pkg-config
# module or the nanoport::nanomsg CMake target) and by -lnanoport.
#
# (lib is CMAKE_INSTALL_LIBDIR and include CMAKE_INSTALL_INCLUDEDIR, from
# GNUInstallDirs.)

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NANOPORT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/nanoport)
set(NANOPORT_INSTALL_COMPATDIR ${CMAKE_INSTALL_INCLUDEDIR}/nanoport/compat)

# --- CMake targets -----------------------------------------------------------
#
# nanoport::nanoport          libnanoport.so; include path P/include (C++ API)
# nanoport::nanoport_static   libnanoport.a;  same include path
# nanoport::nanomsg           nanoport::nanoport plus P/include/nanoport/compat,
#                             for programs written against the nanomsg C API
#
# The same names work for a project that adds nanoport with add_subdirectory.

add_library(nanoport_nanomsg INTERFACE)
set_target_properties(nanoport_nanomsg PROPERTIES EXPORT_NAME nanomsg)
target_include_directories(nanoport_nanomsg INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${NANOPORT_INSTALL_COMPATDIR}>)
target_link_libraries(nanoport_nanomsg INTERFACE nanoport)

add_library(nanoport::nanoport ALIAS nanoport)
add_library(nanoport::nanoport_static ALIAS nanoport_static)
add_library(nanoport::nanomsg ALIAS nanoport_nanomsg)

install(TARGETS nanoport nanoport_static nanoport_nanomsg
        EXPORT nanoport-targets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
                COMPONENT runtime
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
                COMPONENT runtime
                NAMELINK_COMPONENT development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
                COMPONENT development)
install(EXPORT nanoport-targets
        NAMESPACE nanoport::
        DESTINATION ${NANOPORT_INSTALL_CMAKEDIR}
        COMPONENT development)

configure_package_config_file(
    ${CMAKE_CURRENT_LIST_DIR}/nanoport-config.cmake.in
    ${PROJECT_BINARY_DIR}/nanoport-config.cmake
    INSTALL_DESTINATION ${NANOPORT_INSTALL_CMAKEDIR})
# 0.x releases may break the API at every minor version.
write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/nanoport-config-version.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nanoport-config.cmake
              ${PROJECT_BINARY_DIR}/nanoport-config-version.cmake
        DESTINATION ${NANOPORT_INSTALL_CMAKEDIR}
        COMPONENT development)

# --- headers -------------------------------------------------------------------

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/nanoport/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nanoport
        COMPONENT development
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/nanomsg/
        DESTINATION ${NANOPORT_INSTALL_COMPATDIR}/nanomsg
        COMPONENT development
        FILES_MATCHING PATTERN "*.h")

# --- pkg-config ------------------------------------------------------------------
#
# A .pc file holds absolute paths, and `cmake --install --prefix P` chooses the
# prefix only at install time, after configuration. So the two files are
# written by the install step itself, from cmake/*.pc.in, for the prefix in
# force then (file(INSTALL) adds DESTDIR, as for every other file).

set(NANOPORT_PC_PRIVATE_LIBS "-pthread -lstdc++ -lm -lssl -lcrypto")
if(NANOPORT_IO_URING)
  string(APPEND NANOPORT_PC_PRIVATE_LIBS " -luring")
endif()

install(CODE "
  set(nanoport_pc_templates \"${CMAKE_CURRENT_LIST_DIR}\")
  set(nanoport_pc_staging \"${PROJECT_BINARY_DIR}/pkgconfig\")
  set(nanoport_pc_libdir \"${CMAKE_INSTALL_LIBDIR}\")
  set(nanoport_pc_includedir \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(NANOPORT_PC_VERSION \"${PROJECT_VERSION}\")
  set(NANOPORT_PC_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
  set(NANOPORT_PC_PRIVATE_LIBS \"${NANOPORT_PC_PRIVATE_LIBS}\")"
        COMPONENT development)
install(CODE [[
  set(NANOPORT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(NANOPORT_PC_LIBDIR "${nanoport_pc_libdir}")
  set(NANOPORT_PC_INCLUDEDIR "${nanoport_pc_includedir}")
  # Relative install dirs are written against ${prefix}, as pkg-config users expect.
  if(NOT IS_ABSOLUTE "${NANOPORT_PC_LIBDIR}")
    set(NANOPORT_PC_LIBDIR "\${prefix}/${NANOPORT_PC_LIBDIR}")
  endif()
  if(NOT IS_ABSOLUTE "${NANOPORT_PC_INCLUDEDIR}")
    set(NANOPORT_PC_INCLUDEDIR "\${prefix}/${NANOPORT_PC_INCLUDEDIR}")
  endif()
  # One staging folder per prefix: two installs of one build tree into two
  # prefixes (the install test, a user) must not overwrite each other's file.
  string(MD5 prefix_hash "${CMAKE_INSTALL_PREFIX}")
  set(pc_destination "${nanoport_pc_libdir}/pkgconfig")
  if(NOT IS_ABSOLUTE "${pc_destination}")
    set(pc_destination "${CMAKE_INSTALL_PREFIX}/${pc_destination}")
  endif()
  foreach(module nanoport nanoport-nanomsg)
    set(staged "${nanoport_pc_staging}/${prefix_hash}/${module}.pc")
    configure_file("${nanoport_pc_templates}/${module}.pc.in" "${staged}" @ONLY)
    file(INSTALL "${staged}" DESTINATION "${pc_destination}")
  endforeach()
]]
        COMPONENT development)

# --- tools -----------------------------------------------------------------------
#
# Command-line programs (npcat, its np_* links, the perf tools) install
# themselves to P/bin from tools/*/CMakeLists.txt, with a RUNPATH that finds
# P/lib.
