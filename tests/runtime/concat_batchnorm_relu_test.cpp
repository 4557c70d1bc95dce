// Concat + BatchNormalization + Relu in one pass (DenseNet's dense layers): the kernel against the
// reference's concat, BN, Relu and quantize (bit-exact, fp32 and u8, inputs in nhwc / nChw8c / nChw16c),
// and the executor's group on a DenseNet-like model, fp32 and int8, against the reference runtime.
#include "runtime/onednn/concat_batchnorm_relu.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::in_layout;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

TEST(ConcatBatchNormRelu, BitExactWithTheReferenceForEveryInputLayout) {
  const int64_t N = 2, H = 5, W = 7;  // 35 pixels: blocks of 8 with a remainder
  using L = onednn::PieceLayout;
  const std::vector<std::pair<int64_t, L>> parts = {
      {13, L::nhwc}, {16, L::nChw16c}, {24, L::nChw8c}, {32, L::nChw16c}, {5, L::nhwc}};
  std::vector<Tensor> xs;
  std::vector<std::vector<float>> laid;
  std::vector<onednn::ConcatPiece> pieces;
  int64_t C = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    xs.push_back(random_tensor({N, parts[i].first, H, W}, 200 + static_cast<uint32_t>(i), -3.f, 3.f));
    laid.push_back(in_layout(xs.back(), parts[i].second));
    C += parts[i].first;
  }
  for (size_t i = 0; i < parts.size(); ++i)
    pieces.push_back({laid[i].data(), parts[i].first, parts[i].second});
  const Tensor gamma = random_tensor({C}, 92, 0.2f, 2.f), beta = random_tensor({C}, 93, -1.f, 1.f),
               mean = random_tensor({C}, 94, -0.5f, 0.5f), var = random_tensor({C}, 95, 0.1f, 3.f);
  const float eps = 1e-5f, step = 0.023f;
  Tensor y = ref::batchnorm(ref::concat(xs, 1), gamma, beta, mean, var, eps);
  for (float& v : y.values<float>()) v = v > 0.f ? v : 0.f;
  const Tensor want_q = ref::quantize(y, step);
  onednn::BatchNormChannels ch;
  ch.gamma.assign(gamma.data<float>(), gamma.data<float>() + C);
  ch.beta.assign(beta.data<float>(), beta.data<float>() + C);
  ch.mean.assign(mean.data<float>(), mean.data<float>() + C);
  for (int64_t c = 0; c < C; ++c) ch.inv_std.push_back(1.f / std::sqrt(var.data<float>()[c] + eps));
  int clamped = 0, zero = 0;
  for (int8_t q : want_q.values<int8_t>()) clamped += q == 127, zero += q == 0;
  EXPECT_GT(clamped, 0);  // the range clamp and the Relu are exercised too
  EXPECT_GT(zero, 0);
  std::vector<float> out_f(static_cast<size_t>(y.numel()));
  std::vector<uint8_t> out_q(static_cast<size_t>(y.numel()));
  onednn::concat_batchnorm_relu(pieces, N, H * W, ch, 0.f, out_f.data());
  onednn::concat_batchnorm_relu(pieces, N, H * W, ch, step, out_q.data());
  int mismatches_f = 0, mismatches_q = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < H * W; ++p) {
        const int64_t i = (n * C + c) * H * W + p, j = (n * H * W + p) * C + c;  // output NHWC
        mismatches_f += out_f[j] != y.data<float>()[i];
        mismatches_q += out_q[j] != static_cast<uint8_t>(want_q.data<int8_t>()[i]);
      }
  EXPECT_EQ(mismatches_f, 0);
  EXPECT_EQ(mismatches_q, 0);
}

std::vector<Tensor> dense_run(const ir::Model& m, Backend b, Int8Mode mode, const Tensor& in) {
  CompileOptions o;
  o.backend = b;
  o.int8 = mode;
  o.threads = 1;
  o.batch = in.dim(0);
  return compile(m, o)->run({in});
}

// Two dense layers over the features of a stem conv: every concat reads conv outputs (the layouts oneDNN's
// convs leave), and its BN + Relu feed a 1x1 conv.
ir::Model dense_block_model(int64_t batch) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 3, 9, 9});
  std::vector<ir::ValueId> features = {b.conv(x, 3, 32, conv_attrs(3, 1, 1), 70)};
  uint32_t seed = 71;
  for (int layer = 0; layer < 2; ++layer) {
    const int64_t C = 32 + 16 * layer;
    ir::ValueId cat = b.node(ir::OpKind::Concat, features, ir::AxisAttrs{1});
    auto per_channel = [&](float lo, float hi) { return b.constant(random_tensor({C}, seed++, lo, hi)); };
    ir::ValueId bn = b.node(ir::OpKind::BatchNormalization,
                            {cat, per_channel(0.5f, 1.5f), per_channel(-1.f, 1.f), per_channel(-0.5f, 0.5f),
                             per_channel(0.2f, 2.f)},
                            ir::BatchNormAttrs{1e-3f});
    ir::ValueId mid =
        b.node(ir::OpKind::Relu, {b.conv(b.node(ir::OpKind::Relu, {bn}), C, 32, conv_attrs(1), seed++)});
    features.push_back(b.conv(mid, 32, 16, conv_attrs(3, 1, 1), seed++));
  }
  b.output(b.node(ir::OpKind::Concat, features, ir::AxisAttrs{1}));
  return b.finish();
}

TEST(ConcatBatchNormRelu, DenseBlockFp32MatchesTheReferenceInOnePass) {
  const Tensor in = random_tensor({2, 3, 9, 9}, 69);
  const ir::Model m = dense_block_model(2);
  EXPECT_EQ(compare(dense_run(m, Backend::onednn, Int8Mode::off, in)[0],
                    dense_run(m, Backend::reference, Int8Mode::off, in)[0], 1e-5f),
            "");
  CompileOptions o;
  o.batch = 2;
  const std::string plan = onednn_plan_summary(*compile(m, o));
  size_t fused = 0;
  for (size_t at = plan.find("Concat+BatchNorm+Relu"); at != std::string::npos;
       at = plan.find("Concat+BatchNorm+Relu", at + 1))
    ++fused;
  EXPECT_EQ(fused, 2u) << plan;
  EXPECT_EQ(plan.find("\nBatchNormalization "), std::string::npos) << plan;
}

TEST(ConcatBatchNormRelu, DenseBlockInt8IsTheReferencesIntegers) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    const Tensor in = random_tensor({batch, 3, 9, 9}, 68);
    ir::Model m = dense_block_model(batch);
    quantize_convs_by_absmax(m, in);
    CompileOptions o;
    o.batch = batch;
    const auto ref = dense_run(m, Backend::reference, Int8Mode::real, in);
    EXPECT_EQ(compare(dense_run(m, Backend::onednn, Int8Mode::real, in)[0], ref[0], 1e-5f), "");
    EXPECT_NE(compare(dense_run(m, Backend::reference, Int8Mode::off, in)[0], ref[0], 1e-4f),
              "");  // int8 in effect
    o.backend = Backend::onednn;
    const std::string plan = onednn_plan_summary(*compile(m, o));
    EXPECT_NE(plan.find("Concat+BatchNorm+Relu"), std::string::npos) << plan;
    EXPECT_NE(plan.find("one pass ->int8"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
  }
}

}  // namespace
}  // namespace qd::runtime
