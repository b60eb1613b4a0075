// What an op's record keeps for its VJP beyond the node's value (detail::kept_of), in buffers
// each thread reuses from call to call.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace tt::detail {

/// What a record keeps for its VJP (conv2d's im2col matrix, a cross-entropy's softmax), in
/// buffers each thread reuses from call to call. A new buffer per call of conv2d_f32's 85 KiB
/// was freed to the top of the heap, trimmed, and faulted in again on the next call (page faults
/// were a quarter of the step on clang), and each would count as an allocation per step. A record
/// takes a buffer in its forward pass and gives it back when it is destroyed; a thread keeps up to
/// `shelved` of them.
template <class T>
class kept_buffer {
 public:
  static constexpr std::size_t shelved = 4;
  kept_buffer() = default;
  kept_buffer(const kept_buffer& o) : v_(o.v_) {}  // a persistent tape's copy: its own
  kept_buffer(kept_buffer&& o) noexcept : v_(std::move(o.v_)) { o.v_ = {}; }
  kept_buffer& operator=(kept_buffer o) noexcept {
    std::swap(v_, o.v_);
    return *this;
  }
  ~kept_buffer() { give_back(); }
  /// n elements to write, from the thread's shelf where it has a buffer.
  T* take(std::size_t n) {
    give_back();
    shelf* s = shelf::get();
    if (s != nullptr && !s->free.empty()) {
      v_ = std::move(s->free.back());
      s->free.pop_back();
    }
    if (v_.size() < n) v_.resize(n);
    return v_.data();
  }
  const T* data() const noexcept { return v_.data(); }
  bool empty() const noexcept { return v_.empty(); }

 private:
  struct shelf {
    std::vector<std::vector<T>> free;
    shelf() { free.reserve(shelved); }
    ~shelf() { gone() = true; }
    shelf(const shelf&) = delete;
    shelf& operator=(const shelf&) = delete;
    static bool& gone() {  // the thread's shelf is destroyed (a record outlives it at thread exit)
      thread_local bool g = false;
      return g;
    }
    static shelf* get() {
      if (gone()) return nullptr;
      thread_local shelf s;
      return &s;
    }
  };
  void give_back() noexcept {
    if (v_.empty()) return;
    shelf* s = shelf::get();
    if (s != nullptr && s->free.size() < shelved) s->free.push_back(std::move(v_));
    v_ = {};
  }
  std::vector<T> v_;
};

}  // namespace tt::detail
