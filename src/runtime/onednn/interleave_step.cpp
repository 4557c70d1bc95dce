#include "runtime/onednn/interleave_step.h"

#include <immintrin.h>

#include <vector>

namespace qd::runtime::onednn {

namespace {

// Three planes, 16 pixels: output byte j of the 48 is pixel j / 3 of plane j % 3; one pshufb mask per
// (output vector, plane) picks it (0x80: zero).
__attribute__((target("ssse3"))) int64_t interleave3(const uint8_t* p0, const uint8_t* p1, const uint8_t* p2,
                                                     uint8_t* out, int64_t HW) {
  alignas(16) static const auto masks = [] {
    std::vector<uint8_t> m(9 * 16);
    for (int v = 0; v < 3; ++v)
      for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 16; ++j) {
          const int byte = v * 16 + j;
          m[(v * 3 + k) * 16 + j] = byte % 3 == k ? static_cast<uint8_t>(byte / 3) : 0x80;
        }
    return m;
  }();
  const __m128i* mk = reinterpret_cast<const __m128i*>(masks.data());
  int64_t p = 0;
  for (; p + 16 <= HW; p += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + p));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + p));
    for (int v = 0; v < 3; ++v) {
      const __m128i r = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, _mm_loadu_si128(mk + v * 3)),
                                                  _mm_shuffle_epi8(b, _mm_loadu_si128(mk + v * 3 + 1))),
                                     _mm_shuffle_epi8(c, _mm_loadu_si128(mk + v * 3 + 2)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + p * 3 + v * 16), r);
    }
  }
  return p;
}

}  // namespace

void interleave_planes(const uint8_t* src, uint8_t* dst, int64_t N, int64_t C, int64_t HW) {
  for (int64_t n = 0; n < N; ++n) {
    const uint8_t* s = src + n * C * HW;
    uint8_t* d = dst + n * HW * C;
    int64_t p = 0;
    if (C == 3 && __builtin_cpu_supports("ssse3")) p = interleave3(s, s + HW, s + 2 * HW, d, HW);
    for (; p < HW; ++p)
      for (int64_t c = 0; c < C; ++c) d[p * C + c] = s[c * HW + p];
  }
}

void InterleavePlanesStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  interleave_planes(static_cast<const uint8_t*>((*ctx.buffers)[src_]),
                    static_cast<uint8_t*>((*ctx.buffers)[dst_]), N_, C_, HW_);
}

}  // namespace qd::runtime::onednn
