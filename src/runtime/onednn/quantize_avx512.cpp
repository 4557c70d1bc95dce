#include "runtime/onednn/quantize_avx512.h"

#include <string>

#include "runtime/cpu_isa.h"

namespace qd::runtime::onednn {

bool quantize_avx512_available() {
  static const bool avx512 = onednn_cpu_isa().rfind("avx512", 0) == 0 && __builtin_cpu_supports("avx512f");
  return avx512;
}

__attribute__((target("avx512f"))) void quantize_span_avx512(const float* x, int8_t* y, int64_t count,
                                                             float step) {
  const QuantizeStep16 s = quantize_step16(step);
  int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm512_cvtsepi32_epi8(quantize_avx512(_mm512_loadu_ps(x + i), s)));
  if (i < count) {
    const __mmask16 m = static_cast<__mmask16>((1u << (count - i)) - 1);
    _mm512_mask_cvtsepi32_storeu_epi8(y + i, m, quantize_avx512(_mm512_maskz_loadu_ps(m, x + i), s));
  }
}

}  // namespace qd::runtime::onednn
