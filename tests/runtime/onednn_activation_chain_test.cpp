// fp32 convs followed by two activations that map to the same oneDNN eltwise algorithm with different
// parameters (Clip then Clip, LeakyRelu then Relu, Clip then HardSigmoid). oneDNN 2.6's AVX2 post-ops give
// every eltwise of one algorithm the first one's alpha/beta, so such a chain must not be fused into one
// primitive: Conv + Clip(0,6) + Clip(0,1) once gave 4.3 instead of at most 1.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

struct ChainAct {
  ir::OpKind op;
  float alpha = 0, beta = 0;
};

// conv 3x3 (4 -> 6) with `first` as its own fused activation, then `second` as a standalone node, then
// nothing else.
ir::Model activation_chain_model(const ChainAct& first, const ChainAct& second) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {1, 4, 6, 6});
  ir::ConvAttrs a = conv_attrs(3, 1, 1);
  a.activation = ir::FusedActivation{first.op, first.alpha, first.beta};
  ir::ValueId y = b.conv(x, 4, 6, a, 11);
  if (second.op == ir::OpKind::Relu)
    y = b.node(second.op, {y});
  else
    y = b.node(second.op, {y}, ir::ActAttrs{second.alpha, second.beta});
  b.output(y);
  return b.finish();
}

Tensor activation_chain_run(const ir::Model& m, Backend backend, const Tensor& x) {
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  return compile(m, o)->run({x})[0];
}

TEST(OneDnnActivationChain, SameAlgorithmTwiceMatchesReference) {
  const Tensor x = random_tensor({1, 4, 6, 6}, 3, -4.f, 4.f);
  const std::vector<std::pair<ChainAct, ChainAct>> chains = {
      {{ir::OpKind::Clip, 0.f, 6.f}, {ir::OpKind::Clip, 0.f, 1.f}},
      {{ir::OpKind::LeakyRelu, 0.1f}, {ir::OpKind::Relu}},
      {{ir::OpKind::Clip, -1.f, 3.f}, {ir::OpKind::HardSigmoid, 0.2f, 0.5f}},
      {{ir::OpKind::HardSigmoid, 0.5f, 0.1f}, {ir::OpKind::Clip, 0.2f, 0.6f}},
      {{ir::OpKind::Clip, 0.f, 6.f}, {ir::OpKind::Relu}},  // different algorithms: fused, still right
  };
  for (const auto& [first, second] : chains) {
    SCOPED_TRACE(std::string(ir::op_name(first.op)) + " then " + std::string(ir::op_name(second.op)));
    const ir::Model m = activation_chain_model(first, second);
    EXPECT_EQ(compare(activation_chain_run(m, Backend::onednn, x),
                      activation_chain_run(m, Backend::reference, x), 1e-5f),
              "");
  }
}

}  // namespace
}  // namespace qd::runtime
