#include "runtime/onednn/direct_int8_conv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/cpu_isa.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_DIRECT8 __attribute__((target("avx2,fma")))

// Pixels per kernel call: 4 pixels x 16 output channels keep 8 int16 sums, 2 weight vectors, a broadcast
// and the ones in registers; the int32 accumulators are updated in memory once per k steps.
constexpr int kPixels = 4;

// acc[m][16] += the products of one tap for MR output pixels, its source channels at px[m] in the padded
// source, and 16 output channels (packed weights w of that tap); KS K steps (4 channels each) are summed in
// int16 before one vpmaddwd widens them.
// `prefetch_lines` cache lines from `prefetch` (a slice of the next tap's weights) are fetched into the
// cache meanwhile, a few per K group: a conv's weights (up to 2.4 MB for ResNet-18's 512-channel convs)
// come from memory once per run, and without it the hardware prefetcher left the 4x4 x 512 conv
// latency-bound (0.38 instead of 0.25 ms per run when the weights are not in the L3 cache).
template <int MR, int KS>
QD_AVX2_DIRECT8 void direct_pixels_int8(const uint8_t* const* px, int64_t Cp, const int8_t* w, int32_t* acc,
                                        const int8_t* prefetch, int64_t prefetch_lines) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t c = 0; c < Cp; c += 4 * KS) {
    for (int i = 0; i < 2 && prefetch_lines > 0; ++i, --prefetch_lines, prefetch += 64)
      _mm_prefetch(reinterpret_cast<const char*>(prefetch), _MM_HINT_T0);
    __m256i s16[MR][2];
#pragma GCC unroll 8
    for (int k = 0; k < KS; ++k, w += 64) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
#pragma GCC unroll 8
      for (int m = 0; m < MR; ++m) {
        int32_t quad;
        std::memcpy(&quad, px[m] + c + 4 * k, sizeof quad);
        const __m256i b = _mm256_set1_epi32(quad);
        if (k == 0) {
          s16[m][0] = _mm256_maddubs_epi16(b, w0);
          s16[m][1] = _mm256_maddubs_epi16(b, w1);
        } else {
          s16[m][0] = _mm256_add_epi16(s16[m][0], _mm256_maddubs_epi16(b, w0));
          s16[m][1] = _mm256_add_epi16(s16[m][1], _mm256_maddubs_epi16(b, w1));
        }
        // Opaque to the optimizer: GCC otherwise re-associates the int16 sums into a tree that computes
        // every product first and spills them.
        asm("" : "+x"(s16[m][0]), "+x"(s16[m][1]));
      }
    }
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m)
      for (int h = 0; h < 2; ++h) {
        __m256i* a = reinterpret_cast<__m256i*>(acc + m * 16 + h * 8);
        _mm256_storeu_si256(a, _mm256_add_epi32(_mm256_loadu_si256(a), _mm256_madd_epi16(s16[m][h], ones)));
      }
  }
}

using PixelsKernel = void (*)(const uint8_t* const*, int64_t, const int8_t*, int32_t*, const int8_t*,
                              int64_t);

template <int KS>
PixelsKernel pixels_kernel_int8(int mr) {
  switch (mr) {
    case 4:
      return direct_pixels_int8<4, KS>;
    case 3:
      return direct_pixels_int8<3, KS>;
    case 2:
      return direct_pixels_int8<2, KS>;
    default:
      return direct_pixels_int8<1, KS>;
  }
}

PixelsKernel pixels_kernel_for(int steps, int mr) {
  switch (steps) {
    case 8:
      return pixels_kernel_int8<8>(mr);
    case 4:
      return pixels_kernel_int8<4>(mr);
    case 2:
      return pixels_kernel_int8<2>(mr);
    default:
      return pixels_kernel_int8<1>(mr);
  }
}

// The zero-padded copy [N, PH, PW, Cp] of the u8 nhwc source.
void pad_source_int8(const DirectInt8Shape& s, const uint8_t* src, uint8_t* padded) {
  const int64_t PH = s.padded_h(), PW = s.padded_w(), Cp = s.c_padded();
  std::memset(padded, 0, s.padded_bytes());
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t py = 0; py < PH; ++py) {
      const int64_t y = py - s.pad_top;
      if (y < 0 || y >= s.H) continue;
      const int64_t x0 = std::max<int64_t>(0, s.pad_left), x1 = std::min<int64_t>(PW, s.W + s.pad_left);
      uint8_t* row = padded + (n * PH + py) * PW * Cp;
      const uint8_t* in = src + (n * s.H + y) * s.W * s.C;
      if (Cp == s.C) {
        std::memcpy(row + x0 * Cp, in + (x0 - s.pad_left) * s.C, static_cast<size_t>((x1 - x0) * s.C));
        continue;
      }
      for (int64_t px = x0; px < x1; ++px)
        std::memcpy(row + px * Cp, in + (px - s.pad_left) * s.C, static_cast<size_t>(s.C));
    }
}

// Output channels 16 ob .. 16 ob + 15 of every output pixel, tap by tap (one tap's weights, 16 * Cp bytes,
// stay in the L1 cache for all pixels); window[p]: where output pixel p's 3x3 window starts in the padded
// source; acc: [M][16] int32 scratch.
QD_AVX2_DIRECT8 void run_channel_block_int8(const DirectInt8Shape& s, const uint8_t* padded,
                                            const int64_t* window, const DirectInt8Weights& w, int64_t ob,
                                            int32_t* acc, void* dst, const Int8ConvEpilogue& e,
                                            int32_t* acc_out) {
  const int64_t PW = s.padded_w(), Cp = s.c_padded(), M = s.N * s.OH * s.OW, OB = s.oc_padded() / 16;
  const int64_t blocks = (M + kPixels - 1) / kPixels;
  std::memset(acc, 0, static_cast<size_t>(M * 16) * sizeof(int32_t));
  for (int t = 0; t < 9; ++t) {
    const int steps = w.steps[static_cast<size_t>(ob * 9 + t)];
    const int64_t tap = ((t / 3) * PW + t % 3) * Cp;
    const int8_t* wt = w.packed.data() + (ob * 9 + t) * Cp * 16;
    for (int64_t p0 = 0; p0 < M; p0 += kPixels) {
      const int mr = static_cast<int>(std::min<int64_t>(kPixels, M - p0));
      const uint8_t* px[kPixels];
      for (int m = 0; m < mr; ++m) px[m] = padded + window[p0 + m] + tap;
      // This call's share of the next tap's weights (16 * Cp bytes, contiguous after this tap's; the last
      // block's last tap has none).
      const int64_t lines = 16 * Cp / 64, share = (lines + blocks - 1) / blocks, first = p0 / kPixels * share;
      const bool last = t == 8 && ob + 1 == OB;
      pixels_kernel_for(steps, mr)(px, Cp, wt, acc + p0 * 16, wt + 16 * Cp + first * 64,
                                   last ? 0 : std::max<int64_t>(0, std::min(share, lines - first)));
    }
  }
  const Int8EpilogueKind kind = int8_epilogue_kind(e);
  for (int64_t p = 0; p < M; ++p)
    for (int h = 0; h < 2; ++h) {
      const int64_t oc = ob * 16 + h * 8;
      if (oc >= s.OC) break;
      const int lanes = static_cast<int>(std::min<int64_t>(8, s.OC - oc));
      const int64_t off = p * s.OC + oc;
      if (acc_out) {
        std::memcpy(acc_out + off, acc + p * 16 + h * 8, sizeof(int32_t) * static_cast<size_t>(lanes));
        continue;
      }
      int8_epilogue_store(e, kind, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + p * 16 + h * 8)),
                          oc, dst, off, lanes);
    }
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions).
void run_direct_int8(const DirectInt8Shape& s, const uint8_t* src, const DirectInt8Weights& w,
                     uint8_t* padded, void* dst, const Int8ConvEpilogue& e, int32_t* acc_out) {
  pad_source_int8(s, src, padded);
  const int64_t OB = s.oc_padded() / 16, PH = s.padded_h(), PW = s.padded_w(), Cp = s.c_padded();
  int32_t* acc = reinterpret_cast<int32_t*>(padded + s.padded_bytes());
  int64_t* window = reinterpret_cast<int64_t*>(acc + OB * s.acc_ints());
  for (int64_t n = 0, p = 0; n < s.N; ++n)
    for (int64_t oy = 0; oy < s.OH; ++oy)
      for (int64_t ox = 0; ox < s.OW; ++ox, ++p)
        window[p] = ((n * PH + oy * s.stride) * PW + ox * s.stride) * Cp;
#pragma omp parallel for schedule(static)
  for (int64_t ob = 0; ob < OB; ++ob)
    run_channel_block_int8(s, padded, window, w, ob, acc + ob * s.acc_ints(), dst, e, acc_out);
}

}  // namespace

DirectInt8Weights direct_int8_weights(const Tensor& qw, int64_t c_padded) {
  const int64_t OC = qw.dim(0), C = qw.dim(1), OB = (OC + 15) / 16, Cq = c_padded / 4;
  DirectInt8Weights r;
  r.packed = AlignedArray<int8_t>(static_cast<size_t>(OB * 16 * 9 * c_padded));
  r.steps.assign(static_cast<size_t>(OB * 9), 8);
  const int8_t* wd = qw.data<int8_t>();
  // Written in the packed order, one 4-byte word per (tap, K step, output channel) from four source bytes 9
  // apart: scattered byte writes into a zeroed 4 KB-page buffer took ~60% of ResNet-18 CIFAR's int8 load time
  // on AVX2 (memset and page faults included).
  // An int16 lane of vpmaddubsw holds channels 4q + 2h, 4q + 2h + 1 (h: which half of the 32-bit lane) of K
  // step q; k steps summed hold channels 4q + 2h + {0, 1} for q in [q0, q0 + k) at one tap. `lane` holds
  // |w| of each such pair, [t][q][h][16 oc], for one block of 16 output channels; the block sums the largest
  // k in {8, 4, 2, 1} whose sums fit all of its channels, tap by tap (a k that fits, halved, still fits): the
  // largest weights of a block (+-127, one per output channel under per-channel scales) sit in a few taps,
  // and a block-wide k left every block of ResNet-18 CIFAR's stride-2 convs at 1.
  std::vector<int16_t> lane(static_cast<size_t>(9 * Cq * 2 * 16));
  for (int64_t ob = 0; ob < OB; ++ob) {
    for (int t = 0; t < 9; ++t) {
      int32_t* dst = reinterpret_cast<int32_t*>(r.packed.data() + (ob * 9 + t) * Cq * 64);
      int16_t* l = lane.data() + t * Cq * 32;
      for (int64_t q = 0; q < Cq; ++q)
        for (int oc = 0; oc < 16; ++oc) {
          const int64_t o = ob * 16 + oc;
          uint8_t b[4] = {0, 0, 0, 0};
          if (o < OC)
            for (int k = 0; k < 4 && q * 4 + k < C; ++k)
              b[k] = static_cast<uint8_t>(wd[(o * C + q * 4 + k) * 9 + t]);
          int32_t word;
          std::memcpy(&word, b, 4);
          dst[q * 16 + oc] = word;
          const auto mag = [&](int k) {
            const int v = static_cast<int8_t>(b[k]);
            return v < 0 ? -v : v;
          };
          l[(q * 2) * 16 + oc] = static_cast<int16_t>(mag(0) + mag(1));
          l[(q * 2 + 1) * 16 + oc] = static_cast<int16_t>(mag(2) + mag(3));
        }
    }
    for (int t = 0; t < 9; ++t) {
      uint8_t& steps = r.steps[static_cast<size_t>(ob * 9 + t)];
      for (; steps > 1; steps /= 2) {
        bool fits = true;
        for (int64_t q0 = 0; q0 < Cq && fits; q0 += steps)
          for (int h = 0; h < 2 && fits; ++h)
            for (int oc = 0; oc < 16 && fits; ++oc) {
              int sum = 0;
              for (int64_t q = q0; q < std::min(Cq, q0 + steps); ++q)
                sum += lane[((t * Cq + q) * 2 + h) * 16 + oc];
              fits = 127 * sum <= 32767;
            }
        if (fits) break;
      }
    }
  }
  return r;
}

bool direct_int8_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                           const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2()) return false;
  if (weight_shape.size() != 4 || weight_shape[2] != 3 || weight_shape[3] != 3) return false;
  if (a.kernel_h != 3 || a.kernel_w != 3 || a.stride_h != a.stride_w || a.stride_h < 1 || a.stride_h > 2 ||
      a.dilation_h != 1 || a.dilation_w != 1 || a.group != 1)
    return false;
  for (const auto& act : activations)
    if (!winograd_activation_supported(act)) return false;
  return true;
}

void direct_int8_accumulate(const DirectInt8Shape& s, const uint8_t* src, const DirectInt8Weights& w,
                            uint8_t* scratch, int32_t* acc) {
  Int8ConvEpilogue none;
  run_direct_int8(s, src, w, scratch, nullptr, none, acc);
}

void DirectInt8ConvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_direct_int8(s_, static_cast<const uint8_t*>(b[src_]), w_, static_cast<uint8_t*>(b[scratch_]), b[dst_],
                  epilogue_, nullptr);
}

}  // namespace qd::runtime::onednn
