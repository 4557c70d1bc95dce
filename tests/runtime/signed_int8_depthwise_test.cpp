// The int16 int8 depthwise conv for signed sources (oneDNN executor, AVX2): its int32 accumulators against
// the reference integer conv bit for bit (3x3 and 5x5, strides 1-2, pads, batch 2, channel counts that are
// not multiples of 16, sources and weights at +-127), and on u8 sources (0-255, all 255) against a plain
// depthwise loop. Whole models with it: signed_int8_conv_test.cpp.
#include "runtime/onednn/signed_int8_depthwise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "runtime/graph_builder.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {
namespace {

using testing::conv_attrs;

struct Depthwise8Case {
  std::string name;
  int64_t n, c, h, w;
  int k, stride, pad;
};

Tensor depthwise8_values(const Shape& s, uint32_t seed, bool extreme) {
  Tensor t(DataType::i8, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-127, 127), sign(0, 1);
  for (int8_t& v : t.values<int8_t>()) v = static_cast<int8_t>(extreme ? (sign(rng) ? 127 : -127) : d(rng));
  return t;
}

// u8 source values (as the bytes of qx) and the depthwise accumulators over them, NCHW.
std::vector<int32_t> depthwise8_u8_reference(const Depthwise8Case& c, const Tensor& qx, const Tensor& qw,
                                             int64_t OH, int64_t OW) {
  std::vector<int32_t> acc(static_cast<size_t>(c.n * c.c * OH * OW), 0);
  const uint8_t* x = reinterpret_cast<const uint8_t*>(qx.data<int8_t>());
  const int8_t* w = qw.data<int8_t>();
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          int32_t sum = 0;
          for (int ky = 0; ky < c.k; ++ky)
            for (int kx = 0; kx < c.k; ++kx) {
              const int64_t iy = oy * c.stride - c.pad + ky, ix = ox * c.stride - c.pad + kx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              sum += x[((n * c.c + ch) * c.h + iy) * c.w + ix] * w[(ch * c.k + ky) * c.k + kx];
            }
          acc[static_cast<size_t>(((n * c.c + ch) * OH + oy) * OW + ox)] = sum;
        }
  return acc;
}

int depthwise8_mismatches(const Depthwise8Case& c, bool extreme, bool u8) {
  Tensor qx = depthwise8_values({c.n, c.c, c.h, c.w}, 41, extreme);
  if (u8 && extreme)  // every source byte 255
    for (int8_t& v : qx.values<int8_t>()) v = static_cast<int8_t>(-1);
  const Tensor qw = depthwise8_values({c.c, 1, c.k, c.k}, 42, extreme);
  const ir::ConvAttrs a = conv_attrs(c.k, c.stride, c.pad, c.c);
  Tensor ref = ref::conv2d_int32(qx, qw, a);  // the shape; the u8 values below
  if (u8) {
    const std::vector<int32_t> r = depthwise8_u8_reference(c, qx, qw, ref.dim(2), ref.dim(3));
    std::copy(r.begin(), r.end(), ref.data<int32_t>());
  }
  onednn::SignedInt8DepthwiseShape s;
  s.N = c.n, s.C = c.c, s.H = c.h, s.W = c.w, s.OH = ref.dim(2), s.OW = ref.dim(3);
  s.kh = s.kw = c.k, s.stride_h = s.stride_w = c.stride, s.pad_top = s.pad_left = c.pad;
  s.u8_source = u8;
  std::vector<int8_t> nhwc(static_cast<size_t>(qx.numel()));
  const int64_t HW = c.h * c.w;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t p = 0; p < HW; ++p)
        nhwc[static_cast<size_t>((n * HW + p) * c.c + ch)] = qx.data<int8_t>()[(n * c.c + ch) * HW + p];
  std::vector<uint8_t> scratch(s.scratch_bytes(), 0xA5);  // the kernel zeroes the padding itself
  std::vector<int32_t> acc(static_cast<size_t>(ref.numel()), -1);
  onednn::signed_int8_depthwise_accumulate(s, nhwc.data(), onednn::signed_int8_depthwise_weights(qw),
                                           scratch.data(), acc.data());
  int mismatches = 0;
  const int64_t P = s.OH * s.OW;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t p = 0; p < P; ++p)
        mismatches +=
            acc[static_cast<size_t>((n * P + p) * c.c + ch)] != ref.data<int32_t>()[(n * c.c + ch) * P + p];
  return mismatches;
}

TEST(SignedInt8Depthwise, AccumulatorsEqualReferenceIntegerConv) {
  const std::vector<Depthwise8Case> cases = {
      {"3x3 pad 1, 14x14, 96 ch", 1, 96, 14, 14, 3, 1, 1},
      {"3x3 stride 2 pad 1, odd 11x9, batch 2, 40 ch", 2, 40, 11, 9, 3, 2, 1},
      {"5x5 pad 2, 7x7, 72 ch", 1, 72, 7, 7, 5, 1, 2},
      {"5x5 stride 2 pad 2, 9x9, 24 ch", 1, 24, 9, 9, 5, 2, 2},
      {"3x3 no pad, 6x5, 3 ch", 1, 3, 6, 5, 3, 1, 0},
      {"7x7 pad 3, 8x8, 17 ch", 1, 17, 8, 8, 7, 1, 3},
      // Channels a multiple of 16: the source rows are widened as one span (no channel padding).
      {"3x3 stride 2 pad 1, 10x12, batch 2, 32 ch", 2, 32, 10, 12, 3, 2, 1},
      {"3x3 no pad, 5x7, 16 ch", 1, 16, 5, 7, 3, 1, 0},
  };
  for (const auto& c : cases)
    for (bool u8 : {false, true})
      for (bool extreme : {false, true}) {
        SCOPED_TRACE(c.name + (u8 ? ", u8 source" : ", s8 source") +
                     (extreme ? (u8 ? ", source 255, weights +-127" : ", all +-127") : ", random"));
        EXPECT_EQ(depthwise8_mismatches(c, extreme, u8), 0);
      }
}

}  // namespace
}  // namespace qd::runtime
