# CTest package_consumer: installs this build of onnx2cpp into a temporary prefix, configures
# and builds tests/package/ against the installed package (a fresh tree, as a user's project
# would), runs the program (it checks the model's outputs against PyTorch's), and checks that
# the model is compiled again when it changes, and only then.
#   cmake -DBUILD=<onnx2cpp build> -DSRC=<repo> -DWORK=<scratch> -P run_consumer.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# A build that must (or must not) run the compiler.
function(build expect)
  run(${CMAKE_COMMAND} --build ${WORK}/build -j2)
  string(FIND "${out}" "onnx2cpp: compiling" at)
  if((expect AND at EQUAL -1) OR (NOT expect AND NOT at EQUAL -1))
    message(FATAL_ERROR "expected the build to compile the model: ${expect}, it did the opposite")
  endif()
endfunction()

set(data ${SRC}/models/tiny_cnn/test_data_set_0)
file(REMOVE_RECURSE ${WORK})
file(COPY ${SRC}/models/tiny_cnn/model.onnx DESTINATION ${WORK}/model)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} -S ${SRC}/tests/package -B ${WORK}/build -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${WORK}/prefix -DMODEL_DIR=${WORK}/model)
build(TRUE)
run(${WORK}/build/app ${data}/input_0.pb ${data}/output_0.pb)
build(FALSE)
file(TOUCH ${WORK}/model/model.onnx)
build(TRUE)
