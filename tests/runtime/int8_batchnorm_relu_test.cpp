// DenseNet's concat -> BatchNormalization -> Relu -> conv: the BN takes the Relu (oneDNN norm-relu in fp32)
// and, read only by an int8 conv, writes u8 for it in one step (no BN, Relu and quantize over fp32).
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

std::vector<Tensor> bn_run(const ir::Model& m, Backend b, Int8Mode mode, const Tensor& in,
                           const Tap& tap = {}) {
  CompileOptions o;
  o.backend = b;
  o.int8 = mode;
  o.threads = 1;
  o.batch = in.dim(0);
  return compile(m, o)->run({in}, tap);
}

ir::Model dense_layer_model(int64_t batch) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 16, 7, 7});
  ir::ValueId c = b.conv(x, 16, 32, conv_attrs(3, 1, 1), 61);
  ir::ValueId cat = b.node(ir::OpKind::Concat, {x, c}, ir::AxisAttrs{1});
  auto per_channel = [&](uint32_t seed, float lo, float hi) {
    return b.constant(random_tensor({48}, seed, lo, hi));
  };
  ir::ValueId bn = b.node(ir::OpKind::BatchNormalization,
                          {cat, per_channel(62, 0.5f, 1.5f), per_channel(63, -1.f, 1.f),
                           per_channel(64, -0.5f, 0.5f), per_channel(65, 0.2f, 2.f)},
                          ir::BatchNormAttrs{1e-3f});
  b.output(b.conv(b.node(ir::OpKind::Relu, {bn}), 48, 8, conv_attrs(1), 66));
  return b.finish();
}

TEST(OneDnnBatchNormRelu, Fp32FusesTheRelu) {
  const Tensor in = random_tensor({2, 16, 7, 7}, 60);
  const ir::Model m = dense_layer_model(2);
  EXPECT_EQ(compare(bn_run(m, Backend::onednn, Int8Mode::off, in)[0],
                    bn_run(m, Backend::reference, Int8Mode::off, in)[0], 1e-5f),
            "");
  CompileOptions o;
  o.batch = 2;
  const std::string plan = onednn_plan_summary(*compile(m, o));
  EXPECT_NE(plan.find("BatchNormalization BatchNormalization"), std::string::npos) << plan;
  EXPECT_NE(plan.find("+fused"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\nRelu "), std::string::npos) << plan;  // no Relu step of its own
}

TEST(OneDnnBatchNormRelu, Int8ReaderGetsU8FromTheBatchNorm) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    const Tensor in = random_tensor({batch, 16, 7, 7}, 67);
    ir::Model m = dense_layer_model(batch);
    quantize_convs_by_absmax(m, in);
    const auto ref = bn_run(m, Backend::reference, Int8Mode::real, in);
    EXPECT_EQ(compare(bn_run(m, Backend::onednn, Int8Mode::real, in)[0], ref[0], 1e-4f), "");
    EXPECT_NE(compare(bn_run(m, Backend::reference, Int8Mode::off, in)[0], ref[0], 1e-6f),
              "");  // int8 in effect
    CompileOptions o;
    o.batch = batch;
    const std::string plan = onednn_plan_summary(*compile(m, o));
    EXPECT_NE(plan.find("+fused ->int8"), std::string::npos) << plan;  // the BN + Relu
    const size_t first_quantize = plan.find("quantize");
    EXPECT_EQ(plan.find("quantize", first_quantize + 1), std::string::npos) << plan;  // only the graph input
    EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
  }
}

}  // namespace
}  // namespace qd::runtime
