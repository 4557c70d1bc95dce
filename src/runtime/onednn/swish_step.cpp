#include "runtime/onednn/swish_step.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/exp_cubic.h"
#include "runtime/onednn/quantize_avx512.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX512_SWISH __attribute__((target("avx512f")))

// exp(v) for v in [-88.38, 88.38] (the caller clamps), exp_cubic.h's approximation (Cephes' quintic p was
// more exact than float needs and took two more FMAs per vector, ~15% of the pass), 2^n by scalef.
QD_AVX512_SWISH inline __m512 swish_exp512(__m512 v) {
  using namespace exp_cubic;
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), v);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP3);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP0));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.f));
  return _mm512_scalef_ps(e, n);
}

constexpr float kSwishExpLimit = 88.3762626647949f;  // exp(+-limit) stays finite

// exp(-x) with its argument clamped to +-limit.
QD_AVX512_SWISH inline __m512 swish_exp_neg512(__m512 x, float limit) {
  return swish_exp512(_mm512_max_ps(
      _mm512_set1_ps(-limit), _mm512_min_ps(_mm512_sub_ps(_mm512_setzero_ps(), x), _mm512_set1_ps(limit))));
}

QD_AVX512_SWISH inline __m512 swish512(__m512 x) {
  const __m512 d = _mm512_add_ps(swish_exp_neg512(x, kSwishExpLimit), _mm512_set1_ps(1.f));  // in [1, 2.4e38]
  // Below -88.38 exp(-x) would overflow: the true value (|y| < 5e-37) is taken as 0 (NaN stays NaN).
  const __mmask16 finite = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-kSwishExpLimit), _CMP_NLT_UQ);
  return _mm512_maskz_div_ps(finite, x, d);
}

QD_AVX512_SWISH void swish_avx512(float* x, int64_t count) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, swish512(_mm512_loadu_ps(x + i)));
  if (i < count) {
    const __mmask16 m = static_cast<__mmask16>((1u << (count - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, swish512(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

// Swish in place over `rows` rows of 16 * NV floats (the last vector masked by `tail`) spaced `stride`
// floats apart, each column's outputs summed in row order into sums[0, 16 * NV). Masked-off lanes load 0,
// whose Swish is 0.
template <int NV>
QD_AVX512_SWISH void swish_column_sums(float* x, int64_t rows, int64_t stride, __mmask16 tail, float* sums) {
  __m512 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * stride;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v == NV - 1 ? tail : static_cast<__mmask16>(0xFFFF);
      const __m512 y = swish512(_mm512_maskz_loadu_ps(m, row + 16 * v));
      _mm512_mask_storeu_ps(row + 16 * v, m, y);
      acc[v] = _mm512_add_ps(acc[v], y);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) _mm512_storeu_ps(sums + 16 * v, acc[v]);
}

// round_half_away(x / ((1 + exp(-x)) * step)) clamped to +-127, as int32 lanes: one division for Swish and
// the quantization step together.
QD_AVX512_SWISH inline __m512i swish_quantize16(__m512 x, __m512 step) {
  const __m512 e = swish_exp_neg512(x, 88.f);  // (e^88 + 1) * step stays finite for steps up to ~2
  return round_half_away_127_avx512(_mm512_div_ps(x, _mm512_fmadd_ps(e, step, step)));
}

QD_AVX512_SWISH void swish_quantize_avx512(const float* x, int8_t* y, int64_t count, float step) {
  const __m512 s = _mm512_set1_ps(step);
  int64_t i = 0;
  // Four vectors per iteration: one vector's exp, division and rounding are a long dependent chain.
  for (; i + 64 <= count; i += 64) {
    __m512i q[4];
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) q[k] = swish_quantize16(_mm512_loadu_ps(x + i + 16 * k), s);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i + 16 * k), _mm512_cvtsepi32_epi8(q[k]));
  }
  for (; i + 16 <= count; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm512_cvtsepi32_epi8(swish_quantize16(_mm512_loadu_ps(x + i), s)));
  if (i < count) {
    const __mmask16 m = static_cast<__mmask16>((1u << (count - i)) - 1);
    _mm512_mask_cvtsepi32_storeu_epi8(y + i, m, swish_quantize16(_mm512_maskz_loadu_ps(m, x + i), s));
  }
}

}  // namespace

bool swish_pass_available() {
  static const bool avx512 = onednn_cpu_isa().rfind("avx512", 0) == 0 && __builtin_cpu_supports("avx512f");
  return avx512;
}

void swish_inplace(float* x, int64_t count) { swish_avx512(x, count); }

void swish_quantize(const float* x, int8_t* y, int64_t count, float step) {
  swish_quantize_avx512(x, y, count, step);
}

void SwishStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // the convolution has written the buffer
  float* x = static_cast<float*>((*ctx.buffers)[buffer_]);
  constexpr int64_t kChunk = 1 << 18;  // elements per thread task (~75 us): smaller ones are not worth a fork
  const int64_t chunks = (count_ + kChunk - 1) / kChunk;
  const int threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), chunks));
  if (threads <= 1) return swish_inplace(x, count_);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) swish_inplace(x + c * kChunk, std::min(kChunk, count_ - c * kChunk));
}

void swish_inplace_channel_means(float* x, const SwishPoolShape& s, float* mean) {
  const int64_t HW = s.H * s.W, C = s.C;
  // Work units: one channel block of 16 (nChw16c) or 64 channels (nhwc) of one image, over all its pixels.
  const int64_t width = s.blocked16 ? 16 : 64, per_image = (C + width - 1) / width, units = s.N * per_image;
  const float count = static_cast<float>(HW);
  auto unit = [&](int64_t u) {
    const int64_t n = u / per_image, c0 = (u % per_image) * width, cols = std::min(width, C - c0);
    alignas(64) float sums[64];
    if (s.blocked16) {
      swish_column_sums<1>(x + u * HW * 16, HW, 16, 0xFFFF, sums);  // padded channels hold 0
    } else {
      float* first = x + n * HW * C + c0;
      const __mmask16 tail = static_cast<__mmask16>(cols % 16 ? (1u << (cols % 16)) - 1 : 0xFFFFu);
      switch ((cols + 15) / 16) {
        case 1:
          swish_column_sums<1>(first, HW, C, tail, sums);
          break;
        case 2:
          swish_column_sums<2>(first, HW, C, tail, sums);
          break;
        case 3:
          swish_column_sums<3>(first, HW, C, tail, sums);
          break;
        default:
          swish_column_sums<4>(first, HW, C, tail, sums);
      }
    }
    if (s.blocked16)  // the means in nChw16c too: padded channels' 0 as oneDNN expects
      for (int c = 0; c < 16; ++c) mean[u * 16 + c] = sums[c] / count;
    else
      for (int64_t c = 0; c < cols; ++c) mean[n * C + c0 + c] = sums[c] / count;
  };
  constexpr int64_t kMinParallel = 1 << 17;  // elements: below this a fork costs more than it saves
  const int threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), units));
  if (threads <= 1 || s.N * C * HW < kMinParallel) {
    for (int64_t u = 0; u < units; ++u) unit(u);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t u = 0; u < units; ++u) unit(u);
}

void SwishPoolStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // the convolution has written the buffer
  swish_inplace_channel_means(static_cast<float*>((*ctx.buffers)[buffer_]), shape_,
                              static_cast<float*>((*ctx.buffers)[mean_]));
}

void SwishQuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // the convolution has written the scratch buffer
  const float* x = static_cast<const float*>((*ctx.buffers)[src_]);
  int8_t* y = static_cast<int8_t*>((*ctx.buffers)[dst_]);
  constexpr int64_t kChunk = 1 << 18;  // elements per thread task, as SwishStep
  const int64_t chunks = (count_ + kChunk - 1) / kChunk;
  const int threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), chunks));
  auto run = [&](int64_t begin, int64_t end) { swish_quantize(x + begin, y + begin, end - begin, step_); };
  if (threads <= 1) return run(0, count_);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) run(c * kChunk, std::min(count_, (c + 1) * kChunk));
}

}  // namespace qd::runtime::onednn
