#include "runtime/onednn/concat_nhwc.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/cpu_isa.h"

namespace qd::runtime::onednn {

namespace {

// Copies n bytes: 32-byte vectors, the last one overlapping the previous when n is not a multiple of 32
// (runs are short, 16-1000 bytes: a byte tail loop would cost as much as the vectors).
__attribute__((target("avx2,fma"))) inline void copy_run_avx2(const char* src, char* dst, size_t n) {
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

inline void copy_run_plain(const char* src, char* dst, size_t n) { std::memcpy(dst, src, n); }

// Pixels [p0, p1) of image ni: each piece's runs (one per pixel for nhwc, one per channel block for
// nChw<B>c) into the output rows.
// Always inlined, so in concat_pixels_avx2 the AVX2 copies inline too.
template <void (*Copy)(const char*, char*, size_t)>
__attribute__((always_inline)) inline void concat_pixels(const std::vector<NhwcPiece>& pieces, size_t elem,
                                                         int64_t hw, size_t dst_row, char* dst, int64_t ni,
                                                         int64_t p0, int64_t p1) {
  size_t offset = 0;
  for (const NhwcPiece& piece : pieces) {
    const auto* src = static_cast<const char*>(piece.data);
    const int64_t B = block_of(piece.layout);
    if (B == 0) {
      const size_t run = static_cast<size_t>(piece.channels) * elem;
      for (int64_t p = p0; p < p1; ++p)
        Copy(src + static_cast<size_t>(ni * hw + p) * run,
             dst + static_cast<size_t>(ni * hw + p) * dst_row + offset, run);
    } else {
      const int64_t blocks = piece.channels / B;
      const size_t run = static_cast<size_t>(B) * elem;
      for (int64_t p = p0; p < p1; ++p)
        for (int64_t cb = 0; cb < blocks; ++cb)
          Copy(src + static_cast<size_t>((ni * blocks + cb) * hw + p) * run,
               dst + static_cast<size_t>(ni * hw + p) * dst_row + offset + static_cast<size_t>(cb) * run,
               run);
    }
    offset += static_cast<size_t>(piece.channels) * elem;
  }
}

__attribute__((target("avx2,fma"))) void concat_pixels_avx2(const std::vector<NhwcPiece>& pieces, size_t elem,
                                                        int64_t hw, size_t dst_row, char* dst, int64_t ni,
                                                        int64_t p0, int64_t p1) {
  concat_pixels<copy_run_avx2>(pieces, elem, hw, dst_row, dst, ni, p0, p1);
}

const bool kConcatNhwcHasAvx2 = cpu_has_avx2();

}  // namespace

void concat_to_nhwc(const std::vector<NhwcPiece>& pieces, size_t elem_bytes, int64_t n, int64_t hw,
                    void* dst) {
  size_t dst_row = 0;
  for (const NhwcPiece& p : pieces) dst_row += static_cast<size_t>(p.channels) * elem_bytes;
  // Blocks of 32 pixels (a blocked piece's runs of one block are then 32 consecutive vectors).
  constexpr int64_t kPixels = 32;
  const int64_t per_image = (hw + kPixels - 1) / kPixels, blocks = n * per_image;
  char* out = static_cast<char*>(dst);
  // One thread below ~256 KB (a fork costs more than the copy).
#pragma omp parallel for schedule(static) if (static_cast <size_t>(n * hw) * dst_row >= (size_t{1} << 18))
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t ni = blk / per_image, p0 = blk % per_image * kPixels, p1 = std::min(hw, p0 + kPixels);
    if (kConcatNhwcHasAvx2)
      concat_pixels_avx2(pieces, elem_bytes, hw, dst_row, out, ni, p0, p1);
    else
      concat_pixels<copy_run_plain>(pieces, elem_bytes, hw, dst_row, out, ni, p0, p1);
  }
}

void ConcatNhwcStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& buf = *ctx.buffers;
  std::vector<NhwcPiece> pieces;
  pieces.reserve(inputs_.size());
  for (const ConcatInput& in : inputs_) pieces.push_back({buf[in.buffer], in.channels, in.layout});
  concat_to_nhwc(pieces, elem_, n_, hw_, buf[dst_]);
}

}  // namespace qd::runtime::onednn
