#include "runtime/onednn/concat_nhwc.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace qd::runtime::onednn {

namespace {

// Copies n bytes: 32-byte vectors, the last one overlapping the previous when n is not a multiple of 32
// (rows are short, 16-1000 bytes: a byte tail loop would cost as much as the vectors).
__attribute__((target("avx2"))) inline void copy_run_avx2(const char* src, char* dst, size_t n) {
  if (n < 32) {
    std::memcpy(dst, src, n);
    return;
  }
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
  if (i < n)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + n - 32),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + n - 32)));
}

__attribute__((target("avx2"))) void concat_rows_avx2(const std::vector<const void*>& srcs,
                                                      const std::vector<size_t>& row_bytes, size_t dst_row,
                                                      char* dst, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    char* d = dst + static_cast<size_t>(r) * dst_row;
    for (size_t i = 0; i < srcs.size(); ++i) {
      copy_run_avx2(static_cast<const char*>(srcs[i]) + static_cast<size_t>(r) * row_bytes[i], d,
                    row_bytes[i]);
      d += row_bytes[i];
    }
  }
}

// __builtin_cpu_init first: this runs as a static initializer, possibly before libgcc's own.
const bool kConcatRowsHasAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));

}  // namespace

void concat_rows(const std::vector<const void*>& srcs, const std::vector<size_t>& row_bytes, void* dst,
                 int64_t rows) {
  size_t dst_row = 0;
  for (size_t b : row_bytes) dst_row += b;
  constexpr int64_t kRows = 32;
  const int64_t chunks = (rows + kRows - 1) / kRows;
  char* out = static_cast<char*>(dst);
  // One thread below ~256 KB (a fork costs more than the copy).
#pragma omp parallel for schedule(static) if (static_cast <size_t>(rows) * dst_row >= (size_t{1} << 18))
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t r0 = ch * kRows, r1 = std::min(rows, r0 + kRows);
    if (kConcatRowsHasAvx2) {
      concat_rows_avx2(srcs, row_bytes, dst_row, out, r0, r1);
      continue;
    }
    for (int64_t r = r0; r < r1; ++r) {
      char* d = out + static_cast<size_t>(r) * dst_row;
      for (size_t i = 0; i < srcs.size(); ++i) {
        std::memcpy(d, static_cast<const char*>(srcs[i]) + static_cast<size_t>(r) * row_bytes[i],
                    row_bytes[i]);
        d += row_bytes[i];
      }
    }
  }
}

void ConcatNhwcStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& buf = *ctx.buffers;
  std::vector<const void*> srcs;
  srcs.reserve(srcs_.size());
  for (int s : srcs_) srcs.push_back(buf[s]);
  concat_rows(srcs, row_bytes_, buf[dst_], rows_);
}

}  // namespace qd::runtime::onednn
