#include "quant/cross_layer_equalization.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::compare;
using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

constexpr int kC = 8;

ir::ConvAttrs with_activation(ir::ConvAttrs a, ir::OpKind kind, float lo = 0.f, float hi = 0.f) {
  a.activation = ir::FusedActivation{kind, lo, hi};
  return a;
}

// conv1 (3x3, channel 0's weights and bias 100x the others) -> [activation] -> conv2 (3x3).
ir::Model two_conv_model(ir::ConvAttrs first_attrs, bool standalone_relu = false) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, kC, 6, 6});
  Tensor w1 = random_tensor({kC, kC, 3, 3}, 11);
  Tensor b1 = random_tensor({kC}, 12);
  for (int i = 0; i < kC * 9; ++i) w1.data<float>()[i] *= 100.f;  // output channel 0
  b1.data<float>()[0] *= 100.f;
  ir::ValueId y = b.node(ir::OpKind::Conv, {x, b.constant(w1), b.constant(b1)}, first_attrs);
  if (standalone_relu) y = b.node(ir::OpKind::Relu, {y});
  y = b.conv(y, kC, kC, conv_attrs(3, 1, 1), 21);
  b.output(y);
  return b.finish();
}

Tensor run_fp32(const ir::Model& m, const Tensor& x) {
  runtime::CompileOptions c;
  c.backend = runtime::Backend::reference;
  c.int8 = runtime::Int8Mode::off;
  c.batch = x.dim(0);
  return runtime::compile(m, c)->run({x})[0];
}

const Tensor& weight_of(const ir::Graph& g, int node) { return g.value(g.nodes()[node].inputs[1]).constant; }

float spread(const std::vector<float>& r) {
  return *std::max_element(r.begin(), r.end()) / *std::min_element(r.begin(), r.end());
}

// Every Conv weight replaced by its per-TENSOR 8-bit fake quantization (step = max|W| / 127).
ir::Model per_tensor_fake_quantized(const ir::Model& m) {
  ir::Model q = m;
  for (ir::Node& n : q.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    Tensor w = q.graph.value(n.inputs[1]).constant.clone();
    float absmax = 0;
    for (float v : w.values<float>()) absmax = std::max(absmax, std::fabs(v));
    const float step = absmax / 127.f;
    for (float& v : w.values<float>()) v = std::round(v / step) * step;
    n.inputs[1] = q.graph.add_constant(q.graph.unique_value_name(n.name + "_fq"), w);
  }
  return q;
}

double mean_squared_difference(const Tensor& a, const Tensor& b) {
  double acc = 0;
  for (int64_t i = 0; i < a.numel(); ++i) acc += std::pow(double(a.data<float>()[i]) - b.data<float>()[i], 2);
  return acc / static_cast<double>(a.numel());
}

TEST(CrossLayerEqualization, EqualizesRangesKeepsTheFunctionAndLowersPerTensorQuantError) {
  const ir::Model before = two_conv_model(with_activation(conv_attrs(3, 1, 1), ir::OpKind::Relu));
  ir::Model after = before;
  const EqualizationResult r = equalize_cross_layer(after.graph);
  EXPECT_EQ(r.pairs, 1);
  EXPECT_EQ(r.skipped_bounded, 0);
  EXPECT_LE(r.sweeps, 3);

  const ir::Node& conv1 = before.graph.nodes()[0];
  const float spread_before = spread(output_channel_ranges(conv1, weight_of(before.graph, 0)));
  const float spread_after = spread(output_channel_ranges(conv1, weight_of(after.graph, 0)));
  EXPECT_GT(spread_before, 50.f);
  EXPECT_LT(spread_after, 0.2f * spread_before);
  // The definition: after CLE, conv1's output range equals conv2's input range, channel by channel.
  const std::vector<float> r1 = output_channel_ranges(conv1, weight_of(after.graph, 0));
  const std::vector<float> r2 = input_channel_ranges(after.graph.nodes()[1], weight_of(after.graph, 1));
  for (int c = 0; c < kC; ++c) EXPECT_NEAR(r1[c], r2[c], 1e-4f * r2[c]) << c;

  const Tensor x = random_tensor({4, kC, 6, 6}, 5, -2.f, 2.f);
  const Tensor y_before = run_fp32(before, x), y_after = run_fp32(after, x);
  EXPECT_EQ(compare(y_after, y_before, 1e-5f), "");

  const double err_plain = mean_squared_difference(run_fp32(per_tensor_fake_quantized(before), x), y_before);
  const double err_cle = mean_squared_difference(run_fp32(per_tensor_fake_quantized(after), x), y_before);
  EXPECT_LT(err_cle, 0.5 * err_plain) << err_plain << " -> " << err_cle;

  // The input model's tensors are not written (new constants).
  EXPECT_EQ(weight_of(before.graph, 0).data<float>()[0],
            random_tensor({kC, kC, 3, 3}, 11).data<float>()[0] * 100.f);
}

TEST(CrossLayerEqualization, StandaloneReluBetweenThePairWorksToo) {
  const ir::Model before = two_conv_model(conv_attrs(3, 1, 1), /*standalone_relu=*/true);
  ir::Model after = before;
  EXPECT_EQ(equalize_cross_layer(after.graph).pairs, 1);
  const Tensor x = random_tensor({2, kC, 6, 6}, 6, -2.f, 2.f);
  EXPECT_EQ(compare(run_fp32(after, x), run_fp32(before, x), 1e-5f), "");
}

TEST(CrossLayerEqualization, SkipsReluSixBecauseScalingDoesNotCommuteWithTheClip) {
  const ir::Model before = two_conv_model(with_activation(conv_attrs(3, 1, 1), ir::OpKind::Clip, 0.f, 6.f));
  ir::Model after = before;
  const EqualizationResult r = equalize_cross_layer(after.graph);
  EXPECT_EQ(r.pairs, 0);
  EXPECT_EQ(r.skipped_bounded, 1);
  EXPECT_EQ(after.graph.nodes()[0].inputs[1], before.graph.nodes()[0].inputs[1]);
  // Clip(0, +inf) is a ReLU and is equalized.
  ir::Model open_clip = two_conv_model(
      with_activation(conv_attrs(3, 1, 1), ir::OpKind::Clip, 0.f, std::numeric_limits<float>::infinity()));
  EXPECT_EQ(equalize_cross_layer(open_clip.graph).pairs, 1);
}

TEST(CrossLayerEqualization, DepthwiseChainEqualizesBothPairs) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, kC, 6, 6});
  const ir::ConvAttrs relu = with_activation(conv_attrs(1), ir::OpKind::Relu);
  Tensor w1 = random_tensor({kC, kC, 1, 1}, 31);
  for (int i = 0; i < kC; ++i) w1.data<float>()[3 * kC + i] *= 50.f;  // output channel 3
  ir::ValueId y = b.node(ir::OpKind::Conv, {x, b.constant(w1), b.constant(random_tensor({kC}, 32))}, relu);
  y = b.conv(y, kC, kC, with_activation(conv_attrs(3, 1, 1, /*group=*/kC), ir::OpKind::Relu),
             33);  // depthwise
  y = b.conv(y, kC, kC, conv_attrs(1), 35);
  b.output(y);
  const ir::Model before = b.finish();
  ir::Model after = before;
  const EqualizationResult r = equalize_cross_layer(after.graph);
  EXPECT_EQ(r.pairs, 2);
  EXPECT_GT(r.sweeps, 1);  // the pairs share the depthwise conv
  const Tensor in = random_tensor({2, kC, 6, 6}, 7, -2.f, 2.f);
  EXPECT_EQ(compare(run_fp32(after, in), run_fp32(before, in), 1e-5f), "");
  const ir::Node& conv1 = before.graph.nodes()[0];
  EXPECT_LT(spread(output_channel_ranges(conv1, weight_of(after.graph, 0))),
            0.3f * spread(output_channel_ranges(conv1, weight_of(before.graph, 0))));
}

TEST(CrossLayerEqualization, LeavesBranchingOutputsAlone) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, kC, 6, 6});
  ir::ValueId y = b.conv(x, kC, kC, with_activation(conv_attrs(1), ir::OpKind::Relu), 41);
  ir::ValueId p = b.conv(y, kC, kC, conv_attrs(1), 43);
  ir::ValueId q = b.conv(y, kC, kC, conv_attrs(1), 45);
  b.output(b.node(ir::OpKind::Add, {p, q}));
  ir::Model m = b.finish();
  EXPECT_TRUE(find_equalization_pairs(m.graph).pairs.empty());
}

}  // namespace
}  // namespace qd::quant
