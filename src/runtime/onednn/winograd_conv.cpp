#include "runtime/onednn/winograd_conv.h"

#include <immintrin.h>
#include <omp.h>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/winograd_activation.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_FMA __attribute__((target("avx2,fma")))

bool cpu_has_avx2_fma() {
  static const bool ok = cpu_has_avx2() && __builtin_cpu_supports("fma");
  return ok;
}

// V[p][t][c] = (B^T d B)[p] for every 4x4 input patch d (zero outside the image) of tile t, with
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
// One row of tiles (n, ty); channel blocks innermost, so each tile writes C contiguous floats per position.
QD_AVX2_FMA void input_transform_row(const WinogradShape& s, const float* src, float* v, int64_t row) {
  const int64_t CB = s.C / 8, TH = s.tiles_h(), TW = s.tiles_w(), T = s.tiles();
  const int64_t pstride = T * s.C, cstride = s.H * s.W * 8;
  const int64_t n = row / TH, ty = row % TH;
  const int64_t y0 = 2 * ty - s.pad_top;
  for (int64_t tx = 0; tx < TW; ++tx) {
    const int64_t x0 = 2 * tx - s.pad_left;
    const bool inside = y0 >= 0 && y0 + 4 <= s.H && x0 >= 0 && x0 + 4 <= s.W;
    // Offset of the patch's top-left pixel (negative in the padding); only in-image pixels are addressed.
    const int64_t corner = n * CB * cstride + (y0 * s.W + x0) * 8;
    float* out = v + ((n * TH + ty) * TW + tx) * s.C;
    for (int64_t cb = 0; cb < CB; ++cb, out += 8) {
      __m256 d[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          d[i][j] = inside || (y0 + i >= 0 && y0 + i < s.H && x0 + j >= 0 && x0 + j < s.W)
                        ? _mm256_loadu_ps(src + corner + cb * cstride + (i * s.W + j) * 8)
                        : _mm256_setzero_ps();
      __m256 t[4][4];
      for (int j = 0; j < 4; ++j) {
        t[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
        t[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
        t[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
        t[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
      }
      for (int i = 0; i < 4; ++i) {
        _mm256_storeu_ps(out + (i * 4 + 0) * pstride, _mm256_sub_ps(t[i][0], t[i][2]));
        _mm256_storeu_ps(out + (i * 4 + 1) * pstride, _mm256_add_ps(t[i][1], t[i][2]));
        _mm256_storeu_ps(out + (i * 4 + 2) * pstride, _mm256_sub_ps(t[i][2], t[i][1]));
        _mm256_storeu_ps(out + (i * 4 + 3) * pstride, _mm256_sub_ps(t[i][1], t[i][3]));
      }
    }
  }
}

// dst = post(pre(A^T M A + bias) [+ dst]) for every 2x2 output tile, A^T = [1 1 1 0; 0 1 -1 -1].
// One row of tiles (n, ty); output channel blocks innermost, so each tile reads OC contiguous floats per
// position.
QD_AVX2_FMA void output_transform_row(const WinogradShape& s, const float* m, float* dst,
                                      const WinogradEpilogue& e, int64_t row) {
  const int64_t OB = s.OC / 8, TH = s.tiles_h(), TW = s.tiles_w(), T = s.tiles();
  const int64_t pstride = T * s.OC, ostride = s.OH * s.OW * 8;
  const int64_t n = row / TH, ty = row % TH;
  const int rows = 2 * ty + 1 < s.OH ? 2 : 1;
  for (int64_t tx = 0; tx < TW; ++tx) {
    const float* in = m + ((n * TH + ty) * TW + tx) * s.OC;
    float* tile_out = dst + n * OB * ostride + (2 * ty * s.OW + 2 * tx) * 8;
    const int cols = 2 * tx + 1 < s.OW ? 2 : 1;
    for (int64_t ob = 0; ob < OB; ++ob, in += 8, tile_out += ostride) {
      __m256 r[2][4];  // A^T M
      for (int j = 0; j < 4; ++j) {
        const __m256 m0 = _mm256_loadu_ps(in + (0 * 4 + j) * pstride),
                     m1 = _mm256_loadu_ps(in + (1 * 4 + j) * pstride),
                     m2 = _mm256_loadu_ps(in + (2 * 4 + j) * pstride),
                     m3 = _mm256_loadu_ps(in + (3 * 4 + j) * pstride);
        r[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        r[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      const __m256 bias = _mm256_loadu_ps(e.bias.data() + ob * 8);
      for (int i = 0; i < rows; ++i) {
        const __m256 y[2] = {_mm256_add_ps(_mm256_add_ps(r[i][0], r[i][1]), r[i][2]),
                             _mm256_sub_ps(_mm256_sub_ps(r[i][1], r[i][2]), r[i][3])};
        for (int j = 0; j < cols; ++j) {
          float* out = tile_out + (i * s.OW + j) * 8;
          __m256 v = _mm256_add_ps(y[j], bias);
          for (const auto& a : e.pre_sum) v = apply_winograd_activation(a, v);
          if (e.sum) v = _mm256_add_ps(v, _mm256_loadu_ps(out));
          for (const auto& a : e.post_sum) v = apply_winograd_activation(a, v);
          _mm256_storeu_ps(out, v);
        }
      }
    }
  }
}

// The OpenMP loops live outside the AVX2 functions: an outlined parallel region does not inherit the
// target attribute, and clang rejects __m256 values there.
void input_transform(const WinogradShape& s, const float* src, float* v) {
  const int64_t rows = s.N * s.tiles_h();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) input_transform_row(s, src, v, r);
}

void output_transform(const WinogradShape& s, const float* m, float* dst, const WinogradEpilogue& e) {
  const int64_t rows = s.N * s.tiles_h();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) output_transform_row(s, m, dst, e, r);
}

}  // namespace

bool winograd_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                        const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2_fma()) return false;
  if (weight_shape.size() != 4 || weight_shape[2] != 3 || weight_shape[3] != 3) return false;
  if (a.kernel_h != 3 || a.kernel_w != 3 || a.stride_h != 1 || a.stride_w != 1 || a.dilation_h != 1 ||
      a.dilation_w != 1 || a.group != 1)
    return false;
  if (weight_shape[0] % 8 != 0 || weight_shape[1] % 8 != 0) return false;
  for (const auto& act : activations)
    if (!winograd_activation_supported(act)) return false;
  return true;
}

Tensor winograd_f23_weights(const Tensor& w) {
  const int64_t OC = w.dim(0), C = w.dim(1);
  Tensor u(DataType::f32, {16, C, OC});
  const float* wd = w.data<float>();
  float* ud = u.data<float>();
  // G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
  static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = wd + (o * C + c) * 9;
      double gt[4][3];  // G g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j)
          gt[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const double v = gt[i][0] * G[j][0] + gt[i][1] * G[j][1] + gt[i][2] * G[j][2];  // (G g) G^T
          ud[((i * 4 + j) * C + c) * OC + o] = static_cast<float>(v);
        }
    }
  return u;
}

void WinogradConvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  input_transform(s_, static_cast<const float*>(b[src_]), static_cast<float*>(b[v_]));
  gemm_->execute(ctx);
  ctx.stream->wait();
  output_transform(s_, static_cast<const float*>(b[m_]), static_cast<float*>(b[dst_]), epilogue_);
}

}  // namespace qd::runtime::onednn
