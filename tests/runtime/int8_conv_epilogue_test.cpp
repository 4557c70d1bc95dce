// The specialised 16-channel epilogues of the signed-source int8 kernels (int8_conv_epilogue.h's
// Int8Epilogue16 kinds) against the general epilogue, byte for byte, through the signed 1x1 /
// 3x3 conv and the signed depthwise conv: no activation, Relu, Clip (ReLU6), HardSwish and Swish, to u8, s8
// and f32, a residual sum (+ Relu) in f32, channel counts with and without a partial block of 16.
#include "runtime/onednn/int8_conv_epilogue.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/onednn/signed_int8_conv.h"
#include "runtime/onednn/signed_int8_depthwise.h"

namespace qd::runtime::onednn {
namespace {

struct EpilogueCase {
  std::string name;
  std::vector<ir::FusedActivation> acts;
  Int8Dst dst;
  Int8Epilogue16 want;
  bool sum = false;        // acts after the sum (post_sum), dst holds the residual
  bool full_range = true;  // the outputs reach 0 and 127 (the bit equality is checked in every case)
};

std::vector<EpilogueCase> epilogue_cases() {
  const ir::FusedActivation relu{ir::OpKind::Relu}, relu6{ir::OpKind::Clip, 0.f, 6.f},
      hswish{ir::OpKind::HardSwish}, swish{ir::OpKind::Swish}, leaky{ir::OpKind::LeakyRelu, 0.1f},
      odd_clip{ir::OpKind::Clip, -1.37f, 3.31f}, neg_clip{ir::OpKind::Clip, -3.f, -1.f};
  return {
      {"none -> s8", {}, Int8Dst::s8, Int8Epilogue16::clamp_to_int8},
      {"Relu -> u8", {relu}, Int8Dst::u8, Int8Epilogue16::clamp_to_int8},
      {"Clip(0, 6) -> u8", {relu6}, Int8Dst::u8, Int8Epilogue16::clamp_to_int8},
      {"Clip(0, 6) -> s8", {relu6}, Int8Dst::s8, Int8Epilogue16::clamp_to_int8},
      // Bounds between two steps (the one clamp in steps rounds them as the product rounds y).
      {"Clip(-1.37, 3.31) -> s8", {odd_clip}, Int8Dst::s8, Int8Epilogue16::clamp_to_int8, false, false},
      {"Clip(-1.37, 3.31) -> u8", {odd_clip}, Int8Dst::u8, Int8Epilogue16::clamp_to_int8, false, false},
      // Every value below the u8 range: the two clamps do not merge, the general code runs.
      {"Clip(-3, -1) -> u8 (general)", {neg_clip}, Int8Dst::u8, Int8Epilogue16::general, false, false},
      {"HardSwish -> s8", {hswish}, Int8Dst::s8, Int8Epilogue16::hardswish_to_int8},
      {"HardSwish -> u8", {hswish}, Int8Dst::u8, Int8Epilogue16::hardswish_to_int8},
      {"none -> f32", {}, Int8Dst::f32, Int8Epilogue16::clamp_to_f32},
      {"Relu -> f32", {relu}, Int8Dst::f32, Int8Epilogue16::clamp_to_f32},
      {"HardSwish -> f32", {hswish}, Int8Dst::f32, Int8Epilogue16::hardswish_to_f32},
      {"sum -> f32", {}, Int8Dst::f32, Int8Epilogue16::sum_clamp_to_f32, true},
      {"sum, Relu -> f32", {relu}, Int8Dst::f32, Int8Epilogue16::sum_clamp_to_f32, true},
      {"Swish -> s8", {swish}, Int8Dst::s8, Int8Epilogue16::swish_to_int8},
      {"Swish -> f32", {swish}, Int8Dst::f32, Int8Epilogue16::swish_to_f32},
      {"LeakyRelu -> s8 (general)", {leaky}, Int8Dst::s8, Int8Epilogue16::general},
      {"sum, HardSwish -> f32 (general)", {hswish}, Int8Dst::f32, Int8Epilogue16::general, true},
  };
}

// Scales that spread y = (acc + bias) * scale over about [-8, 8] for accumulators of K products of
// uniform s8 values, a requantization step of 6/127, and random biases.
Int8ConvEpilogue random_epilogue(const EpilogueCase& c, int64_t oc, int64_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.5f, 1.5f), b(-2000.f, 2000.f);
  std::vector<float> scales(static_cast<size_t>(oc)), bias(static_cast<size_t>(oc));
  for (int64_t o = 0; o < oc; ++o) {
    scales[o] = u(rng) * 8.f / (127.f * 127.f * 0.6f * std::sqrt(static_cast<float>(k)));
    bias[o] = b(rng);
  }
  Int8ConvEpilogue e =
      make_int8_conv_epilogue(oc, (oc + 15) / 16 * 16, scales, bias.data(),
                              c.dst == Int8Dst::f32 ? 0.f : 6.f / 127.f, c.dst == Int8Dst::u8);
  (c.sum ? e.post_sum : e.pre_sum) = c.acts;
  e.sum = c.sum;
  return e;
}

std::vector<int8_t> random_s8(size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

Tensor random_weights(const Shape& s, std::mt19937& rng) {
  Tensor t(DataType::i8, s);
  std::uniform_int_distribution<int> d(-127, 127);
  for (int8_t& v : t.values<int8_t>()) v = static_cast<int8_t>(d(rng));
  return t;
}

size_t dst_bytes(Int8Dst d, int64_t elems) {
  return static_cast<size_t>(elems) * (d == Int8Dst::f32 ? sizeof(float) : 1);
}

// The destination before the conv: a random f32 residual for the sum cases, a fill byte otherwise.
std::vector<uint8_t> initial_dst(const EpilogueCase& c, size_t bytes, uint8_t fill, uint32_t seed) {
  std::vector<uint8_t> d(bytes, fill);
  if (!c.sum) return d;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-4.f, 4.f);
  for (size_t i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) {
    const float v = u(rng);
    std::memcpy(d.data() + i, &v, sizeof v);
  }
  return d;
}

TEST(Int8ConvEpilogue, SpecialisedEqualsGeneralInTheSignedConv) {
  struct Conv {
    std::string name;
    int64_t c, h, w, oc;
    int k, stride, pad;
  };
  // 24 -> 96: MobileNetV2's 1x1 expand (full blocks); 16 -> 40: a partial block; 3 -> 32 3x3/s2: the stem.
  const std::vector<Conv> convs = {{"1x1 24 -> 96", 24, 9, 7, 96, 1, 1, 0},
                                   {"1x1 16 -> 40", 16, 5, 5, 40, 1, 1, 0},
                                   {"3x3/s2 3 -> 32", 3, 11, 11, 32, 3, 2, 1}};
  std::mt19937 rng(71);
  for (const Conv& cv : convs)
    for (const EpilogueCase& c : epilogue_cases()) {
      SCOPED_TRACE(cv.name + ", " + c.name);
      SignedInt8Shape s;
      s.N = 1, s.C = cv.c, s.H = cv.h, s.W = cv.w, s.OC = cv.oc;
      s.kh = s.kw = cv.k, s.stride_h = s.stride_w = cv.stride, s.pad_top = s.pad_left = cv.pad;
      s.OH = (cv.h + 2 * cv.pad - cv.k) / cv.stride + 1, s.OW = (cv.w + 2 * cv.pad - cv.k) / cv.stride + 1;
      const std::vector<int8_t> src = random_s8(static_cast<size_t>(cv.c * cv.h * cv.w), rng);
      const auto w = signed_int8_weights(random_weights({cv.oc, cv.c, cv.k, cv.k}, rng));
      const Int8ConvEpilogue e = random_epilogue(c, cv.oc, cv.c * cv.k * cv.k, rng);
      EXPECT_EQ(int8_epilogue16_plan(e).kind, c.want);
      const size_t bytes = dst_bytes(c.dst, s.OH * s.OW * s.OC);
      std::vector<uint8_t> scratch(s.scratch_bytes()), general = initial_dst(c, bytes, 0xAB, 73),
                                                       special = initial_dst(c, bytes, 0xCD, 73);
      signed_int8_convolve(s, src.data(), w, scratch.data(), general.data(), e, true);
      signed_int8_convolve(s, src.data(), w, scratch.data(), special.data(), e, false);
      EXPECT_EQ(general, special);
      if (c.dst == Int8Dst::f32 || !c.full_range) continue;
      int zeros = 0, saturated = 0;  // the cases reach both ends of the int8 range
      for (uint8_t v : general) zeros += v == 0, saturated += v == 127;
      EXPECT_GT(zeros, 0);
      EXPECT_GT(saturated, 0);
    }
}

TEST(Int8ConvEpilogue, SpecialisedEqualsGeneralInTheSignedDepthwiseConv) {
  std::mt19937 rng(72);
  for (int64_t C : {48, 40})
    for (const EpilogueCase& c : epilogue_cases()) {
      SCOPED_TRACE(std::to_string(C) + " channels, " + c.name);
      SignedInt8DepthwiseShape s;
      s.N = 1, s.C = C, s.H = 9, s.W = 8, s.OH = 9, s.OW = 8;
      s.kh = s.kw = 3, s.stride_h = s.stride_w = 1, s.pad_top = s.pad_left = 1;
      const std::vector<int8_t> src = random_s8(static_cast<size_t>(C * s.H * s.W), rng);
      const auto w = signed_int8_depthwise_weights(random_weights({C, 1, 3, 3}, rng));
      const Int8ConvEpilogue e = random_epilogue(c, C, 9, rng);
      const size_t bytes = dst_bytes(c.dst, s.OH * s.OW * C);
      std::vector<uint8_t> scratch(s.scratch_bytes()), general = initial_dst(c, bytes, 0xAB, 74),
                                                       special = initial_dst(c, bytes, 0xCD, 74);
      signed_int8_depthwise_convolve(s, src.data(), w, scratch.data(), general.data(), e, true);
      signed_int8_depthwise_convolve(s, src.data(), w, scratch.data(), special.data(), e, false);
      EXPECT_EQ(general, special);
    }
}

}  // namespace
}  // namespace qd::runtime::onednn
