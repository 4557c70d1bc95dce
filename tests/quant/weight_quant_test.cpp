#include "quant/weight_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace qd::quant {
namespace {

ir::ConvAttrs conv(int k, int stride = 1, int dilation = 1, int group = 1) {
  ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  a.group = group;
  return a;
}

TEST(WeightQuant, PerChannelStepsFromAbsmaxWithFiniteZeroChannel) {
  // [O=3, I=2, 1, 1]: channel absmax 0.5, 1.27, 0.
  const std::vector<float> w = {0.5f, -0.25f, -1.27f, 1.0f, 0.f, 0.f};
  const Tensor t = Tensor::from<float>({3, 2, 1, 1}, w);
  const std::vector<double> steps = per_channel_weight_steps(t, 0, 8, "conv");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_FLOAT_EQ(steps[0], 0.5f / 127);
  EXPECT_FLOAT_EQ(steps[1], 0.01f);
  EXPECT_EQ(steps[2], 1.f);
  for (double s : steps) EXPECT_TRUE(std::isfinite(1.0 / s));
  EXPECT_FLOAT_EQ(per_channel_weight_steps(t, 0, 6, "conv")[1], 1.27f / 31);
  EXPECT_FLOAT_EQ(per_channel_weight_steps(t, 0, 4, "conv")[0], 0.5f / 7);
}

TEST(WeightQuant, NonFiniteWeightNamesTheNode) {
  const std::vector<float> w = {0.5f, NAN};
  try {
    per_channel_weight_steps(Tensor::from<float>({2, 1, 1, 1}, w), 0, 8, "layer7");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer7"), std::string::npos);
  }
}

TEST(WeightQuant, NcnnSixBitRuleOnlyFor3x3Stride1Dilation1Group1) {
  EXPECT_EQ(conv_weight_bits(conv(3), DeployTarget::ncnn), 6);
  EXPECT_EQ(conv_weight_bits(conv(3), DeployTarget::qdeploy), 8);
  EXPECT_EQ(conv_weight_bits(conv(3, 2), DeployTarget::ncnn), 8);
  EXPECT_EQ(conv_weight_bits(conv(3, 1, 2), DeployTarget::ncnn), 8);
  EXPECT_EQ(conv_weight_bits(conv(3, 1, 1, 4), DeployTarget::ncnn), 8);
  EXPECT_EQ(conv_weight_bits(conv(1), DeployTarget::ncnn), 8);
  EXPECT_EQ(conv_weight_bits(conv(5), DeployTarget::ncnn), 8);
  ir::ConvAttrs rect = conv(3);
  rect.kernel_w = 1;
  EXPECT_EQ(conv_weight_bits(rect, DeployTarget::ncnn), 8);

  ir::Node gemm{"fc", ir::OpKind::Gemm, {}, {}, ir::GemmAttrs{}};
  EXPECT_EQ(weight_bits_for_node(gemm, DeployTarget::ncnn), 8);
  ir::Node c{"c", ir::OpKind::Conv, {}, {}, conv(3)};
  EXPECT_EQ(weight_bits_for_node(c, DeployTarget::ncnn), 6);
  try {
    parse_deploy_target("tensorrt");
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ncnn"), std::string::npos);
    EXPECT_NE(msg.find("qdeploy"), std::string::npos);
  }
}

TEST(WeightQuant, QuantizesOntoTheChannelGrid) {
  // Channel 0 step 0.5/127: 0.5 -> 127, -0.25 -> -63.5 -> -64 (half away from zero).
  // Channel 1 step 0.01: -1.27 -> -127, 0.004 -> 0.4 -> 0, 0.005 -> 0.5 -> 1.
  const std::vector<float> w = {0.5f, -0.25f, -1.27f, 0.004f, 0.f, 0.f};
  const Tensor t = Tensor::from<float>({3, 2, 1, 1}, w);
  const std::vector<double> steps = {0.5 / 127, 0.01, 1.0};
  const Tensor q = quantize_weights(t, steps, 0, 8);
  ASSERT_EQ(q.dtype(), DataType::i8);
  ASSERT_EQ(q.shape(), t.shape());
  const std::vector<int8_t> expected = {127, -64, -127, 0, 0, 0};
  const int8_t* d = q.data<int8_t>();
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(d[i], expected[i]) << i;
  // 6-bit grid: steps computed for 8 bits but bits=6 clamps to +-31.
  EXPECT_EQ(quantize_weights(t, steps, 0, 6).data<int8_t>()[0], 31);
}

TEST(WeightQuant, GemmChannelAxisFollowsTransB) {
  ir::GemmAttrs ga;
  ir::Node g{"fc", ir::OpKind::Gemm, {}, {}, ga};
  EXPECT_EQ(weight_channel_axis(g), 1);  // B is [K, N]
  g.attr<ir::GemmAttrs>().trans_b = true;
  EXPECT_EQ(weight_channel_axis(g), 0);  // B is [N, K]
  // B [K=2, N=3]: column absmax 0.3, 2.54, 0.1.
  const std::vector<float> b = {0.3f, -2.54f, 0.05f, -0.1f, 1.f, 0.1f};
  const std::vector<double> steps = per_channel_weight_steps(Tensor::from<float>({2, 3}, b), 1, 8, "fc");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_FLOAT_EQ(steps[0], 0.3f / 127);
  EXPECT_FLOAT_EQ(steps[1], 0.02f);
  EXPECT_FLOAT_EQ(steps[2], 0.1f / 127);
}

TEST(WeightQuant, ShareStepsWithinGroups) {
  const std::vector<double> steps = {1, 3, 2, 5, 4, 0.5};
  EXPECT_EQ(share_steps_within_groups(steps, 2), (std::vector<double>{3, 3, 3, 5, 5, 5}));
  EXPECT_EQ(share_steps_within_groups(steps, 6), steps);
}

// x -> grouped conv g (16 -> 16, `group` groups) -> `reader` (a 1x1 conv, or nothing: graph output).
bool ncnn_int8_grouped(int group, bool conv_reader) {
  ir::Graph g;
  const ir::ValueId x = g.add_value("x", DataType::f32, {1, 16, 4, 4});
  g.inputs().push_back(x);
  ir::ConvAttrs a;
  a.group = group;
  const ir::ValueId w = g.add_constant("w", Tensor(DataType::f32, {16, 16 / group, 1, 1}));
  const ir::ValueId y = g.add_value("y", DataType::f32, {1, 16, 4, 4});
  g.add_node({"g", ir::OpKind::Conv, {x, w}, {y}, a});
  ir::ValueId out = y;
  if (conv_reader) {
    out = g.add_value("z", DataType::f32, {1, 16, 4, 4});
    const ir::ValueId w2 = g.add_constant("w2", Tensor(DataType::f32, {16, 16, 1, 1}));
    g.add_node({"c", ir::OpKind::Conv, {y, w2}, {out}, ir::ConvAttrs{}});
  }
  g.outputs().push_back(out);
  return target_computes_int8(g.nodes()[0], g, DeployTarget::ncnn);
}

TEST(WeightQuant, NcnnGroupedConvWithUnrequantizedEightWideGroupsStaysFp32) {
  EXPECT_FALSE(ncnn_int8_grouped(2, false));  // 8 outputs per group, fp32 output: wrong in ncnn
  EXPECT_TRUE(ncnn_int8_grouped(2, true));    // requantized for the int8 conv that reads it
  EXPECT_TRUE(ncnn_int8_grouped(4, false));   // 4 per group
  EXPECT_TRUE(ncnn_int8_grouped(16, false));  // depthwise
}

}  // namespace
}  // namespace qd::quant
