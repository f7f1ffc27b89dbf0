# The Linux OS layer and backends. Sets CORDON_OS_SOURCES, CORDON_OS_LIBS
# and CORDON_OS_INCLUDES for the top-level CMakeLists.txt.
file(GLOB CORDON_OS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
set(CORDON_OS_INCLUDES ${CMAKE_CURRENT_LIST_DIR})
set(CORDON_OS_LIBS)
set(CORDON_OS_DEFINITIONS)
set(CORDON_PC_LIBS_PRIVATE "")
# libseccomp (Debian: libseccomp-dev) builds the seccomp filter where
# backends/linux/seccomp.c does not write it itself. The CLI built against
# musl (cli/CMakeLists.txt) is made without it: that build sets
# CORDON_LIBSECCOMP=OFF and writes every filter itself.
if(NOT DEFINED CORDON_LIBSECCOMP OR CORDON_LIBSECCOMP)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CORDON_SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
  # Linked statically when its archive is there (libseccomp-dev ships a
  # position-independent one): every cordon command then starts without
  # loading and relocating another shared library. Its symbols stay out of
  # libcordon.so's exports.
  find_library(CORDON_SECCOMP_ARCHIVE NAMES libseccomp.a HINTS ${CORDON_SECCOMP_LIBRARY_DIRS})
  if(CORDON_SECCOMP_ARCHIVE)
    set(CORDON_OS_LIBS ${CORDON_SECCOMP_ARCHIVE} "-Wl,--exclude-libs,libseccomp.a")
  else()
    set(CORDON_OS_LIBS ${CORDON_SECCOMP_LINK_LIBRARIES})
  endif()
  list(APPEND CORDON_OS_INCLUDES ${CORDON_SECCOMP_INCLUDE_DIRS})
  set(CORDON_OS_DEFINITIONS CORDON_HAVE_LIBSECCOMP)
  set(CORDON_PC_LIBS_PRIVATE "-lseccomp")
endif()
# dladdr() finds the installed library's directory (os.c); musl's is in
# its C library, which the musl build of the program names itself.
if(CMAKE_DL_LIBS AND NOT CORDON_MUSL_CLI)
  list(APPEND CORDON_OS_LIBS ${CMAKE_DL_LIBS})
  string(STRIP "${CORDON_PC_LIBS_PRIVATE} -l${CMAKE_DL_LIBS}" CORDON_PC_LIBS_PRIVATE)
endif()
