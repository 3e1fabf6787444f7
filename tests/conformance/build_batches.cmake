# The conformance_build test: cmake -DBINARY_DIR=... -DSTATUS_DIR=... -DJOBS=N -DGENERATOR=...
#   [-DBUILD_TARGET=conformance_sanitize -DBATCHES=<its batches.txt>] -P build_batches.cmake
# Clears the previous results, then builds target `conformance` (every batch; or BUILD_TARGET),
# keeping going past a batch that fails so the others still run. Fails if a batch did not
# build; the tests of such a batch then fail with a missing executable.
if(NOT BUILD_TARGET)
  set(BUILD_TARGET conformance)
endif()
if(NOT BATCHES)
  set(BATCHES "${BINARY_DIR}/conformance/batches.txt")
endif()
file(REMOVE_RECURSE "${STATUS_DIR}")
file(MAKE_DIRECTORY "${STATUS_DIR}")
set(keep_going "")
if(GENERATOR MATCHES "Ninja")
  set(keep_going -- -k 0)
elseif(GENERATOR MATCHES "Makefiles")
  set(keep_going -- -k)
endif()
set(config "")
if(CONFIG)
  set(config --config ${CONFIG})
endif()
string(TIMESTAMP t0 "%s")
execute_process(COMMAND ${CMAKE_COMMAND} --build "${BINARY_DIR}" --target ${BUILD_TARGET} ${config}
                        --parallel ${JOBS} ${keep_going}
                RESULT_VARIABLE rc)
string(TIMESTAMP t1 "%s")
math(EXPR secs "${t1} - ${t0}")

file(STRINGS "${BATCHES}" batches)
set(broken 0)
list(LENGTH batches total)
foreach(line IN LISTS batches)
  string(REPLACE " " ";" parts "${line}")
  list(POP_FRONT parts target exe)
  if(NOT rc EQUAL 0 AND EXISTS "${exe}")
    # Something failed: find out which batches, so that none runs a stale executable.
    execute_process(COMMAND ${CMAKE_COMMAND} --build "${BINARY_DIR}" --target ${target} ${config}
                    RESULT_VARIABLE trc OUTPUT_QUIET ERROR_QUIET)
    if(NOT trc EQUAL 0)
      file(REMOVE "${exe}")
    endif()
  endif()
  if(NOT EXISTS "${exe}")
    math(EXPR broken "${broken} + 1")
    list(JOIN parts " " tests)
    message("${BUILD_TARGET}: ${target} did not build; its tests fail: ${tests}")
  endif()
endforeach()
message("${BUILD_TARGET}: built ${total} batches in ${secs} s, ${broken} failed")
if(NOT rc EQUAL 0 OR broken GREATER 0)
  message(FATAL_ERROR "${BUILD_TARGET}: building the batches failed (exit ${rc})")
endif()
