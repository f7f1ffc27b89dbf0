# The Linux OS layer and backends. Sets CORDON_OS_SOURCES, CORDON_OS_LIBS
# and CORDON_OS_INCLUDES for the top-level CMakeLists.txt.
file(GLOB CORDON_OS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
# libseccomp (Debian: libseccomp-dev) compiles the seccomp rule list.
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
set(CORDON_OS_INCLUDES ${CMAKE_CURRENT_LIST_DIR} ${CORDON_SECCOMP_INCLUDE_DIRS})
set(CORDON_PC_LIBS_PRIVATE "-lseccomp")
# dladdr() finds the installed library's directory (os.c).
list(APPEND CORDON_OS_LIBS ${CMAKE_DL_LIBS})
if(CMAKE_DL_LIBS)
  string(APPEND CORDON_PC_LIBS_PRIVATE " -l${CMAKE_DL_LIBS}")
endif()
