# The WebAssembly tree, included by CMakeLists.txt under emcmake:
#
#   cmake -S . -B build && cmake --build build --target onnx2cpp
#   emcmake cmake -S . -B build-wasm -DO2C_HOST_ONNX2CPP=$PWD/build/onnx2cpp
#   cmake --build build-wasm && (cd build-wasm && ctest)
#
# The compiler stays native (it needs protobuf); here the native onnx2cpp generates code that
# Emscripten builds, and the tests (label "wasm") run under Node: the real models through
# `onnx2cpp verify --target wasm`, the JavaScript API of `onnx2cpp build --target wasm`, the
# SIMD check and the ONNX conformance batches. scripts/test.sh configures this tree as
# build/wasm, where the native tree's ctest picks its tests up.

set(O2C_HOST_ONNX2CPP "" CACHE FILEPATH "a native onnx2cpp that generates the code (cmake --build build --target onnx2cpp)")
if(NOT O2C_HOST_ONNX2CPP AND EXISTS "${CMAKE_SOURCE_DIR}/build/onnx2cpp")
  set(O2C_HOST_ONNX2CPP "${CMAKE_SOURCE_DIR}/build/onnx2cpp" CACHE FILEPATH "" FORCE)
endif()
if(NOT EXISTS "${O2C_HOST_ONNX2CPP}")
  message(FATAL_ERROR "emcmake builds the generated code, not the compiler: build onnx2cpp natively first "
                      "(cmake -S . -B build && cmake --build build --target onnx2cpp) and pass "
                      "-DO2C_HOST_ONNX2CPP=<that build>/onnx2cpp")
endif()
add_executable(onnx2cpp IMPORTED GLOBAL)
set_target_properties(onnx2cpp PROPERTIES IMPORTED_LOCATION "${O2C_HOST_ONNX2CPP}")

# Eigen's headers are the host's (the toolchain file only searches Emscripten's sysroot).
find_path(O2C_EIGEN_INCLUDE_DIR Eigen/Core PATHS /usr/include/eigen3 /usr/local/include/eigen3
          NO_CMAKE_FIND_ROOT_PATH)
if(NOT O2C_EIGEN_INCLUDE_DIR)
  message(FATAL_ERROR "Eigen 3 headers not found (Debian: libeigen3-dev); set O2C_EIGEN_INCLUDE_DIR")
endif()

find_program(O2C_NODE NAMES node nodejs)
if(NOT O2C_NODE)
  message(FATAL_ERROR "the wasm tests run under Node.js (Debian: nodejs)")
endif()
# Programs built here run as `node prog.js` (CTest prepends the emulator to test executables).
set(CMAKE_CROSSCOMPILING_EMULATOR "${O2C_NODE}")
# Debian's emscripten runs its JavaScript optimizer (when linking) with node and needs acorn
# from /usr/share/nodejs on NODE_PATH.
if(IS_DIRECTORY /usr/share/nodejs)
  set(_o2c_node_path "/usr/share/nodejs")
  if(DEFINED ENV{NODE_PATH} AND NOT "$ENV{NODE_PATH}" STREQUAL "")
    set(_o2c_node_path "$ENV{NODE_PATH}:/usr/share/nodejs")
  endif()
  set(CMAKE_CXX_LINKER_LAUNCHER ${CMAKE_COMMAND} -E env "NODE_PATH=${_o2c_node_path}")
endif()

# Generated code: SIMD128 with Eigen's SSE packets mapped onto it, and the <mmintrin.h>
# stand-in (runtime_min/wasm/mmintrin.h) that Eigen 3.4 needs there.
add_library(o2c_wasm_code INTERFACE)
target_compile_options(o2c_wasm_code INTERFACE -msimd128 -msse4.1)
# Binaryen keeps the kernels clang left out of line (codegen/tools/wasm.hpp, kWasmLinkInlining).
target_link_options(o2c_wasm_code INTERFACE "-sBINARYEN_EXTRA_PASSES=--one-caller-inline-max-function-size=0")
target_include_directories(o2c_wasm_code SYSTEM INTERFACE ${CMAKE_SOURCE_DIR}/runtime_min/wasm
                           ${O2C_EIGEN_INCLUDE_DIR})
# Programs run by Node: the host file system (NODERAWFS), synchronous instantiation (so no
# fetch() of a file path), exit codes, the same 1 MiB stack as `build --target wasm`, and
# 64 MiB of initial memory: the embedded weights of a conformance batch must fit in it
# (light_inception_v2's Winograd weights: 24 MB; `build --target wasm` sizes it per model).
add_library(o2c_wasm_node INTERFACE)
target_link_options(o2c_wasm_node INTERFACE -sENVIRONMENT=node -sNODERAWFS=1 -sWASM_ASYNC_COMPILATION=0
                    -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=67108864 -sTOTAL_STACK=1048576)

option(O2C_BUILD_TESTS "Build the test suite" ON)
if(O2C_BUILD_TESTS)
  enable_testing()
  add_subdirectory(tests)
endif()
