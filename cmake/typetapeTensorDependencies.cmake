# What typetape::tensor needs, for the installed package (typetapeConfig.cmake) and the
# top-level CMakeLists.txt alike: xtensor and xsimd (their CMake packages: targets xtensor
# and xsimd) and a BLAS with a cblas.h, as the target typetape::blas:
#  - OpenBLAS's CMake package when there is one (Debian's libopenblas-dev ships it): its
#    OpenBLAS::OpenBLAS target, or else its OpenBLAS_INCLUDE_DIRS and OpenBLAS_LIBRARIES;
#  - otherwise CMake's FindBLAS (BLAS::BLAS; set BLA_VENDOR to choose one) with the directory
#    of cblas.h (the cache variable TYPETAPE_CBLAS_INCLUDE_DIR; found on the include path).
# A target typetape::blas that exists already (made by the user before find_package) is used
# as it is: the way to pick a BLAS the two ways above do not find.

# typetape_find_tensor_dependencies(OUT): sets OUT to the list of what is missing (empty
# when typetape::tensor can be made), and makes typetape::blas.
macro(typetape_find_tensor_dependencies _typetape_out)
  set(${_typetape_out} "")
  foreach(_typetape_dep IN ITEMS xtensor xsimd)  # each package's target has its name
    if(NOT TARGET ${_typetape_dep})
      find_package(${_typetape_dep} QUIET)
    endif()
    if(NOT TARGET ${_typetape_dep})
      list(APPEND ${_typetape_out} ${_typetape_dep})
    endif()
  endforeach()
  if(NOT TARGET typetape::blas)
    find_package(OpenBLAS CONFIG QUIET)
    if(TARGET OpenBLAS::OpenBLAS)
      add_library(typetape::blas INTERFACE IMPORTED)
      set_target_properties(typetape::blas PROPERTIES INTERFACE_LINK_LIBRARIES OpenBLAS::OpenBLAS)
    elseif(OpenBLAS_FOUND AND OpenBLAS_LIBRARIES)
      add_library(typetape::blas INTERFACE IMPORTED)
      set_target_properties(typetape::blas PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${OpenBLAS_INCLUDE_DIRS}"
        INTERFACE_LINK_LIBRARIES "${OpenBLAS_LIBRARIES}")
    else()
      find_package(BLAS QUIET)
      find_path(TYPETAPE_CBLAS_INCLUDE_DIR cblas.h DOC "The directory of the cblas.h typetape includes")
      if(BLAS_FOUND AND TYPETAPE_CBLAS_INCLUDE_DIR)
        add_library(typetape::blas INTERFACE IMPORTED)
        set_target_properties(typetape::blas PROPERTIES
          INTERFACE_INCLUDE_DIRECTORIES "${TYPETAPE_CBLAS_INCLUDE_DIR}"
          INTERFACE_LINK_LIBRARIES "${BLAS_LIBRARIES}")
        if(BLAS_LINKER_FLAGS)
          set_property(TARGET typetape::blas APPEND PROPERTY INTERFACE_LINK_OPTIONS ${BLAS_LINKER_FLAGS})
        endif()
      endif()
    endif()
  endif()
  if(NOT TARGET typetape::blas)
    list(APPEND ${_typetape_out} "a BLAS with cblas.h")
  endif()
endmacro()
