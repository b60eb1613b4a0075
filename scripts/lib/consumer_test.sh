#!/usr/bin/env bash
# typetape as its users get it: installed into a temporary prefix (a meson build with tests,
# examples and benchmarks off), then two programs from tests/consumer/ (scalar.cpp, a
# gradient against its analytic value; tensor.cpp, a BLAS-backed tensor gradient, likewise)
# built and run from outside the tree, each way a user may take it:
#   - g++ and clang++ with pkg-config (typetape.pc, typetape-tensor.pc);
#   - meson, dependency() from the installed prefix;
#   - meson, typetape as a subproject (subprojects/typetape next to the example wrap file);
#   - CMake, find_package(typetape COMPONENTS tensor) from the prefix;
#   - CMake, add_subdirectory of the source tree (the top-level CMakeLists.txt);
# then tensor.cpp against Netlib's reference cblas instead of OpenBLAS (Debian libblas-dev),
# one translation unit with both umbrella headers under a user's strict warnings
# (-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror) on both
# compilers, and the one-line #error in C++17 mode on both compilers.
#
# scripts/test sources this file and calls run_consumer_tests, which adds to its counters
# (passed, failed, failures). Run alone, from anywhere:
#   scripts/lib/consumer_test.sh       # ends with "N passed, N failed"
# Everything is written under build-consumer/ (removed first).

# consumer_step LABEL LOG COMMAND...: runs COMMAND with its output in LOG; counts the result.
consumer_step() {
  local label=$1 log=$2 start=$SECONDS
  shift 2
  if "$@" >"$log" 2>&1; then
    echo "[consumer] $label: ok ($((SECONDS - start)) s)"
    passed=$((passed + 1))
    return 0
  fi
  echo "[consumer] $label: FAILED ($((SECONDS - start)) s); the end of $log:"
  tail -40 "$log"
  failed=$((failed + 1))
  failures+=("consumer: $label")
  return 1
}

# run_consumer_tests: every consumer test; run from the repository's root.
run_consumer_tests() {
  local src=$PWD work=$PWD/build-consumer
  local prefix=$work/prefix consumer=$src/tests/consumer
  rm -rf "$work"
  mkdir -p "$work"
  export PKG_CONFIG_PATH=$prefix/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export OPENBLAS_NUM_THREADS=1

  # The install: only the headers, the .pc files and the CMake package; nothing is compiled.
  consumer_install() {
    meson setup "$work/typetape-build" --prefix="$prefix" -Dtests=false -Dexamples=false \
      -Dbench=disabled &&
      meson install -C "$work/typetape-build" &&
      test -f "$prefix/include/typetape/version.hpp" &&
      test -f "$prefix/share/pkgconfig/typetape.pc" &&
      test -f "$prefix/share/pkgconfig/typetape-tensor.pc" &&
      test -f "$prefix/share/cmake/typetape/typetapeConfig.cmake" &&
      test -f "$prefix/share/cmake/typetape/typetapeConfigVersion.cmake"
  }
  consumer_step "install into a temporary prefix" "$work/install.txt" consumer_install || return 0

  # g++ and clang++ with pkg-config; the .pc files must not choose the language mode.
  consumer_pkg_config() {
    local cxx=$1 out=$work/pkg-config-$1
    mkdir -p "$out"
    if pkg-config --cflags typetape typetape-tensor | grep -q -- '-std='; then
      echo "the .pc files set -std: $(pkg-config --cflags typetape typetape-tensor)"
      return 1
    fi
    # shellcheck disable=SC2046  # (pkg-config's flags are words)
    "$cxx" -std=c++20 $(pkg-config --cflags typetape) "$consumer/scalar.cpp" -o "$out/scalar" \
      $(pkg-config --libs typetape) &&
      "$cxx" -std=c++20 $(pkg-config --cflags typetape-tensor) "$consumer/tensor.cpp" \
        -o "$out/tensor" $(pkg-config --libs typetape-tensor) &&
      "$out/scalar" && "$out/tensor"
  }
  consumer_step "pkg-config, g++" "$work/pkg-config-g++.txt" consumer_pkg_config g++
  consumer_step "pkg-config, clang++" "$work/pkg-config-clang++.txt" consumer_pkg_config clang++

  # meson: a copy of tests/consumer/ (meson.build, the programs, the example wrap file)
  consumer_meson_project() {
    local dir=$1
    mkdir -p "$dir/subprojects"
    cp "$consumer/meson.build" "$consumer/scalar.cpp" "$consumer/tensor.cpp" "$dir/"
    cp "$consumer/subprojects/typetape.wrap" "$dir/subprojects/"
  }
  consumer_meson_installed() {
    local dir=$work/meson-installed
    consumer_meson_project "$dir"
    meson setup "$dir/build" "$dir" --wrap-mode=nofallback &&
      meson test -C "$dir/build" --print-errorlogs
  }
  consumer_step "meson, dependency() from the prefix" "$work/meson-installed.txt" consumer_meson_installed
  # As a subproject: typetape's own tests, examples and benchmarks are off (auto) and nothing
  # of it is compiled; its meson.build must not look for the benchmarks' peer libraries.
  consumer_meson_subproject() {
    local dir=$work/meson-subproject
    consumer_meson_project "$dir"
    ln -s "$src" "$dir/subprojects/typetape"
    env -u PKG_CONFIG_PATH meson setup "$dir/build" "$dir" --wrap-mode=forcefallback &&
      if grep -nE "Sacado|adolc|eigen3|benchmark|doctest" "$dir/build/meson-logs/meson-log.txt"; then
        echo "the subproject looked for the benchmarks' or tests' dependencies (above)"
        return 1
      fi &&
      meson test -C "$dir/build" --print-errorlogs
  }
  consumer_step "meson, subproject" "$work/meson-subproject.txt" consumer_meson_subproject

  # CMake: find_package from the prefix (clang++), and add_subdirectory of the source (g++)
  consumer_cmake() {
    local dir=$1 cxx=$2
    shift 2
    cmake -S "$consumer" -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" "$@" &&
      cmake --build "$dir" && "$dir/scalar" && "$dir/tensor"
  }
  consumer_step "cmake, find_package from the prefix" "$work/cmake-find-package.txt" \
    consumer_cmake "$work/cmake-find-package" clang++ -DCMAKE_PREFIX_PATH="$prefix"
  consumer_step "cmake, add_subdirectory" "$work/cmake-subdirectory.txt" \
    consumer_cmake "$work/cmake-subdirectory" g++ -DTYPETAPE_SOURCE_DIR="$src"

  # Netlib's reference cblas (Debian libblas-dev: cblas-netlib.h, blas/libblas.so), which
  # has no OpenBLAS blasint: its header as cblas.h ahead of OpenBLAS's, and its library.
  consumer_netlib() {
    local multiarch out=$work/netlib
    multiarch=$(g++ -print-multiarch)
    mkdir -p "$out/include"
    ln -s "/usr/include/$multiarch/cblas-netlib.h" "$out/include/cblas.h"
    # shellcheck disable=SC2046
    g++ -std=c++20 -I"$out/include" $(pkg-config --cflags typetape xtensor xsimd) \
      "$consumer/tensor.cpp" -o "$out/tensor" -L"/usr/lib/$multiarch/blas" \
      -Wl,-rpath,"/usr/lib/$multiarch/blas" -lblas &&
      ldd "$out/tensor" >"$out/ldd.txt" && grep "/usr/lib/$multiarch/blas/libblas.so" "$out/ldd.txt" &&
      "$out/tensor"
  }
  consumer_step "Netlib cblas (libblas-dev), g++" "$work/netlib.txt" consumer_netlib

  # A user's strict warnings, the headers on a plain -I path (as pkg-config gives them)
  consumer_warnings() {
    # shellcheck disable=SC2046
    "$1" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror \
      $(pkg-config --cflags typetape-tensor) -c "$consumer/warnings.cpp" -o "$work/warnings-$1.o"
  }
  consumer_step "strict warnings, g++" "$work/warnings-g++.txt" consumer_warnings g++
  consumer_step "strict warnings, clang++" "$work/warnings-clang++.txt" consumer_warnings clang++

  # C++17: the one error is version.hpp's #error (only "In file included from" lines beside)
  consumer_cxx17() {
    local out
    printf '#include <typetape/typetape.hpp>\n#include <typetape/tensor.hpp>\nint main() {}\n' \
      >"$work/cxx17.cpp"
    # shellcheck disable=SC2046
    out=$("$1" -std=c++17 -fsyntax-only $(pkg-config --cflags typetape-tensor) "$work/cxx17.cpp" 2>&1)
    echo "$out"
    [ "$(grep -c "error" <<<"$out")" -ge 1 ] &&
      [ "$(grep -E "error" <<<"$out" | grep -vcE "#error|needs C\+\+20|error generated")" -eq 0 ]
  }
  consumer_step "C++17 is one #error, g++" "$work/cxx17-g++.txt" consumer_cxx17 g++
  consumer_step "C++17 is one #error, clang++" "$work/cxx17-clang++.txt" consumer_cxx17 clang++
}

# Run alone: count, report, exit non-zero on a failure.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  cd "$(dirname "$0")/../.." || exit 2
  . scripts/lib/common.sh
  ensure_packages "${BASE_PACKAGES[@]}" "${TENSOR_PACKAGES[@]}" "${CONSUMER_PACKAGES[@]}" clang
  passed=0 failed=0
  failures=()
  start=$SECONDS
  run_consumer_tests
  for f in "${failures[@]}"; do echo "FAILED: $f"; done
  echo "$passed passed, $failed failed ($((SECONDS - start)) s)"
  [ "$failed" -eq 0 ]
fi
