# Checks the application manifest embedded in EXE: asInvoker, exactly one
# requestedExecutionLevel (a program named "setup" is otherwise forced to
# elevate by installer detection).
file(STRINGS "${EXE}" lines REGEX "requestedExecutionLevel")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "${EXE}: ${n} requestedExecutionLevel entries, expected 1: ${lines}")
endif()
if(NOT lines MATCHES "level=\"asInvoker\"")
  message(FATAL_ERROR "${EXE}: not asInvoker: ${lines}")
endif()
