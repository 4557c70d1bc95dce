#include "runtime/onednn/batchnorm_relu_quantize.h"

#include "runtime/cpu_isa.h"
#include "runtime/onednn/bn_relu_lanes.h"

namespace qd::runtime::onednn {

namespace {

// q[k] = bn_relu_u8(x[k], ...) for k in [0, count) rounded down to a multiple of 8; the per-channel arrays
// advance with k when `per_element`, else their index 0 serves every k. Returns how many it did.
QD_AVX2_BN_LANES int64_t bn_relu_quantize_avx2(const float* x, uint8_t* q, int64_t count, const float* g,
                                               const float* m, const float* inv, const float* b,
                                               bool per_element, float step) {
  __m256 gv = _mm256_set1_ps(g[0]), mv = _mm256_set1_ps(m[0]), iv = _mm256_set1_ps(inv[0]),
         bv = _mm256_set1_ps(b[0]);
  const __m256 step_v = _mm256_set1_ps(step), rstep_v = _mm256_set1_ps(1.f / step);
  int64_t k = 0;
  for (; k + 8 <= count; k += 8) {
    if (per_element) {
      gv = _mm256_loadu_ps(g + k);
      mv = _mm256_loadu_ps(m + k);
      iv = _mm256_loadu_ps(inv + k);
      bv = _mm256_loadu_ps(b + k);
    }
    const __m256 y = bn_relu8(_mm256_loadu_ps(x + k), gv, mv, iv, bv);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + k), quantize8_u8(y, step_v, rstep_v));
  }
  return k;
}

const bool kBnHasAvx2 = cpu_has_avx2();

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
      for (int64_t k = done; k < row; ++k) qr[k] = bn_relu_u8(xr[k], g[k], m[k], inv[k], b[k], step);
    } else {
      const int64_t k = r % c;
      const int64_t done =
          kBnHasAvx2 ? bn_relu_quantize_avx2(xr, qr, row, g + k, m + k, inv + k, b + k, false, step) : 0;
      for (int64_t i = done; i < row; ++i) qr[i] = bn_relu_u8(xr[i], g[k], m[k], inv[k], b[k], step);
    }
  }
}

void BatchNormReluQuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  batchnorm_relu_quantize(static_cast<const float*>((*ctx.buffers)[src_]),
                          static_cast<uint8_t*>((*ctx.buffers)[dst_]), n_, c_, hw_, nhwc_, ch_, step_);
}

}  // namespace qd::runtime::onednn
