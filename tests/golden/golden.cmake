# Regenerates every sample of generated/ into OUT and compares with the checked-in files
# (or, with WRITE=1, OUT is generated/ itself). Samples: generated/<name>/ from
# models/<name>/model.onnx. Run from the source folder so recorded paths are relative.
set(samples tiny_cnn)
set(failed "")
foreach(s IN LISTS samples)
  file(MAKE_DIRECTORY "${OUT}/${s}")
  execute_process(COMMAND "${O2C}" models/${s}/model.onnx -o "${OUT}/${s}/${s}.cpp"
                          --dump-plan "${OUT}/${s}/plan.txt"
                  WORKING_DIRECTORY "${SRC}" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "onnx2cpp failed on ${s}: ${err}")
  endif()
  if(NOT WRITE)
    foreach(f ${s}.cpp ${s}.cpp.weights ${s}.h plan.txt)
      execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${OUT}/${s}/${f}" "${SRC}/generated/${s}/${f}"
                      RESULT_VARIABLE diff)
      if(NOT diff EQUAL 0)
        list(APPEND failed "generated/${s}/${f}")
      endif()
    endforeach()
  endif()
endforeach()
# docs/ops.md is generated from the op table.
if(WRITE)
  execute_process(COMMAND "${O2C}" --ops-markdown OUTPUT_FILE "${SRC}/docs/ops.md")
else()
  execute_process(COMMAND "${O2C}" --ops-markdown OUTPUT_FILE "${OUT}/ops.md")
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${OUT}/ops.md" "${SRC}/docs/ops.md" RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    list(APPEND failed "docs/ops.md")
  endif()
endif()
if(failed)
  message(FATAL_ERROR "out of date: ${failed}\nRegenerate with: cmake --build build --target regenerate")
endif()
message(STATUS "generated/ is up to date (${samples})")
