#include "quant/ptq_passes.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "quant/weight_quant.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

std::string error_of(const std::string& list) {
  try {
    parse_ptq_passes(list);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PtqPasses, ParsesCommaListsAndRejectsUnknownNames) {
  EXPECT_EQ(parse_ptq_passes("method_selection,bias_correction"),
            (std::vector<std::string>{"method_selection", "bias_correction"}));
  EXPECT_TRUE(parse_ptq_passes("").empty());
  const std::string e = error_of("bias_correction,brecq");
  EXPECT_NE(e.find("unknown quantization pass 'brecq'"), std::string::npos) << e;
  EXPECT_NE(e.find("cross_layer_equalization, method_selection, adaround, bias_correction"),
            std::string::npos)
      << e;
  EXPECT_TRUE(ptq_pass_changes_weights("bias_correction"));
  EXPECT_TRUE(ptq_pass_changes_weights("cross_layer_equalization"));
  EXPECT_TRUE(ptq_pass_changes_weights("adaround"));
  EXPECT_FALSE(ptq_pass_changes_weights("method_selection"));
}

TEST(PtqPasses, OrderRules) {
  EXPECT_EQ(parse_ptq_passes("cross_layer_equalization,method_selection,adaround,bias_correction").size(),
            4u);
  EXPECT_NE(error_of("method_selection,cross_layer_equalization").find("must come first"), std::string::npos);
  EXPECT_NE(error_of("bias_correction,adaround").find("'adaround' must come before 'bias_correction'"),
            std::string::npos);
  EXPECT_EQ(error_of("adaround,method_selection,bias_correction"), "");
}

class PassBatches : public BatchSource {
 public:
  explicit PassBatches(int n) : n_(n) {}
  bool next(Tensor& out) override {
    if (i_ >= n_) return false;
    out = random_tensor({2, 4, 6, 6}, 100 + i_++, -1.f, 1.f);
    return true;
  }
  size_t size() const override { return n_; }

 private:
  int n_, i_ = 0;
};

TEST(PtqPasses, EqualizationRecalibratesWeightStepsForTheNewWeights) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 4, 6, 6});
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{ir::OpKind::Relu};
  Tensor w1 = random_tensor({8, 4, 3, 3}, 1);
  for (int i = 0; i < 36; ++i) w1.data<float>()[i] *= 30.f;
  ir::ValueId y = b.node(ir::OpKind::Conv, {x, b.constant(w1), b.constant(random_tensor({8}, 2))}, relu);
  b.output(b.conv(y, 8, 8, conv_attrs(3, 1, 1), 3));
  ir::Model m = b.finish();
  CalibOptions co;
  co.batch = 2;
  co.target = DeployTarget::qdeploy;
  PassBatches calib(4);
  m.quant = calibrate(m, calib, co);
  const ir::QuantParams before = m.quant;

  PtqPassInputs in;
  in.make_source = [] { return std::make_unique<PassBatches>(4); };
  in.options = co;
  const std::vector<std::string> log = run_ptq_passes({"cross_layer_equalization"}, m, in);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("1 layer pairs equalized"), std::string::npos) << log[0];
  for (const ir::Node& n : m.graph.nodes()) {
    const std::vector<double> expect =
        per_channel_weight_steps(m.graph.value(n.inputs[1]).constant, 0, 8, n.name);
    EXPECT_EQ(m.quant.layers.at(n.name).weight_scales, expect) << n.name;
    EXPECT_NE(m.quant.layers.at(n.name).weight_scales, before.layers.at(n.name).weight_scales) << n.name;
  }
}

}  // namespace
}  // namespace qd::quant
