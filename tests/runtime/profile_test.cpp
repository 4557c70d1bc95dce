// Executor::last_profile: one entry per executed step when compiled with CompileOptions::profile.
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::runtime {
namespace {

using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

// conv3x3+relu -> conv3x3 + x (residual) -> relu -> global average pool
ir::Model block_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {kDynamicDim, 8, 6, 6});
  ir::ValueId h = b.node(ir::OpKind::Relu, {b.conv(x, 8, 8, conv_attrs(3, 1, 1), 1)});
  ir::ValueId y =
      b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {b.conv(h, 8, 8, conv_attrs(3, 1, 1), 2), x})});
  b.output(b.node(ir::OpKind::GlobalAveragePool, {y}));
  return b.finish();
}

std::vector<StepProfile> profile_of(Backend backend, bool profile) {
  const ir::Model m = block_model();
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  o.profile = profile;
  auto ex = compile(m, o);
  EXPECT_TRUE(ex->last_profile().empty());  // nothing ran yet
  ex->run({random_tensor({1, 8, 6, 6}, 3)});
  return ex->last_profile();
}

TEST(Profile, OneDnnNamesFusedLayers) {
  const std::vector<StepProfile> p = profile_of(Backend::onednn, true);
  // The two convs (the second with its residual add fused) and the pooling, plus input/output copies.
  std::vector<std::string> conv_ops, all_ops;
  for (const StepProfile& s : p) {
    EXPECT_GE(s.ms, 0.0) << s.name;
    EXPECT_FALSE(s.name.empty());
    all_ops.push_back(s.op);
    if (s.op.rfind("conv", 0) == 0) conv_ops.push_back(s.op);
  }
  ASSERT_EQ(conv_ops.size(), 2u);
  EXPECT_EQ(conv_ops[0], "conv fp32 3x3");
  EXPECT_EQ(conv_ops[1], "conv fp32 3x3 +add");
  EXPECT_NE(std::find(all_ops.begin(), all_ops.end(), "GlobalAveragePool"), all_ops.end());
  EXPECT_EQ(p.front().op, "copy in");
  EXPECT_EQ(p.back().op, "copy out");
}

TEST(Profile, ReferenceHasOneEntryPerNode) {
  const std::vector<StepProfile> p = profile_of(Backend::reference, true);
  EXPECT_EQ(p.size(), block_model().graph.nodes().size());
  EXPECT_EQ(p[0].op, "Conv");
}

TEST(Profile, EmptyWithoutTheOption) {
  EXPECT_TRUE(profile_of(Backend::onednn, false).empty());
  EXPECT_TRUE(profile_of(Backend::reference, false).empty());
}

}  // namespace
}  // namespace qd::runtime
