#include "runtime/onednn/signed_int8_conv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/int16_source.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_SIGNED8 __attribute__((target("avx2,fma")))

// Output pixels per kernel pass: 6 pixels x 16 output channels are 12 int32 accumulator registers, plus two
// weight vectors and the broadcast source pair (15 of the 16 ymm registers).
constexpr int kPixels = 6;

// MR output pixels starting at pixel p (window starts px[m] in the padded source, kernel rows at tap[t]),
// every block of 16 output channels: the int32 sums over all rows and pairs stay in registers, then the
// epilogue (E, for full blocks of 16) writes them (or, with acc_out, the raw sums).
template <int MR, Int8Epilogue16 E>
QD_AVX2_SIGNED8 void signed_pixels_int8(const SignedInt8Shape& s, const int16_t* const* px,
                                        const int64_t* tap, const int16_t* w, int64_t p,
                                        const Int8ConvEpilogue& e, const Int8Epilogue16Plan& plan,
                                        Int8EpilogueKind kind, void* dst, int32_t* acc_out) {
  const int taps = s.kh;
  const int64_t pairs = s.row_pairs(), OB = s.oc_padded() / 16;
  for (int64_t ob = 0; ob < OB; ++ob) {
    __m256i a[MR][2];
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) a[m][0] = a[m][1] = _mm256_setzero_si256();
    for (int t = 0; t < taps; ++t) {
      const int16_t* pt[MR];
#pragma GCC unroll 8
      for (int m = 0; m < MR; ++m) pt[m] = px[m] + tap[t];
      for (int64_t q = 0; q < pairs; ++q, w += 32) {
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
#pragma GCC unroll 8
        for (int m = 0; m < MR; ++m) {
          int32_t pair;
          std::memcpy(&pair, pt[m] + 2 * q, sizeof pair);
          const __m256i b = _mm256_set1_epi32(pair);
          a[m][0] = _mm256_add_epi32(a[m][0], _mm256_madd_epi16(b, w0));
          a[m][1] = _mm256_add_epi32(a[m][1], _mm256_madd_epi16(b, w1));
        }
      }
    }
    const int64_t oc = ob * 16;
    if (!acc_out && oc + 16 <= s.OC) {
#pragma GCC unroll 8
      for (int m = 0; m < MR; ++m)
        int8_epilogue16<E>(e, plan, a[m][0], a[m][1], oc, dst, (p + m) * s.OC + oc);
      continue;
    }
    alignas(32) int32_t acc[16];
    for (int m = 0; m < MR; ++m) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(acc), a[m][0]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(acc + 8), a[m][1]);
      for (int h = 0; h < 2; ++h) {
        if (oc + h * 8 >= s.OC) break;
        const int lanes = static_cast<int>(std::min<int64_t>(8, s.OC - oc - h * 8));
        const int64_t off = (p + m) * s.OC + oc + h * 8;
        if (acc_out)
          std::memcpy(acc_out + off, acc + h * 8, sizeof(int32_t) * static_cast<size_t>(lanes));
        else
          int8_epilogue_store(e, kind, _mm256_load_si256(reinterpret_cast<const __m256i*>(acc + h * 8)),
                              oc + h * 8, dst, off, lanes);
      }
    }
  }
}

using PixelsKernel = void (*)(const SignedInt8Shape&, const int16_t* const*, const int64_t*, const int16_t*,
                              int64_t, const Int8ConvEpilogue&, const Int8Epilogue16Plan&, Int8EpilogueKind,
                              void*, int32_t*);

template <Int8Epilogue16 E>
PixelsKernel pixels_kernel_for(int mr) {
  switch (mr) {
    case 6:
      return signed_pixels_int8<6, E>;
    case 5:
      return signed_pixels_int8<5, E>;
    case 4:
      return signed_pixels_int8<4, E>;
    case 3:
      return signed_pixels_int8<3, E>;
    case 2:
      return signed_pixels_int8<2, E>;
    default:
      return signed_pixels_int8<1, E>;
  }
}

PixelsKernel pixels_kernel_for(int mr, Int8Epilogue16 e) {
  return with_int8_epilogue16(e, [mr]<Int8Epilogue16 K>() { return pixels_kernel_for<K>(mr); });
}

// The zero-padded int16 copy [N, PH, PW, C] of the s8 nhwc source.
QD_AVX2_SIGNED8 void pad_source_int16(const SignedInt8Shape& s, const int8_t* src, int16_t* padded) {
  const int64_t PH = s.padded_h(), PW = s.padded_w(), C = s.C;
  const int64_t x0 = std::min<int64_t>(PW, std::max<int64_t>(0, s.pad_left)),
                x1 = std::max<int64_t>(x0, std::min<int64_t>(PW, s.W + s.pad_left));
  // Only the padding is zeroed (zeroing the whole buffer first wrote every byte twice; 1x1 convs have none).
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t py = 0; py < PH; ++py) {
      int16_t* row = padded + (n * PH + py) * PW * C;
      const int64_t y = py - s.pad_top;
      if (y < 0 || y >= s.H) {
        std::memset(row, 0, static_cast<size_t>(PW * C) * sizeof(int16_t));
        continue;
      }
      std::memset(row, 0, static_cast<size_t>(x0 * C) * sizeof(int16_t));
      std::memset(row + x1 * C, 0, static_cast<size_t>((PW - x1) * C) * sizeof(int16_t));
      widen_int8_span(src + ((n * s.H + y) * s.W + x0 - s.pad_left) * C, row + x0 * C, (x1 - x0) * C, false);
    }
}

// Output pixels [p0, p1) in blocks of kPixels: the source windows of a block stay in the L1 cache while all
// output channels are computed from them.
void run_pixels_signed_int8(const SignedInt8Shape& s, const int16_t* padded, const int64_t* window,
                            const int64_t* tap, const AlignedArray<int16_t>& w, int64_t p0, int64_t p1,
                            void* dst, const Int8ConvEpilogue& e, const Int8Epilogue16Plan& plan,
                            int32_t* acc_out) {
  const Int8EpilogueKind kind = int8_epilogue_kind(e);
  for (int64_t p = p0; p < p1; p += kPixels) {
    const int mr = static_cast<int>(std::min<int64_t>(kPixels, p1 - p));
    const int16_t* px[kPixels];
    for (int m = 0; m < mr; ++m) px[m] = padded + window[p + m];
    pixels_kernel_for(mr, plan.kind)(s, px, tap, w.data(), p, e, plan, kind, dst, acc_out);
  }
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions).
// window: signed_int8_windows(s), made once per step (serial work that a second thread did not share).
void run_signed_int8(const SignedInt8Shape& s, const int64_t* window, const int8_t* src,
                     const AlignedArray<int16_t>& w, uint8_t* scratch, void* dst, const Int8ConvEpilogue& e,
                     const Int8Epilogue16Plan& plan, int32_t* acc_out) {
  int16_t* padded = reinterpret_cast<int16_t*>(scratch);
  pad_source_int16(s, src, padded);
  const int64_t PW = s.padded_w(), C = s.C, M = s.N * s.OH * s.OW;
  std::vector<int64_t> tap;  // where each kernel row starts
  for (int ky = 0; ky < s.kh; ++ky) tap.push_back(ky * PW * C);
  // Chunks of 8 kernel blocks: few enough calls, enough chunks to share between threads.
  const int64_t chunk = 8 * kPixels, chunks = (M + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < chunks; ++b)
    run_pixels_signed_int8(s, padded, window, tap.data(), w, b * chunk, std::min(M, (b + 1) * chunk), dst, e,
                           plan, acc_out);
}

}  // namespace

AlignedArray<int16_t> signed_int8_weights(const Tensor& qw) {
  const int64_t OC = qw.dim(0), C = qw.dim(1), KH = qw.dim(2), KW = qw.dim(3), OCp = (OC + 15) / 16 * 16;
  const int64_t pairs = (KW * C + 1) / 2;
  // [OCp/16][KH][pairs][16 output channels][2]
  AlignedArray<int16_t> packed(static_cast<size_t>(OCp / 16 * KH * pairs * 32));
  const int8_t* wd = qw.data<int8_t>();
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t ky = 0; ky < KH; ++ky) {
      int16_t* dst = packed.data() + ((o / 16) * KH + ky) * pairs * 32 + (o % 16) * 2;
      for (int64_t kx = 0; kx < KW; ++kx)
        for (int64_t c = 0; c < C; ++c) {
          const int64_t k = kx * C + c;
          dst[(k / 2) * 32 + k % 2] = wd[((o * C + c) * KH + ky) * KW + kx];
        }
    }
  return packed;
}

bool signed_int8_supported(const ir::ConvAttrs& a, const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2()) return false;
  if (a.group != 1 || a.dilation_h != 1 || a.dilation_w != 1 || a.stride_h < 1 || a.stride_w < 1)
    return false;
  for (const auto& act : activations)
    if (!signed_int8_activation_supported(act)) return false;
  return true;
}

bool signed_int8_activation_supported(const ir::FusedActivation& act) {
  return winograd_activation_supported(act) || act.kind == ir::OpKind::HardSwish ||
         act.kind == ir::OpKind::Sigmoid || act.kind == ir::OpKind::Swish;
}

std::vector<int64_t> signed_int8_windows(const SignedInt8Shape& s) {
  return int16_source_windows(s.N, s.OH, s.OW, s.padded_h(), s.padded_w(), s.stride_h, s.stride_w, s.C);
}

void signed_int8_accumulate(const SignedInt8Shape& s, const int8_t* src, const AlignedArray<int16_t>& w,
                            uint8_t* scratch, int32_t* acc) {
  Int8ConvEpilogue none;
  run_signed_int8(s, signed_int8_windows(s).data(), src, w, scratch, nullptr, none, Int8Epilogue16Plan{},
                  acc);
}

void signed_int8_convolve(const SignedInt8Shape& s, const int8_t* src, const AlignedArray<int16_t>& w,
                          uint8_t* scratch, void* dst, const Int8ConvEpilogue& e, bool general_epilogue) {
  run_signed_int8(s, signed_int8_windows(s).data(), src, w, scratch, dst, e,
                  general_epilogue ? Int8Epilogue16Plan{} : int8_epilogue16_plan(e), nullptr);
}

void SignedInt8ConvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_signed_int8(s_, window_.data(), static_cast<const int8_t*>(b[src_]), w_,
                  static_cast<uint8_t*>(b[scratch_]), b[dst_], epilogue_, plan_, nullptr);
}

}  // namespace qd::runtime::onednn
