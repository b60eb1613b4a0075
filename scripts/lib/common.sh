# Shared by the README's commands: installs what is missing from Debian's
# packages (as root on a fresh machine), and configures meson build directories.

# ensure_packages PKG...: apt-get install the packages that are not installed yet.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "error: could not install ${missing[*]}" >&2; exit 2; }
}

# setup_build DIR COMPILER [MESON-OPTIONS...]: configure DIR once (reconfigure if it exists).
# Our own builds treat warnings as errors (-Dwerror=true; meson.build leaves it off for users);
# a caller's -Dwerror=false, after it, wins.
setup_build() {
  local dir=$1 compiler=$2
  shift 2
  if [ -f "$dir/build.ninja" ]; then
    # (meson 1.0's --reconfigure does not apply a changed cpp_args; configure does)
    meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null &&
      meson configure "$dir" -Dwerror=true "$@" >/dev/null
  else
    CXX=$compiler meson setup "$dir" -Dwerror=true "$@" >/dev/null
  fi
}

# The packages every build needs (the library itself needs only a C++20 compiler).
BASE_PACKAGES=(meson ninja-build pkg-config g++ python3 libboost-dev)
# What <typetape/tensor.hpp> needs: xtensor and xsimd headers, and a cblas.
TENSOR_PACKAGES=(xtensor-dev xtl-dev libxsimd-dev libopenblas-dev)
# What the consumer tests need besides (scripts/lib/consumer_test.sh): CMake for the installed
# package and the top-level CMakeLists.txt, and Netlib's reference BLAS with its cblas.h.
CONSUMER_PACKAGES=(cmake libblas-dev)
# What <typetape/parallel.hpp> needs (oneTBB), and the MPI example.
PARALLEL_PACKAGES=(libtbb-dev libopenmpi-dev openmpi-bin)
# The peer AD libraries bench/ compares with (Sacado needs its Kokkos and Teuchos headers).
PEER_PACKAGES=(libtrilinos-sacado-dev libtrilinos-kokkos-dev libtrilinos-teuchos-dev libadolc-dev
  libboost-math-dev libeigen3-dev)
