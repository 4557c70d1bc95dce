#include "runtime/onednn/batchnorm_relu_quantize.h"

#include <immintrin.h>

#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_BN __attribute__((target("avx2")))

// The reference's BN + Relu for one element, in its operation order (the baseline build has no FMA, so
// nothing is contracted here or in the AVX2 loop).
inline float bn_relu(float x, float g, float m, float inv, float b) {
  const float v = g * (x - m) * inv + b;
  return v > 0.f ? v : 0.f;
}

// q[k] = quantize_value(bn_relu(x[k], ...), step) for k in [0, count) rounded down to a multiple of 8; the
// per-channel arrays advance with k when `per_element`, else their index 0 serves every k. Returns how many
// it did. The reference divides by the step; a multiply by 1/step is within 2 ulp of it, which changes the
// rounded result only when v is within 1e-4 of a half integer (v < 256; above that both clamp to 127), so
// such vectors take the true division.
QD_AVX2_BN int64_t bn_relu_quantize_avx2(const float* x, uint8_t* q, int64_t count, const float* g,
                                         const float* m, const float* inv, const float* b, bool per_element,
                                         float step) {
  __m256 gv = _mm256_set1_ps(g[0]), mv = _mm256_set1_ps(m[0]), iv = _mm256_set1_ps(inv[0]),
         bv = _mm256_set1_ps(b[0]);
  const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.f);
  const __m256 step_v = _mm256_set1_ps(step), rstep = _mm256_set1_ps(1.f / step);
  const __m256 near = _mm256_set1_ps(1e-4f), big = _mm256_set1_ps(256.f), qmax = _mm256_set1_ps(127.f);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  int64_t k = 0;
  for (; k + 8 <= count; k += 8) {
    if (per_element) {
      gv = _mm256_loadu_ps(g + k);
      mv = _mm256_loadu_ps(m + k);
      iv = _mm256_loadu_ps(inv + k);
      bv = _mm256_loadu_ps(b + k);
    }
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + k), mv);
    const __m256 y = _mm256_max_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(gv, d), iv), bv), zero);
    __m256 v = _mm256_mul_ps(y, rstep);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_sub_ps(v, t);
    const __m256 close =
        _mm256_and_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_sub_ps(frac, half), abs_mask), near, _CMP_LT_OQ),
                      _mm256_cmp_ps(v, big, _CMP_LT_OQ));
    if (!_mm256_testz_ps(close, close)) {  // rare: the reference's true division decides
      v = _mm256_div_ps(y, step_v);
      t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      frac = _mm256_sub_ps(v, t);
    }
    t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), one));  // v >= 0: half up
    const __m256i i32 = _mm256_cvttps_epi32(_mm256_min_ps(t, qmax));
    const __m128i i16 = _mm_packus_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + k), _mm_packus_epi16(i16, i16));
  }
  return k;
}

// __builtin_cpu_init first: this runs as a static initializer, possibly before libgcc's own.
const bool kBnHasAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));

}  // namespace

void batchnorm_relu_quantize(const float* x, uint8_t* q, int64_t n, int64_t c, int64_t hw, bool nhwc,
                             const BatchNormChannels& ch, float step) {
  // One contiguous row at a time: a pixel's channels (NHWC) or a channel's pixels (NCHW).
  const int64_t row = nhwc ? c : hw, rows = n * (nhwc ? hw : c);
  const float* g = ch.gamma.data();
  const float* b = ch.beta.data();
  const float* m = ch.mean.data();
  const float* inv = ch.inv_std.data();
  // Rows split over the step's OpenMP threads (one on small tensors, see the executor's min_parallel_work).
#pragma omp parallel for schedule(static) if (rows * row >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * row;
    uint8_t* qr = q + r * row;
    if (nhwc) {
      const int64_t done = kBnHasAvx2 ? bn_relu_quantize_avx2(xr, qr, row, g, m, inv, b, true, step) : 0;
      for (int64_t k = done; k < row; ++k)
        qr[k] = static_cast<uint8_t>(ref::quantize_value(bn_relu(xr[k], g[k], m[k], inv[k], b[k]), step));
    } else {
      const int64_t k = r % c;
      const int64_t done =
          kBnHasAvx2 ? bn_relu_quantize_avx2(xr, qr, row, g + k, m + k, inv + k, b + k, false, step) : 0;
      for (int64_t i = done; i < row; ++i)
        qr[i] = static_cast<uint8_t>(ref::quantize_value(bn_relu(xr[i], g[k], m[k], inv[k], b[k]), step));
    }
  }
}

void BatchNormReluQuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  batchnorm_relu_quantize(static_cast<const float*>((*ctx.buffers)[src_]),
                          static_cast<uint8_t*>((*ctx.buffers)[dst_]), n_, c_, hw_, nhwc_, ch_, step_);
}

}  // namespace qd::runtime::onednn
