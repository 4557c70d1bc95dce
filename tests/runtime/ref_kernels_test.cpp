// Reference kernels against tiny cases computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/graph_builder.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {
namespace {

using testing::make;

std::vector<float> vals(const Tensor& t) { return {t.values<float>().begin(), t.values<float>().end()}; }

TEST(RefConv, PlainValidWindow) {
  Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w = make({1, 1, 2, 2}, {1, 1, 1, 1});
  ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = 2;
  Tensor y = conv2d(x, w, {}, a);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(vals(y), (std::vector<float>{12, 16, 24, 28}));
}

TEST(RefConv, DilationStrideAsymmetricPadBiasRelu) {
  Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ir::ConvAttrs d;
  d.kernel_h = d.kernel_w = 2;
  d.dilation_h = d.dilation_w = 2;  // taps the four corners
  EXPECT_EQ(vals(conv2d(x, make({1, 1, 2, 2}, {1, 1, 1, 1}), {}, d)), (std::vector<float>{20}));

  ir::ConvAttrs p;  // 1x1 identity, one row of zeros on top only, stride 2 along w
  p.pad_top = 1;
  p.stride_w = 2;
  Tensor y = conv2d(x, make({1, 1, 1, 1}, {1}), make({1}, {-3}), p);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 2}));
  EXPECT_EQ(vals(y), (std::vector<float>{-3, -3, -2, 0, 1, 3, 4, 6}));
  p.activation = ir::FusedActivation{ir::OpKind::Relu};
  EXPECT_EQ(vals(conv2d(x, make({1, 1, 1, 1}, {1}), make({1}, {-3}), p)),
            (std::vector<float>{0, 0, 0, 0, 1, 3, 4, 6}));
}

TEST(RefConv, GroupsUseTheirOwnChannels) {
  Tensor x = make({1, 2, 1, 2}, {1, 2, 10, 20});
  Tensor w = make({2, 1, 1, 1}, {2, 3});  // group 2: out0 = 2*in0, out1 = 3*in1
  ir::ConvAttrs a;
  a.group = 2;
  EXPECT_EQ(vals(conv2d(x, w, {}, a)), (std::vector<float>{2, 4, 30, 60}));
}

TEST(RefBatchNorm, PerChannel) {
  Tensor y = batchnorm(make({1, 2, 1, 1}, {1, 2}), make({2}, {2, 1}), make({2}, {0, 1}), make({2}, {1, 0}),
                       make({2}, {3, 0}), 1.f);
  EXPECT_FLOAT_EQ(y.data<float>()[0], 0.f);  // 2*(1-1)/2 + 0
  EXPECT_FLOAT_EQ(y.data<float>()[1], 3.f);  // 1*(2-0)/1 + 1
}

// ReduceMax/Sum/Mean, Slice, Split and ShuffleChannel (the zoo's MNASNet/ShuffleNetV2 ops) on values worked
// by hand.
TEST(RefDataOps, ReduceSliceSplitShuffleByHand) {
  const Tensor x = make({2, 3}, {1, 5, 2, 4, 0, 6});
  Tensor mx = reduce(x, ir::OpKind::ReduceMax, ir::ReduceAttrs{{1}, false});
  EXPECT_EQ(mx.shape(), (Shape{2}));
  EXPECT_EQ(vals(mx), (std::vector<float>{5, 6}));
  Tensor sum = reduce(x, ir::OpKind::ReduceSum, ir::ReduceAttrs{{0}, true});
  EXPECT_EQ(sum.shape(), (Shape{1, 3}));
  EXPECT_EQ(vals(sum), (std::vector<float>{5, 5, 8}));
  EXPECT_EQ(vals(reduce(x, ir::OpKind::ReduceMean, ir::ReduceAttrs{{0, 1}, false})), (std::vector<float>{3}));

  const Tensor r = make({1, 6}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(vals(slice(r, ir::SliceAttrs{{1}, {5}, {1}, {2}})), (std::vector<float>{1, 3}));
  const std::vector<Tensor> parts = split(r, ir::SplitAttrs{1, {2, 4}});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(vals(parts[0]), (std::vector<float>{0, 1}));
  EXPECT_EQ(vals(parts[1]), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(parts[1].shape(), (Shape{1, 4}));

  // y[:, c*group + g] = x[:, g*(C/group) + c], C = 4, group 2: channels 0 2 1 3.
  EXPECT_EQ(vals(shuffle_channel(make({1, 4, 1, 1}, {10, 11, 12, 13}), 2)),
            (std::vector<float>{10, 12, 11, 13}));
}

TEST(RefActivations, KnownPoints) {
  Tensor x = make({4}, {-2, -0.5f, 0.5f, 4});
  EXPECT_EQ(vals(activation(x, ir::OpKind::Relu, {})), (std::vector<float>{0, 0, 0.5f, 4}));
  EXPECT_EQ(vals(activation(x, ir::OpKind::Clip, {-1, 1})), (std::vector<float>{-1, -0.5f, 0.5f, 1}));
  EXPECT_EQ(vals(activation(x, ir::OpKind::LeakyRelu, {0.1f, 0})),
            (std::vector<float>{-0.2f, -0.05f, 0.5f, 4}));
  const std::vector<float> hsig = vals(activation(x, ir::OpKind::HardSigmoid, {0.2f, 0.5f}));
  const std::vector<float> hsig_expected{0.1f, 0.4f, 0.6f, 1.f};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(hsig[i], hsig_expected[i], 1e-6) << i;
  // HardSwish: x * clip(x/6 + 1/2, 0, 1): -2 -> -2/6, 4 -> 4
  Tensor hs = activation(x, ir::OpKind::HardSwish, {});
  EXPECT_NEAR(hs.data<float>()[0], -2.f * (1.f / 6.f), 1e-6);
  EXPECT_FLOAT_EQ(hs.data<float>()[3], 4.f);
  // Swish (SiLU): x * sigmoid(x): -2 -> -2 / (1 + e^2), 4 -> 4 / (1 + e^-4)
  Tensor sw = activation(x, ir::OpKind::Swish, {});
  EXPECT_NEAR(sw.data<float>()[0], -0.23840584f, 1e-6);
  EXPECT_NEAR(sw.data<float>()[3], 3.92805516f, 1e-6);
  EXPECT_NEAR(activation(make({1}, {0.f}), ir::OpKind::Sigmoid, {}).data<float>()[0], 0.5f, 1e-7);
  EXPECT_NEAR(activation(make({1}, {std::log(3.f)}), ir::OpKind::Sigmoid, {}).data<float>()[0], 0.75f, 1e-6);
}

TEST(RefBinary, NumpyBroadcasting) {
  Tensor a = make({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(vals(binary(ir::OpKind::Add, a, make({3}, {10, 20, 30}))),
            (std::vector<float>{10, 21, 32, 13, 24, 35}));
  EXPECT_EQ(vals(binary(ir::OpKind::Sub, a, make({2, 1}, {1, 2}))), (std::vector<float>{-1, 0, 1, 1, 2, 3}));
  EXPECT_EQ(vals(binary(ir::OpKind::Mul, make({2, 1}, {2, 3}), make({1, 2}, {5, 7}))),
            (std::vector<float>{10, 14, 15, 21}));
  EXPECT_EQ(vals(binary(ir::OpKind::Div, a, make({1}, {2}))),
            (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
  EXPECT_THROW(binary(ir::OpKind::Add, a, make({2}, {1, 2})), Error);
}

TEST(RefPool, MaxCeilMode) {
  ir::PoolAttrs a;
  a.kernel_h = a.kernel_w = a.stride_h = a.stride_w = 2;
  a.ceil_mode = true;
  Tensor y = max_pool(make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), a);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(vals(y), (std::vector<float>{5, 6, 8, 9}));
}

TEST(RefPool, AverageCountIncludePad) {
  ir::PoolAttrs a;
  a.kernel_h = a.kernel_w = 3;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;
  Tensor ones = make({1, 1, 2, 2}, {1, 1, 1, 1});
  a.count_include_pad = true;  // every window sees the 4 inputs and 5 pads
  for (float v : vals(avg_pool(ones, a))) EXPECT_FLOAT_EQ(v, 4.f / 9.f);
  a.count_include_pad = false;
  for (float v : vals(avg_pool(ones, a))) EXPECT_FLOAT_EQ(v, 1.f);
  // ceil mode: windows past the declared padding do not count even with include_pad (PyTorch/ONNX).
  ir::PoolAttrs c;
  c.kernel_w = c.stride_w = 2;
  c.ceil_mode = true;
  c.count_include_pad = true;
  EXPECT_EQ(vals(avg_pool(make({1, 1, 1, 3}, {2, 4, 6}), c)), (std::vector<float>{3, 6}));
}

TEST(RefPool, GlobalAndReduceMean) {
  Tensor x = make({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, 10});
  EXPECT_EQ(vals(global_avg_pool(x)), (std::vector<float>{2.5f, 1}));
  EXPECT_EQ(vals(global_max_pool(x)), (std::vector<float>{4, 10}));
  ir::ReduceAttrs r;
  r.axes = {2, 3};
  r.keepdims = false;
  Tensor m = reduce_mean(x, r);
  EXPECT_EQ(m.shape(), (Shape{1, 2}));
  EXPECT_EQ(vals(m), (std::vector<float>{2.5f, 1}));
}

TEST(RefGemm, AlphaBetaTranspose) {
  // A = [[1,2]], B^T given (trans_b): B = [[1,3],[2,4]] -> A*B = [5, 11]; alpha 2, beta 0.5, C = [2, 4]
  ir::GemmAttrs a;
  a.alpha = 2;
  a.beta = 0.5f;
  a.trans_b = true;
  Tensor y = gemm(make({1, 2}, {1, 2}), make({2, 2}, {1, 2, 3, 4}), make({2}, {2, 4}), a);
  EXPECT_EQ(vals(y), (std::vector<float>{11, 24}));
  ir::GemmAttrs t;  // trans_a: A stored [K,M] = [[1],[2]]
  t.trans_a = true;
  EXPECT_EQ(vals(gemm(make({2, 1}, {1, 2}), make({2, 2}, {1, 3, 2, 4}), {}, t)), (std::vector<float>{5, 11}));
}

TEST(RefMatMul, BatchedBroadcast) {
  // a [2,1,2], b [2,1] -> [2,1,1]; b broadcast over the batch.
  Tensor y = matmul(make({2, 1, 2}, {1, 2, 3, 4}), make({2, 1}, {10, 1}));
  EXPECT_EQ(y.shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(vals(y), (std::vector<float>{12, 34}));
  Tensor v = matmul(make({2}, {1, 1}), make({2, 2}, {1, 2, 3, 4}));  // 1-D lhs
  EXPECT_EQ(v.shape(), (Shape{2}));
  EXPECT_EQ(vals(v), (std::vector<float>{4, 6}));
}

TEST(RefSoftmax, Axis) {
  Tensor y = softmax(make({1, 2}, {0, std::log(3.f)}), 1);
  EXPECT_NEAR(y.data<float>()[0], 0.25f, 1e-6);
  EXPECT_NEAR(y.data<float>()[1], 0.75f, 1e-6);
  Tensor z = softmax(make({2, 1}, {5, 7}), 0);
  EXPECT_NEAR(z.data<float>()[0] + z.data<float>()[1], 1.f, 1e-6);
  EXPECT_NEAR(z.data<float>()[1] / z.data<float>()[0], std::exp(2.f), 1e-3);
}

TEST(RefDataMovement, ConcatPadTranspose) {
  Tensor c = concat({make({1, 1, 2}, {1, 2}), make({1, 2, 2}, {3, 4, 5, 6})}, 1);
  EXPECT_EQ(c.shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(vals(c), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  ir::PadAttrs p;
  p.pads = {2, 2};
  p.mode = ir::PadMode::reflect;
  EXPECT_EQ(vals(pad(make({3}, {1, 2, 3}), p)), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  p.mode = ir::PadMode::edge;
  EXPECT_EQ(vals(pad(make({3}, {1, 2, 3}), p)), (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  p.mode = ir::PadMode::constant;
  p.value = 9;
  p.pads = {0, 1, 1, 0};  // [2,2]: one row after, one column before
  EXPECT_EQ(vals(pad(make({1, 2}, {1, 2}), p)), (std::vector<float>{9, 1, 2, 9, 9, 9}));
  Tensor t = transpose(make({2, 3}, {0, 1, 2, 3, 4, 5}), {1, 0});
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(t), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

}  // namespace
}  // namespace qd::runtime::ref

namespace qd::runtime::ref {
namespace {

TEST(RefUnaryMath, ErfSqrtGeluHandValues) {
  Tensor x = make({4}, {-1.f, 0.f, 0.5f, 4.f});
  // erf(-1) = -0.8427008, erf(0.5) = 0.5204999, erf(4) = 0.99999998
  std::vector<float> e = vals(unary_math(x, ir::OpKind::Erf));
  EXPECT_NEAR(e[0], -0.8427008f, 1e-6f);
  EXPECT_EQ(e[1], 0.f);
  EXPECT_NEAR(e[2], 0.5204999f, 1e-6f);
  EXPECT_NEAR(e[3], 1.f, 1e-6f);
  EXPECT_EQ(vals(unary_math(make({2}, {4.f, 0.25f}), ir::OpKind::Sqrt)), (std::vector<float>{2.f, 0.5f}));
  // gelu(x) = x * Phi(x): Phi(-1) = 0.1586553, Phi(0.5) = 0.6914625, Phi(4) = 0.9999683
  std::vector<float> g = vals(unary_math(x, ir::OpKind::Gelu));
  EXPECT_NEAR(g[0], -0.1586553f, 1e-6f);
  EXPECT_EQ(g[1], 0.f);
  EXPECT_NEAR(g[2], 0.3457312f, 1e-6f);
  EXPECT_NEAR(g[3], 3.9998733f, 1e-5f);
}

TEST(RefBinary, PowBroadcastsTheExponent) {
  EXPECT_EQ(vals(binary(ir::OpKind::Pow, make({3}, {2.f, -3.f, 0.5f}), make({}, {2.f}))),
            (std::vector<float>{4.f, 9.f, 0.25f}));
}

TEST(RefLayerNorm, LastAxisAndChannelAxisByHand) {
  // rows {1,2,3} and {2,4,6}: mean 2 / 4, var 2/3 / 8/3; eps 0 -> (x - mean) / sqrt(var)
  const float r = std::sqrt(1.5f);  // 1 / sqrt(2/3)
  Tensor x = make({2, 3}, {1, 2, 3, 2, 4, 6});
  Tensor y = layer_norm(x, make({3}, {1, 2, 1}), make({3}, {0, 0, 10}), ir::LayerNormAttrs{1, 1, 0.f});
  std::vector<float> v = vals(y);
  EXPECT_NEAR(v[0], -r, 1e-6f);
  EXPECT_NEAR(v[1], 0.f, 1e-6f);
  EXPECT_NEAR(v[2], r + 10.f, 1e-5f);
  EXPECT_NEAR(v[3], -r, 1e-6f);
  EXPECT_NEAR(v[5], r + 10.f, 1e-5f);
  // NCHW [1,3,1,2] normalised over C (axis 1): the same numbers, channel-strided.
  Tensor xc = make({1, 3, 1, 2}, {1, 2, 2, 4, 3, 6});
  std::vector<float> c = vals(layer_norm(xc, make({3}, {1, 1, 1}), {}, ir::LayerNormAttrs{1, 1, 0.f}));
  EXPECT_NEAR(c[0], -r, 1e-6f);
  EXPECT_NEAR(c[1], -r, 1e-6f);
  EXPECT_NEAR(c[4], r, 1e-6f);
  EXPECT_NEAR(c[5], r, 1e-6f);
}

}  // namespace
}  // namespace qd::runtime::ref
