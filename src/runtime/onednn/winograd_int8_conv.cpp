#include "runtime/onednn/winograd_int8_conv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/cpu_isa.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_WINO8 __attribute__((target("avx2,fma")))

bool cpu_has_vnni_wino8() {
  static const bool ok =
      (__builtin_cpu_init(), __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl"));
  return ok;
}

// Loads the (tile+2)^2 u8 patch of tile t, channels c..c+15 (zeros outside the image and for channels >= C)
// as int16 into d[i * A + j].
QD_AVX2_WINO8 inline void load_patch_int8(const WinogradInt8Shape& s, const uint8_t* src, int64_t t,
                                          int64_t c, __m256i* d) {
  const int A = s.tile + 2;
  const int64_t TH = s.tiles_h(), TW = s.tiles_w();
  const int64_t n = t / (TH * TW), ty = t / TW % TH, tx = t % TW;
  const int64_t y0 = s.tile * ty - s.pad_top, x0 = s.tile * tx - s.pad_left;
  const bool full = c + 16 <= s.C;
  alignas(32) uint8_t tail[16];
  for (int i = 0; i < A; ++i)
    for (int j = 0; j < A; ++j) {
      const int64_t y = y0 + i, x = x0 + j;
      if (y < 0 || y >= s.H || x < 0 || x >= s.W) {
        d[i * A + j] = _mm256_setzero_si256();
        continue;
      }
      const uint8_t* px = src + ((n * s.H + y) * s.W + x) * s.C + c;
      if (!full) {
        std::memset(tail, 0, sizeof tail);
        std::memcpy(tail, px, static_cast<size_t>(s.C - c));
        px = tail;
      }
      d[i * A + j] = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(px)));
    }
}

// F(2x2): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] applied to 4 vectors with stride `st`.
QD_AVX2_WINO8 inline void bt4_int16(const __m256i* x, int st, __m256i* y, int yst) {
  y[0] = _mm256_sub_epi16(x[0], x[2 * st]);
  y[yst] = _mm256_add_epi16(x[st], x[2 * st]);
  y[2 * yst] = _mm256_sub_epi16(x[2 * st], x[st]);
  y[3 * yst] = _mm256_sub_epi16(x[st], x[3 * st]);
}

// F(4x4): B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
// (|B^T d| <= 10 * max|d| per dimension: 12700 for u8 <= 127, int16).
QD_AVX2_WINO8 inline void bt6_int16(const __m256i* x, int st, __m256i* y, int yst) {
  const __m256i d0 = x[0], d1 = x[st], d2 = x[2 * st], d3 = x[3 * st], d4 = x[4 * st], d5 = x[5 * st];
  const __m256i s12 = _mm256_add_epi16(d1, d2), m12 = _mm256_sub_epi16(d1, d2);
  const __m256i s34 = _mm256_add_epi16(d3, d4), m43 = _mm256_sub_epi16(d4, d3);
  const __m256i m42 = _mm256_sub_epi16(d4, d2), m31 = _mm256_sub_epi16(d3, d1);
  y[0] = _mm256_add_epi16(_mm256_sub_epi16(_mm256_slli_epi16(_mm256_sub_epi16(d0, d2), 2), d2), d4);
  y[yst] = _mm256_sub_epi16(s34, _mm256_slli_epi16(s12, 2));
  y[2 * yst] = _mm256_add_epi16(m43, _mm256_slli_epi16(m12, 2));
  y[3 * yst] = _mm256_add_epi16(m42, _mm256_slli_epi16(m31, 1));
  y[4 * yst] = _mm256_sub_epi16(m42, _mm256_slli_epi16(m31, 1));
  y[5 * yst] = _mm256_add_epi16(_mm256_sub_epi16(_mm256_slli_epi16(_mm256_sub_epi16(d1, d3), 2), d3), d5);
}

// V[p][c] = (B^T d B)[p] (int16) of tile t, position p at out + p * pstride; 16 channels per vector.
QD_AVX2_WINO8 void input_transform_tile_int8(const WinogradInt8Shape& s, const uint8_t* src, int16_t* out,
                                             int64_t pstride, int64_t t) {
  const int A = s.tile + 2, P = A * A;
  for (int64_t c = 0; c < s.c_padded(); c += 16) {
    __m256i d[36], r[36], v[36];
    load_patch_int8(s, src, t, c, d);
    if (A == 4) {
      for (int j = 0; j < 4; ++j) bt4_int16(d + j, 4, r + j, 4);          // columns: r = B^T d
      for (int i = 0; i < 4; ++i) bt4_int16(r + i * 4, 1, v + i * 4, 1);  // rows: v = r B
    } else {
      for (int j = 0; j < 6; ++j) bt6_int16(d + j, 6, r + j, 6);
      for (int i = 0; i < 6; ++i) bt6_int16(r + i * 6, 1, v + i * 6, 1);
    }
    for (int p = 0; p < P; ++p) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + p * pstride + c), v[p]);
  }
}

// M[t][oc] += V[t][c] U[c][oc] for NT tiles and 16 output channels of one position: each vpmaddwd
// multiplies a broadcast channel pair of one tile with the pairs of 8 output channels.
template <int NT>
QD_AVX2_WINO8 void gemm_tiles_int8(const int16_t* v, int64_t Cp, const int16_t* u, int32_t* m,
                                   int64_t mstride) {
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
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * mstride), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * mstride + 8), acc[i][1]);
  }
}

// The same products with AVX-512 VNNI's vpdpwssd (multiply-add of int16 pairs into int32 in one
// instruction, wrapping like vpmaddwd + vpaddd: bit-identical sums). One thread, hot weights, whole conv
// (ms): 32x32 x 64 ch 0.193 -> 0.171, 16x16 x 128 ch 0.148 -> 0.128.
#define QD_VNNI_WINO8 __attribute__((target("avx2,avx512f,avx512vl,avx512vnni")))

template <int NT>
QD_VNNI_WINO8 void gemm_tiles_int8_vnni(const int16_t* v, int64_t Cp, const int16_t* u, int32_t* m,
                                        int64_t mstride) {
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
      acc[i][0] = _mm256_dpwssd_epi32(acc[i][0], b, w0);
      acc[i][1] = _mm256_dpwssd_epi32(acc[i][1], b, w1);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < NT; ++i) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * mstride), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(m + i * mstride + 8), acc[i][1]);
  }
}

constexpr int kTileBlock = 6;  // 12 accumulators + 2 weight vectors + 1 broadcast of 16 ymm registers

using GemmTiles = void (*)(const int16_t*, int64_t, const int16_t*, int32_t*, int64_t);

// The product kernel for nt (1..kTileBlock) tiles.
GemmTiles gemm_tiles_for(int nt, bool vnni) {
  static const GemmTiles plain[] = {gemm_tiles_int8<1>, gemm_tiles_int8<2>, gemm_tiles_int8<3>,
                                    gemm_tiles_int8<4>, gemm_tiles_int8<5>, gemm_tiles_int8<6>};
  static const GemmTiles with_vnni[] = {gemm_tiles_int8_vnni<1>, gemm_tiles_int8_vnni<2>,
                                        gemm_tiles_int8_vnni<3>, gemm_tiles_int8_vnni<4>,
                                        gemm_tiles_int8_vnni<5>, gemm_tiles_int8_vnni<6>};
  return (vnni ? with_vnni : plain)[nt - 1];
}

// M[p] = V[p] U[p] for the nt tiles of one block: every position and 16-output-channel block. V is
// [p][tile][Cp] (the GEMM's rows), M [tile][p][OCp] (one tile's products contiguous for its output
// transform: at a stride of tile_block * OCp its 36 loads hit few L1 sets).
QD_AVX2_WINO8 void gemm_block_int8(const WinogradInt8Shape& s, const int16_t* v, const int16_t* u, int32_t* m,
                                   int64_t nt) {
  const int64_t Cp = s.c_padded(), OB = s.oc_padded() / 16;
  const int64_t vstride = s.v_position_stride(), mstride = s.m_position_stride();
  const int64_t tstride = s.positions() * mstride;
  const GemmTiles full = gemm_tiles_for(kTileBlock, s.vnni);
  const GemmTiles tail =
      nt % kTileBlock ? gemm_tiles_for(static_cast<int>(nt % kTileBlock), s.vnni) : nullptr;
  for (int64_t p = 0; p < s.positions(); ++p)
    for (int64_t ob = 0; ob < OB; ++ob) {
      const int16_t* vp = v + p * vstride;
      const int16_t* up = u + (p * OB + ob) * Cp * 16;
      int32_t* mp = m + p * mstride + ob * 16;
      int64_t t = 0;
      for (; t + kTileBlock <= nt; t += kTileBlock) full(vp + t * Cp, Cp, up, mp + t * tstride, tstride);
      if (tail) tail(vp + t * Cp, Cp, up, mp + t * tstride, tstride);
    }
}

// F(2x2): 4 * A^T m with A^T = [1 1 1 0; 0 1 -1 -1] (the 4 of 2G) on 4 int32 vectors.
QD_AVX2_WINO8 inline void at4_int32(const __m256i* x, int st, __m256i* y, int yst) {
  y[0] = _mm256_add_epi32(_mm256_add_epi32(x[0], x[st]), x[2 * st]);
  y[yst] = _mm256_sub_epi32(_mm256_sub_epi32(x[st], x[2 * st]), x[3 * st]);
}

// F(4x4): 24 A^T D m with A''^T = [6 4 4 1 1 0; 0 4 -4 2 -2 0; 0 4 4 4 4 0; 0 4 -4 8 -8 24] (G = D G'').
QD_AVX2_WINO8 inline void at6_int32(const __m256i* x, int st, __m256i* y, int yst) {
  const __m256i m0 = x[0], m5 = x[5 * st];
  const __m256i s12 = _mm256_add_epi32(x[st], x[2 * st]), d12 = _mm256_sub_epi32(x[st], x[2 * st]);
  const __m256i s34 = _mm256_add_epi32(x[3 * st], x[4 * st]), d34 = _mm256_sub_epi32(x[3 * st], x[4 * st]);
  const __m256i s12x4 = _mm256_slli_epi32(s12, 2), d12x4 = _mm256_slli_epi32(d12, 2);
  y[0] = _mm256_add_epi32(
      _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(m0, 2), _mm256_slli_epi32(m0, 1)), s12x4), s34);
  y[yst] = _mm256_add_epi32(d12x4, _mm256_slli_epi32(d34, 1));
  y[2 * yst] = _mm256_add_epi32(s12x4, _mm256_slli_epi32(s34, 2));
  y[3 * yst] = _mm256_add_epi32(_mm256_add_epi32(d12x4, _mm256_slli_epi32(d34, 3)),
                                _mm256_add_epi32(_mm256_slli_epi32(m5, 4), _mm256_slli_epi32(m5, 3)));
}

// acc[i * tile + j] of output pixel (tile*ty + i, tile*tx + j), 8 output channels, from the products at
// m + p * pstride. The int32 sums wrap; the true accumulator is recovered exactly (see the header).
QD_AVX2_WINO8 inline void output_tile_int8(const WinogradInt8Shape& s, const int32_t* m, int64_t pstride,
                                           __m256i* acc) {
  const int A = s.tile + 2;
  __m256i mm[36], r[24];
  for (int p = 0; p < A * A; ++p)
    mm[p] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + p * pstride));
  if (A == 4) {
    for (int j = 0; j < 4; ++j) at4_int32(mm + j, 4, r + j, 4);           // r[2][4]
    for (int i = 0; i < 2; ++i) at4_int32(r + i * 4, 1, acc + i * 2, 1);  // acc[2][2] = 4 * acc
    for (int k = 0; k < 4; ++k) acc[k] = _mm256_srai_epi32(acc[k], 2);
    return;
  }
  for (int j = 0; j < 6; ++j) at6_int32(mm + j, 6, r + j, 6);           // r[4][6]
  for (int i = 0; i < 4; ++i) at6_int32(r + i * 6, 1, acc + i * 4, 1);  // acc[4][4] = 576 * acc mod 2^32
  // 576 = 64 * 9: (x >> 6) = 9 acc mod 2^26; times 9^-1 mod 2^26, sign-extended from 26 bits.
  const __m256i inv9 = _mm256_set1_epi32(14913081);
  for (int k = 0; k < 16; ++k)
    acc[k] =
        _mm256_srai_epi32(_mm256_slli_epi32(_mm256_mullo_epi32(_mm256_srai_epi32(acc[k], 6), inv9), 6), 6);
}

// Output transform + epilogue of tile t (its products at m + p * pstride) into nhwc dst, or, when acc_out is
// set, the plain int32 accumulators (for the tests).
QD_AVX2_WINO8 void output_transform_tile_int8(const WinogradInt8Shape& s, const int32_t* m, int64_t pstride,
                                              int64_t t, void* dst, const Int8ConvEpilogue& e,
                                              int32_t* acc_out) {
  const int64_t TH = s.tiles_h(), TW = s.tiles_w();
  const int64_t n = t / (TH * TW), ty = t / TW % TH, tx = t % TW;
  const Int8EpilogueKind kind = int8_epilogue_kind(e);
  for (int64_t oc = 0; oc < s.OC; oc += 8) {
    const int lanes = static_cast<int>(std::min<int64_t>(8, s.OC - oc));
    __m256i acc[16];
    output_tile_int8(s, m + oc, pstride, acc);
    for (int i = 0; i < s.tile; ++i) {
      const int64_t oy = s.tile * ty + i;
      if (oy >= s.OH) break;
      for (int j = 0; j < s.tile; ++j) {
        const int64_t ox = s.tile * tx + j;
        if (ox >= s.OW) break;
        const int64_t off = ((n * s.OH + oy) * s.OW + ox) * s.OC + oc;
        const __m256i a = acc[i * s.tile + j];
        if (acc_out) {
          alignas(32) int32_t tmp[8];
          _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), a);
          std::memcpy(acc_out + off, tmp, sizeof(int32_t) * static_cast<size_t>(lanes));
          continue;
        }
        int8_epilogue_store(e, kind, a, oc, dst, off, lanes);
      }
    }
  }
}

// One block of tiles: input transform, the products of every position, output transform; V and M are the
// running thread's scratch.
QD_AVX2_WINO8 void run_block_int8(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u,
                                  int16_t* v, int32_t* m, int64_t block, void* dst, const Int8ConvEpilogue& e,
                                  int32_t* acc_out) {
  const int64_t TB = s.tile_block, start = block * TB, nt = std::min(TB, s.tiles() - start);
  const int64_t Cp = s.c_padded(), vstride = s.v_position_stride(), mstride = s.m_position_stride();
  for (int64_t i = 0; i < nt; ++i) input_transform_tile_int8(s, src, v + i * Cp, vstride, start + i);
  gemm_block_int8(s, v, u, m, nt);
  for (int64_t i = 0; i < nt; ++i)
    output_transform_tile_int8(s, m + i * s.positions() * mstride, mstride, start + i, dst, e, acc_out);
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions).
void run_int8(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u, int16_t* v, int32_t* m,
              void* dst, const Int8ConvEpilogue& e, int32_t* acc_out) {
  const int64_t B = s.blocks();
#pragma omp parallel for schedule(static) num_threads(s.threads)
  for (int64_t b = 0; b < B; ++b) {
    const int th = omp_get_thread_num();
    run_block_int8(s, src, u, v + th * s.v_thread_elements(), m + th * s.m_thread_elements(), b, dst, e,
                   acc_out);
  }
}

}  // namespace

void winograd_int8_plan(WinogradInt8Shape& s, int threads) {
  s.threads = std::max(threads, 1);
  // Every block streams all of U (positions * C * OC int16, 0.1-19 MB): few, large blocks that still leave V
  // and M in the L2 cache (~512 KB), balanced, one per thread at least.
  const int64_t T = s.tiles(), per_tile = s.positions() * (s.c_padded() * 2 + s.oc_padded() * 4);
  const int64_t max_tb = std::max<int64_t>(kTileBlock, (512 << 10) / per_tile);
  const int64_t blocks = std::max<int64_t>((T + max_tb - 1) / max_tb, std::min<int64_t>(s.threads, T));
  const int64_t tb = (T + blocks - 1) / blocks;
  // One thread: whole GEMM tile blocks (no short tail per block). Several: equal blocks (rounding 32 up to
  // 36 would leave one thread 28 tiles and the other 36).
  s.tile_block = s.threads == 1 && tb > kTileBlock ? (tb + kTileBlock - 1) / kTileBlock * kTileBlock : tb;
}

bool winograd_int8_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                             const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2()) return false;
  if (weight_shape.size() != 4 || weight_shape[2] != 3 || weight_shape[3] != 3) return false;
  if (a.kernel_h != 3 || a.kernel_w != 3 || a.stride_h != 1 || a.stride_w != 1 || a.dilation_h != 1 ||
      a.dilation_w != 1 || a.group != 1)
    return false;
  for (const auto& act : activations)
    if (!winograd_activation_supported(act)) return false;
  return true;
}

bool winograd_int8_vnni_available() { return cpu_has_vnni_wino8(); }

bool winograd_int8_exact(const Tensor& qw, int tile) {
  const int64_t OC = qw.dim(0), per = qw.numel() / OC;
  const int8_t* w = qw.data<int8_t>();
  // |acc| <= 127 * sum|w|: F(2x2) needs |4 acc| < 2^31, F(4x4) |acc| < 2^25 (recovered mod 2^26).
  const int64_t limit = tile == 2 ? (int64_t{1} << 31) / 4 : int64_t{1} << 25;
  for (int64_t o = 0; o < OC; ++o) {
    int64_t sum = 0;
    for (int64_t i = 0; i < per; ++i) sum += std::abs(static_cast<int>(w[o * per + i]));
    if (127 * sum >= limit) return false;
  }
  return true;
}

namespace {

// Integer kernel transforms: 2G for F(2x2) (|U| <= 9 * 127); G'' = D^-1 G for F(4x4) (|U| <= 49 * 127).
constexpr int kG2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
constexpr int kG4[6][3] = {{1, 0, 0}, {-1, -1, -1}, {-1, 1, -1}, {1, 2, 4}, {1, -2, 4}, {0, 0, 1}};

// U = G g G^T of every kernel, into the layout run_int8 reads: per (i, j) a plane of [OC/16][C/2][16 oc][2 c]
// int16. The 32 kernels of one (16 oc, 2 c) block fill one 64-byte line of every plane, so they are
// transformed together and each line is written whole: writing kernel by kernel put 36 scattered 2-byte
// stores per kernel into planes 32 KB apart (the same L1 set) and took 128 x 128 kernels ~4 ms.
template <int kTile>
void transform_weights(const int8_t* wd, int64_t OC, int64_t C, int64_t c_padded, int64_t OB, int16_t* u) {
  constexpr int A = kTile + 2;
  const auto& G = [] {
    if constexpr (kTile == 2)
      return kG2;
    else
      return kG4;
  }();
  const int64_t plane = OB * c_padded * 16, CP = c_padded / 2;
  for (int64_t ob = 0; ob < OB; ++ob)
    for (int64_t cp = 0; cp < CP; ++cp) {
      alignas(64) int16_t line[A * A][32] = {};  // padding channels stay 0
      for (int64_t oo = 0; oo < 16 && ob * 16 + oo < OC; ++oo)
        for (int64_t cc = 0; cc < 2 && cp * 2 + cc < C; ++cc) {
          const int8_t* g = wd + ((ob * 16 + oo) * C + cp * 2 + cc) * 9;
          int gt[A][3];  // G g
          for (int i = 0; i < A; ++i)
            for (int j = 0; j < 3; ++j) gt[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
          for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j)
              line[i * A + j][oo * 2 + cc] =
                  static_cast<int16_t>(gt[i][0] * G[j][0] + gt[i][1] * G[j][1] + gt[i][2] * G[j][2]);
        }
      int16_t* base = u + (ob * CP + cp) * 32;
      for (int ij = 0; ij < A * A; ++ij) std::memcpy(base + ij * plane, line[ij], sizeof line[ij]);
    }
}

}  // namespace

AlignedArray<int16_t> winograd_int8_weights(const Tensor& qw, int tile, int64_t c_padded, int64_t oc_padded) {
  const int64_t OC = qw.dim(0), C = qw.dim(1), OB = oc_padded / 16;
  const int A = tile + 2;
  AlignedArray<int16_t> u(static_cast<size_t>(A * A * c_padded * oc_padded));
  if (tile == 2)
    transform_weights<2>(qw.data<int8_t>(), OC, C, c_padded, OB, u.data());
  else
    transform_weights<4>(qw.data<int8_t>(), OC, C, c_padded, OB, u.data());
  return u;
}

void winograd_int8_accumulate(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u, int16_t* v,
                              int32_t* m, int32_t* acc) {
  Int8ConvEpilogue none;
  run_int8(s, src, u, v, m, nullptr, none, acc);
}

void WinogradInt8ConvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_int8(s_, static_cast<const uint8_t*>(b[src_]), u_.data(), static_cast<int16_t*>(b[v_]),
           static_cast<int32_t*>(b[m_]), b[dst_], epilogue_, nullptr);
}

}  // namespace qd::runtime::onednn
