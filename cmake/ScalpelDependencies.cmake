# Every dependency comes from a distribution package (Debian 12 names in README.md).
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C CXX)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenMP)
# BLAS/LAPACK (OpenBLAS on Debian) for large GEMMs and symmetric eigendecompositions; optional.
# OpenBLAS picks its kernels at run time (AVX-512 where present) while our own code stays at the
# portable x86-64-v3 baseline, so routing Eigen's GEMMs to it measures faster (docs/benchmarks.md).
option(SCALPEL_USE_BLAS "Route Eigen's matrix products to the system BLAS (EIGEN_USE_BLAS)" ON)
find_package(BLAS)
find_package(LAPACK)
find_package(PkgConfig REQUIRED)

set(SCALPEL_QT_COMPONENTS Core)
if(SCALPEL_BUILD_GUI)
  list(APPEND SCALPEL_QT_COMPONENTS Gui Widgets OpenGL OpenGLWidgets Svg PrintSupport)
endif()
if(SCALPEL_BUILD_TESTS)
  list(APPEND SCALPEL_QT_COMPONENTS Test)
endif()
find_package(Qt6 REQUIRED COMPONENTS ${SCALPEL_QT_COMPONENTS})

if(SCALPEL_BUILD_GUI)
  # Debian's libimgui-dev ships imgui.pc and the backends' sources.
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  find_package(OpenGL REQUIRED)
endif()

# ONNX models (analysis/graph/onnx_import.cpp): Debian's libonnx-dev + libprotobuf-dev. Optional:
# without them `.onnx` files are refused with a message and the ONNX tests skip.
option(SCALPEL_WITH_ONNX "Read ONNX models (needs libonnx-dev and libprotobuf-dev)" ON)
set(SCALPEL_HAVE_ONNX OFF)
if(SCALPEL_WITH_ONNX)
  find_package(Protobuf QUIET)
  if(Protobuf_FOUND)
    find_package(ONNX CONFIG QUIET)
  endif()
  if(Protobuf_FOUND AND TARGET onnx_proto)
    set(SCALPEL_HAVE_ONNX ON)
  else()
    message(WARNING "libonnx-dev/libprotobuf-dev not found: Scalpel is built without ONNX import")
  endif()
endif()
