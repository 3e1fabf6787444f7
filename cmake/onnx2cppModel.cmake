# onnx2cpp_add_model(): a model compiled to C++ at build time and built into a target. Included
# by the installed package (onnx2cppConfig.cmake) and by onnx2cpp's own CMakeLists.txt (for
# add_subdirectory/FetchContent); both define the executable target onnx2cpp::onnx2cpp.
#
#   onnx2cpp_add_model(app MODEL model.onnx NAME net
#                      [SHAPES input=1x3x224x224 ...] [DIMS seq=128 ...]
#                      [WEIGHTS embed|inline|file] [OPTIONS --no-fuse ...])
#
# Writes net.cpp and net.h into ${CMAKE_CURRENT_BINARY_DIR}/onnx2cpp/net/ (again whenever the
# model or the compiler changes), adds net.cpp to the target, that folder to its include path,
# and Eigen (find_package(Eigen3)). With WEIGHTS file the program loads the constants from the
# file named by the variable ONNX2CPP_<NAME>_WEIGHTS (net.weights.bin there) and runs the model
# with net_run_with_weights.
include_guard(GLOBAL)

function(onnx2cpp_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 O2C "" "MODEL;NAME;WEIGHTS" "SHAPES;DIMS;OPTIONS")
  if(O2C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "onnx2cpp_add_model: unknown arguments ${O2C_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT O2C_MODEL OR NOT O2C_NAME)
    message(FATAL_ERROR "onnx2cpp_add_model(${target}): MODEL and NAME are required")
  endif()
  if(NOT O2C_NAME MATCHES "^[A-Za-z][A-Za-z0-9_]*$")
    message(FATAL_ERROR "onnx2cpp_add_model(${target}): NAME ${O2C_NAME} is not a C identifier")
  endif()
  if(NOT O2C_WEIGHTS)
    set(O2C_WEIGHTS embed)
  endif()
  if(NOT O2C_WEIGHTS MATCHES "^(embed|inline|file)$")
    message(FATAL_ERROR "onnx2cpp_add_model(${target}): WEIGHTS must be embed, inline or file, not ${O2C_WEIGHTS}")
  endif()
  get_filename_component(model "${O2C_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/onnx2cpp/${O2C_NAME}")
  set(flags --name ${O2C_NAME} --weights ${O2C_WEIGHTS})
  foreach(s IN LISTS O2C_SHAPES)
    list(APPEND flags --shape ${s})
  endforeach()
  foreach(d IN LISTS O2C_DIMS)
    list(APPEND flags --dim ${d})
  endforeach()
  # onnx2cpp leaves files that already hold its output untouched (nothing recompiles when the
  # model changes in a way that does not change the code), so a stamp records the run; the
  # files are its byproducts (the weights file exists only for a model with constants).
  if(O2C_WEIGHTS STREQUAL "file")
    set(weights "${dir}/${O2C_NAME}.weights.bin")
    set(ONNX2CPP_${O2C_NAME}_WEIGHTS "${weights}" PARENT_SCOPE)
  else()
    set(weights "${dir}/${O2C_NAME}.cpp.weights")
  endif()
  add_custom_command(
    OUTPUT "${dir}/${O2C_NAME}.stamp"
    BYPRODUCTS "${dir}/${O2C_NAME}.cpp" "${dir}/${O2C_NAME}.h" "${weights}"
    COMMAND onnx2cpp::onnx2cpp "${model}" -o "${dir}/${O2C_NAME}.cpp" ${flags} ${O2C_OPTIONS}
    COMMAND ${CMAKE_COMMAND} -E touch "${dir}/${O2C_NAME}.stamp"
    DEPENDS "${model}" onnx2cpp::onnx2cpp
    COMMENT "onnx2cpp: compiling ${O2C_MODEL} to ${O2C_NAME}.cpp"
    VERBATIM)
  target_sources(${target} PRIVATE "${dir}/${O2C_NAME}.stamp" "${dir}/${O2C_NAME}.cpp" "${dir}/${O2C_NAME}.h")
  target_include_directories(${target} PRIVATE "${dir}")
  target_compile_features(${target} PRIVATE cxx_std_17)
  if(NOT TARGET Eigen3::Eigen)
    find_package(Eigen3 3.3 REQUIRED NO_MODULE)
  endif()
  target_link_libraries(${target} PRIVATE Eigen3::Eigen)
endfunction()
