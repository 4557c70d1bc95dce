#include "runtime/onednn/winograd_int8_conv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_WINO8 __attribute__((target("avx2")))

bool cpu_has_avx2_wino8() {
  static const bool ok = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return ok;
}

bool activation_supported_int8(const ir::FusedActivation& a) {
  return a.kind == ir::OpKind::Relu || a.kind == ir::OpKind::LeakyRelu || a.kind == ir::OpKind::Clip;
}

// oneDNN's eltwise post-ops in the same operations (relu with alpha 0 = max(y, 0) up to the sign of 0).
QD_AVX2_WINO8 inline __m256 apply_activation_int8(const ir::FusedActivation& a, __m256 y) {
  switch (a.kind) {
    case ir::OpKind::Relu:
      return _mm256_max_ps(y, _mm256_setzero_ps());
    case ir::OpKind::LeakyRelu: {
      const __m256 neg = _mm256_mul_ps(y, _mm256_set1_ps(a.alpha));
      return _mm256_blendv_ps(neg, y, _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
    }
    case ir::OpKind::Clip:
      return _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(a.alpha)), _mm256_set1_ps(a.beta));
    default:
      return y;  // not reached: winograd_int8_supported admits only the cases above
  }
}

// V[p][c] = (B^T d B)[p] (int16) for the 4x4 u8 patch d of tile t, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0;
// 0 1 0 -1]; 16 channels per vector, channels >= C as zeros; position p at out + p * pstride.
QD_AVX2_WINO8 void input_transform_tile_int8(const WinogradInt8Shape& s, const uint8_t* src, int16_t* out,
                                             int64_t pstride, int64_t t) {
  const int64_t TH = s.tiles_h(), TW = s.tiles_w(), Cp = s.c_padded();
  const int64_t n = t / (TH * TW), ty = t / TW % TH, tx = t % TW;
  const int64_t y0 = 2 * ty - s.pad_top, x0 = 2 * tx - s.pad_left;
  alignas(32) uint8_t tail[16];
  for (int64_t c = 0; c < Cp; c += 16) {
    const bool full = c + 16 <= s.C;
    __m256i d[4][4];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t y = y0 + i, x = x0 + j;
        if (y < 0 || y >= s.H || x < 0 || x >= s.W) {
          d[i][j] = _mm256_setzero_si256();
          continue;
        }
        const uint8_t* px = src + ((n * s.H + y) * s.W + x) * s.C + c;
        if (!full) {
          std::memset(tail, 0, sizeof tail);
          std::memcpy(tail, px, static_cast<size_t>(s.C - c));
          px = tail;
        }
        d[i][j] = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(px)));
      }
    __m256i t4[4][4];
    for (int j = 0; j < 4; ++j) {
      t4[0][j] = _mm256_sub_epi16(d[0][j], d[2][j]);
      t4[1][j] = _mm256_add_epi16(d[1][j], d[2][j]);
      t4[2][j] = _mm256_sub_epi16(d[2][j], d[1][j]);
      t4[3][j] = _mm256_sub_epi16(d[1][j], d[3][j]);
    }
    for (int i = 0; i < 4; ++i) {
      const __m256i r[4] = {_mm256_sub_epi16(t4[i][0], t4[i][2]), _mm256_add_epi16(t4[i][1], t4[i][2]),
                            _mm256_sub_epi16(t4[i][2], t4[i][1]), _mm256_sub_epi16(t4[i][1], t4[i][3])};
      for (int j = 0; j < 4; ++j)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (i * 4 + j) * pstride + c), r[j]);
    }
  }
}

// M[t][oc] += V[t][c] U[c][oc] for NT tiles and 16 output channels of one position: each vpmaddwd
// multiplies a broadcast channel pair of one tile with the pairs of 8 output channels.
template <int NT>
QD_AVX2_WINO8 void gemm_tiles_int8(const int16_t* v, int64_t Cp, const int16_t* u, int32_t* m, int64_t OCp) {
  // Fully unrolled so the accumulators stay in registers (GCC spilled them otherwise).
  __m256i acc[NT][2];
#pragma GCC unroll 8
  for (int i = 0; i < NT; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int64_t k = 0; k < Cp; k += 2, u += 32) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 16));
#pragma GCC unroll 8
    for (int i = 0; i < NT; ++i) {
      int32_t pair;
      std::memcpy(&pair, v + i * Cp + k, sizeof pair);
      const __m256i b = _mm256_set1_epi32(pair);
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(b, w0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(b, w1));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < NT; ++i) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * OCp), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * OCp + 8), acc[i][1]);
  }
}

constexpr int kTileBlock = 6;  // 12 accumulators + 2 weight vectors + 1 broadcast of 16 ymm registers

// M[p] = V[p] U[p] for the nt tiles of one block: every position and 16-output-channel block.
QD_AVX2_WINO8 void gemm_block_int8(const WinogradInt8Shape& s, const int16_t* v, const int16_t* u, int32_t* m,
                                   int64_t nt) {
  const int64_t TB = s.tile_block, Cp = s.c_padded(), OCp = s.oc_padded(), OB = OCp / 16;
  for (int64_t p = 0; p < 16; ++p)
    for (int64_t ob = 0; ob < OB; ++ob) {
      const int16_t* vp = v + p * TB * Cp;
      const int16_t* up = u + (p * OB + ob) * Cp * 16;
      int32_t* mp = m + p * TB * OCp + ob * 16;
      int64_t t = 0;
      for (; t + kTileBlock <= nt; t += kTileBlock)
        gemm_tiles_int8<kTileBlock>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
      switch (nt - t) {
        case 5:
          gemm_tiles_int8<5>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
          break;
        case 4:
          gemm_tiles_int8<4>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
          break;
        case 3:
          gemm_tiles_int8<3>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
          break;
        case 2:
          gemm_tiles_int8<2>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
          break;
        case 1:
          gemm_tiles_int8<1>(vp + t * Cp, Cp, up, mp + t * OCp, OCp);
          break;
        default:
          break;
      }
    }
}

// acc = (A^T M A) / 4 of one tile and 8 output channels, A^T = [1 1 1 0; 0 1 -1 -1]; y[i][j] is output
// pixel (2*ty + i, 2*tx + j).
QD_AVX2_WINO8 inline void output_tile_int8(const int32_t* m, int64_t pstride, __m256i y[2][2]) {
  __m256i mm[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      mm[i][j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (i * 4 + j) * pstride));
  __m256i r[2][4];
  for (int j = 0; j < 4; ++j) {
    r[0][j] = _mm256_add_epi32(_mm256_add_epi32(mm[0][j], mm[1][j]), mm[2][j]);
    r[1][j] = _mm256_sub_epi32(_mm256_sub_epi32(mm[1][j], mm[2][j]), mm[3][j]);
  }
  for (int i = 0; i < 2; ++i) {
    y[i][0] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(r[i][0], r[i][1]), r[i][2]), 2);
    y[i][1] = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(r[i][1], r[i][2]), r[i][3]), 2);
  }
}

QD_AVX2_WINO8 inline __m256 load_dst_int8(const WinogradInt8Epilogue& e, const void* dst, int64_t off,
                                          int lanes) {
  alignas(32) float tmp[8] = {};
  if (e.dst == Int8Dst::f32) {
    const float* p = static_cast<const float*>(dst) + off;
    if (lanes == 8) return _mm256_loadu_ps(p);
    std::memcpy(tmp, p, sizeof(float) * static_cast<size_t>(lanes));
    return _mm256_load_ps(tmp);
  }
  alignas(16) uint8_t b[16] = {};
  std::memcpy(b, static_cast<const uint8_t*>(dst) + off, static_cast<size_t>(lanes));
  const __m128i raw = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
  return _mm256_cvtepi32_ps(e.dst == Int8Dst::u8 ? _mm256_cvtepu8_epi32(raw) : _mm256_cvtepi8_epi32(raw));
}

QD_AVX2_WINO8 inline void store_dst_int8(const WinogradInt8Epilogue& e, void* dst, int64_t off, int lanes,
                                         __m256 y) {
  if (e.dst == Int8Dst::f32) {
    float* p = static_cast<float*>(dst) + off;
    if (lanes == 8) return _mm256_storeu_ps(p, y);
    alignas(32) float tmp[8];
    _mm256_store_ps(tmp, y);
    std::memcpy(p, tmp, sizeof(float) * static_cast<size_t>(lanes));
    return;
  }
  // Clamped to [lo, 127] already; cvtps rounds half to even like oneDNN's store.
  const __m256i q = _mm256_cvtps_epi32(y);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  const __m128i b = e.dst == Int8Dst::u8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
  uint8_t* p = static_cast<uint8_t*>(dst) + off;
  if (lanes == 8) return _mm_storel_epi64(reinterpret_cast<__m128i*>(p), b);
  alignas(16) uint8_t tmp[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
  std::memcpy(p, tmp, static_cast<size_t>(lanes));
}

// Output transform + epilogue of tile t (its products at m + p * pstride) into nhwc dst, or, when acc_out is
// set, the plain int32 accumulators (for the tests).
QD_AVX2_WINO8 void output_transform_tile_int8(const WinogradInt8Shape& s, const int32_t* m, int64_t pstride,
                                              int64_t t, void* dst, const WinogradInt8Epilogue& e,
                                              int32_t* acc_out) {
  const int64_t TH = s.tiles_h(), TW = s.tiles_w();
  const int64_t n = t / (TH * TW), ty = t / TW % TH, tx = t % TW;
  const bool requant = e.dst != Int8Dst::f32;
  const __m256 lo = _mm256_set1_ps(e.dst == Int8Dst::u8 ? 0.f : -127.f), hi = _mm256_set1_ps(127.f),
               inv = _mm256_set1_ps(e.inv_step);
  for (int64_t oc = 0; oc < s.OC; oc += 8) {
    const int lanes = static_cast<int>(std::min<int64_t>(8, s.OC - oc));
    __m256i acc[2][2];
    output_tile_int8(m + oc, pstride, acc);
    for (int i = 0; i < 2; ++i) {
      const int64_t oy = 2 * ty + i;
      if (oy >= s.OH) break;
      for (int j = 0; j < 2; ++j) {
        const int64_t ox = 2 * tx + j;
        if (ox >= s.OW) break;
        const int64_t off = ((n * s.OH + oy) * s.OW + ox) * s.OC + oc;
        if (acc_out) {
          alignas(32) int32_t tmp[8];
          _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc[i][j]);
          std::memcpy(acc_out + off, tmp, sizeof(int32_t) * static_cast<size_t>(lanes));
          continue;
        }
        const __m256 bias = _mm256_loadu_ps(e.bias.data() + oc), scale = _mm256_loadu_ps(e.scale.data() + oc);
        __m256 y = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(acc[i][j]), bias), scale);
        for (const auto& a : e.pre_sum) y = apply_activation_int8(a, y);
        if (e.sum) y = _mm256_add_ps(y, load_dst_int8(e, dst, off, lanes));
        for (const auto& a : e.post_sum) y = apply_activation_int8(a, y);
        if (requant) y = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y, inv), lo), hi);
        store_dst_int8(e, dst, off, lanes, y);
      }
    }
  }
}

// One block of tiles start..start+nt: input transform, the 16 products, output transform; V and M are the
// block's own scratch.
QD_AVX2_WINO8 void run_block_int8(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u,
                                  int16_t* v, int32_t* m, int64_t block, void* dst,
                                  const WinogradInt8Epilogue& e, int32_t* acc_out) {
  const int64_t TB = s.tile_block, start = block * TB, nt = std::min(TB, s.tiles() - start);
  const int64_t Cp = s.c_padded(), OCp = s.oc_padded();
  for (int64_t i = 0; i < nt; ++i) input_transform_tile_int8(s, src, v + i * Cp, TB * Cp, start + i);
  gemm_block_int8(s, v, u, m, nt);
  for (int64_t i = 0; i < nt; ++i)
    output_transform_tile_int8(s, m + i * OCp, TB * OCp, start + i, dst, e, acc_out);
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions).
void run_int8(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u, int16_t* v, int32_t* m,
              void* dst, const WinogradInt8Epilogue& e, int32_t* acc_out) {
  const int64_t B = s.blocks();
  const int64_t v_block = 16 * s.tile_block * s.c_padded(), m_block = 16 * s.tile_block * s.oc_padded();
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < B; ++b)
    run_block_int8(s, src, u, v + b * v_block, m + b * m_block, b, dst, e, acc_out);
}

}  // namespace

int64_t winograd_int8_tile_block(const WinogradInt8Shape& s, int threads) {
  // Every block streams all of U (16 * C * OC int16, 0.1-8 MB): few, large blocks that still leave V and
  // M in the L2 cache (~512 KB), balanced, a multiple of the GEMM's tile block, and one per thread at least.
  const int64_t T = s.tiles(), per_tile = 16 * (s.c_padded() * 2 + s.oc_padded() * 4);
  const int64_t max_tb = std::max<int64_t>(kTileBlock, (512 << 10) / per_tile);
  const int64_t blocks =
      std::max<int64_t>((T + max_tb - 1) / max_tb, std::min<int64_t>(std::max(threads, 1), T));
  const int64_t tb = (T + blocks - 1) / blocks;
  return tb > kTileBlock ? (tb + kTileBlock - 1) / kTileBlock * kTileBlock : tb;
}

bool winograd_int8_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                             const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2_wino8()) return false;
  if (weight_shape.size() != 4 || weight_shape[2] != 3 || weight_shape[3] != 3) return false;
  if (a.kernel_h != 3 || a.kernel_w != 3 || a.stride_h != 1 || a.stride_w != 1 || a.dilation_h != 1 ||
      a.dilation_w != 1 || a.group != 1)
    return false;
  for (const auto& act : activations)
    if (!activation_supported_int8(act)) return false;
  return true;
}

bool winograd_int8_exact(const Tensor& qw) {
  const int64_t OC = qw.dim(0), per = qw.numel() / OC;
  const int8_t* w = qw.data<int8_t>();
  for (int64_t o = 0; o < OC; ++o) {
    int64_t sum = 0;
    for (int64_t i = 0; i < per; ++i) sum += std::abs(static_cast<int>(w[o * per + i]));
    if (4 * 127 * sum >= (int64_t{1} << 31)) return false;
  }
  return true;
}

std::vector<int16_t> winograd_int8_weights(const Tensor& qw, int64_t c_padded, int64_t oc_padded) {
  const int64_t OC = qw.dim(0), C = qw.dim(1);
  std::vector<int16_t> u(static_cast<size_t>(16 * c_padded * oc_padded), 0);
  const int8_t* wd = qw.data<int8_t>();
  static const int G[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};  // 2 G: integer
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const int8_t* g = wd + (o * C + c) * 9;
      int gt[4][3];  // (2G) g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j) gt[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const int val = gt[i][0] * G[j][0] + gt[i][1] * G[j][1] + gt[i][2] * G[j][2];  // |val| <= 9*127
          const int64_t p = i * 4 + j;
          u[static_cast<size_t>(
              (((p * (oc_padded / 16) + o / 16) * (c_padded / 2) + c / 2) * 16 + o % 16) * 2 + c % 2)] =
              static_cast<int16_t>(val);
        }
    }
  return u;
}

void winograd_int8_accumulate(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u, int16_t* v,
                              int32_t* m, int32_t* acc) {
  WinogradInt8Epilogue none;
  run_int8(s, src, u, v, m, nullptr, none, acc);
}

void WinogradInt8ConvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_int8(s_, static_cast<const uint8_t*>(b[src_]), u_.data(), static_cast<int16_t*>(b[v_]),
           static_cast<int32_t*>(b[m_]), b[dst_], epilogue_, nullptr);
}

}  // namespace qd::runtime::onednn
