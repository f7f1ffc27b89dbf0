# The Linux OS layer and backends. Sets CORDON_OS_SOURCES, CORDON_OS_LIBS
# and CORDON_OS_INCLUDES for the top-level CMakeLists.txt.
file(GLOB CORDON_OS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
# libseccomp (Debian: libseccomp-dev) compiles the seccomp rule list.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CORDON_SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
set(CORDON_OS_LIBS ${CORDON_SECCOMP_LINK_LIBRARIES})
set(CORDON_OS_INCLUDES ${CMAKE_CURRENT_LIST_DIR} ${CORDON_SECCOMP_INCLUDE_DIRS})
set(CORDON_PC_LIBS_PRIVATE "-lseccomp")
