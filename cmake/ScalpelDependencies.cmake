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
