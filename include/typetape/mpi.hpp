// Many processes: data-parallel training over MPI (opt in: this header needs an MPI, Debian
// libopenmpi-dev, and building with mpicxx or its flags; the rest of typetape needs nothing).
//
//   tt::mpi::broadcast(model.params());              // every rank starts from rank 0's values
//   for (...) {
//     auto g = tt::gradient(local_loss, model.params());   // this rank's shard
//     tt::mpi::allreduce(g);                         // the sum over ranks, in place
//     opt.step(model.params(), g);                   // the same step on every rank
//   }
//
// A gradient structure is what tt::gradient returns: a number, a tensor, or a tuple of them.
// allreduce packs it into one buffer of doubles (float parts are widened, and rounded back
// after the sum) and makes one MPI_Allreduce call; it first checks, with a second, small
// allreduce, that every rank's structure has the same number of elements, and throws
// tt::shape_error on every rank if not (rather than let MPI read past a buffer or hang).
// The plain MPI C API; MPI must be initialised (MPI_Init) by the caller, and an MPI error
// aborts the job (MPI's default handler, MPI_ERRORS_ARE_FATAL).
#pragma once

// first: in a language mode older than C++20, its #error is the one diagnostic
#include "version.hpp"
#if TYPETAPE_LANGUAGE_OK

#include <mpi.h>

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace tt::mpi {

/// How allreduce combines the ranks' gradients.
enum class op { sum, mean };

namespace detail {

template <class G>
void for_each_part(G& g, auto&& f) {
  if constexpr (requires { std::tuple_size<std::remove_const_t<G>>::value; })
    std::apply([&](auto&... p) { (for_each_part(p, f), ...); }, g);
  else
    f(g);
}
/// Does every rank bring n elements? One allreduce of (n, -n) with MPI_MIN gives the smallest
/// and the largest; tt::shape_error on every rank if they differ (not a read past a buffer).
inline void same_size(std::size_t n, const char* what, MPI_Comm comm) {
  long counts[2] = {static_cast<long>(n), -static_cast<long>(n)};
  MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_LONG, MPI_MIN, comm);
  if (counts[0] != -counts[1])
    throw shape_error(std::string(what) + " differ in size: " + std::to_string(counts[0]) + " to " +
                      std::to_string(-counts[1]) + " elements");
}

/// Appends the elements of every part of g, in order, to buf as doubles.
template <class G>
void append(std::vector<double>& buf, const G& g) {
  std::size_t n = buf.size();
  for_each_part(g, [&](const auto& p) { n += tt::detail::element_count(p); });
  buf.reserve(n);
  for_each_part(g, [&](const auto& p) {
    const auto* d = tt::detail::element_data(p);
    for (std::size_t i = 0, n = tt::detail::element_count(p); i < n; ++i)
      buf.push_back(static_cast<double>(d[i]));
  });
}
/// Reads g's elements back from buf at k, times scale; returns where it stopped.
template <class G>
std::size_t read(G& g, const std::vector<double>& buf, std::size_t k, double scale) {
  for_each_part(g, [&](auto& p) {
    auto* d = tt::detail::element_data(p);
    using E = std::remove_cvref_t<decltype(*d)>;
    for (std::size_t i = 0, n = tt::detail::element_count(p); i < n; ++i)
      d[i] = static_cast<E>(buf[k++] * scale);
  });
  return k;
}

}  // namespace detail

/// In place: every rank's g becomes the sum (or the mean) of all ranks' g, one MPI_Allreduce of
/// one buffer. The same on every rank, bit for bit (MPI sums the buffer in one order for all).
template <class G>
void allreduce(G& g, op how = op::sum, MPI_Comm comm = MPI_COMM_WORLD) {
  std::vector<double> buf;
  detail::append(buf, g);
  detail::same_size(buf.size(), "allreduce: the ranks' gradients", comm);
  MPI_Allreduce(MPI_IN_PLACE, buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, MPI_SUM, comm);
  int size = 1;
  MPI_Comm_size(comm, &size);
  detail::read(g, buf, 0, how == op::mean ? 1.0 / size : 1.0);
}

/// Every rank's variables (one, or a tuple such as a model's params()) take root's values:
/// one MPI_Bcast. The shapes must already agree (each rank builds the same model).
template <class Params>
void broadcast(Params&& params, int root = 0, MPI_Comm comm = MPI_COMM_WORLD) {
  std::vector<double> buf;
  detail::for_each_part(params, [&](auto& v) { detail::append(buf, v.get()); });
  detail::same_size(buf.size(), "broadcast: the ranks' parameters", comm);
  MPI_Bcast(buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, root, comm);
  std::size_t k = 0;
  detail::for_each_part(params, [&](auto& v) {
    v.update([&](auto& value) { k = detail::read(value, buf, k, 1.0); });
  });
}

}  // namespace tt::mpi

#endif  // TYPETAPE_LANGUAGE_OK
