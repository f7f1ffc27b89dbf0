# The Windows OS layer and backends. Sets CORDON_OS_SOURCES, CORDON_OS_LIBS
# and CORDON_OS_INCLUDES for the top-level CMakeLists.txt.
file(GLOB CORDON_OS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
# The elevated tier adds netapi32 (accounts), crypt32 (DPAPI), ole32 and
# oleaut32 (the firewall's COM interfaces), shell32 (known folders),
# taskschd (the refresh task's GUIDs).
set(CORDON_OS_LIBS advapi32 userenv bcrypt netapi32 crypt32 ole32 oleaut32 shell32 uuid taskschd)
set(CORDON_OS_INCLUDES ${CMAKE_CURRENT_LIST_DIR})
set(CORDON_PC_LIBS_PRIVATE "-ladvapi32 -luserenv -lbcrypt -lnetapi32 -lcrypt32 -lole32 -loleaut32 -lshell32 -luuid -ltaskschd")
