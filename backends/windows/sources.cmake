# The Windows OS layer and backends. Sets CORDON_OS_SOURCES, CORDON_OS_LIBS
# and CORDON_OS_INCLUDES for the top-level CMakeLists.txt.
file(GLOB CORDON_OS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
set(CORDON_OS_LIBS advapi32 userenv bcrypt)
set(CORDON_OS_INCLUDES ${CMAKE_CURRENT_LIST_DIR})
set(CORDON_PC_LIBS_PRIVATE "-ladvapi32 -luserenv -lbcrypt")
