// 64-byte aligned, zero-filled storage shared by tensors and the runtime's buffers (oneDNN and the AVX
// kernels want cache-line alignment).
#pragma once
#include <cstddef>
#include <memory>

namespace qd {

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes);

}  // namespace qd
