// ConvNeXt's pwconv1 -> GELU -> pwconv2: the GELU runs as the first conv's oneDNN post-op (gelu_erf, the
// standalone GELU step's algorithm), and in int8 the first conv then requantizes for the second (no fp32
// GELU pass, no quantize step between them).
#include <gtest/gtest.h>

#include <cmath>

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

ir::Model conv_gelu_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 16, 7, 7});
  // The Relu makes the first conv's source u8 on every ISA (AVX2 machines split signed sources).
  ir::ValueId h =
      b.node(ir::OpKind::Gelu, {b.conv(b.node(ir::OpKind::Relu, {x}), 16, 64, conv_attrs(1), 90)});
  b.output(b.conv(h, 64, 16, conv_attrs(1), 91));
  return b.finish();
}

Tensor gelu_run(const ir::Model& m, Backend backend, Int8Mode mode, const Tensor& in,
                std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = mode;
  o.threads = 1;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({in})[0];
}

TEST(ConvGeluFusion, Fp32GeluIsTheConvsPostOp) {
  const ir::Model m = conv_gelu_model();
  const Tensor in = random_tensor({1, 16, 7, 7}, 92);
  std::string plan;
  EXPECT_EQ(compare(gelu_run(m, Backend::onednn, Int8Mode::off, in, &plan),
                    gelu_run(m, Backend::reference, Int8Mode::off, in), 1e-5f),
            "");
  EXPECT_NE(plan.find("+Gelu"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\nGelu "), std::string::npos) << plan;  // no GELU step of its own
}

TEST(ConvGeluFusion, Int8FirstConvRequantizesAfterTheGelu) {
  ir::Model m = conv_gelu_model();
  const Tensor in = random_tensor({1, 16, 7, 7}, 93);
  quantize_convs_by_absmax(m, in);
  std::string plan;
  const Tensor ref = gelu_run(m, Backend::reference, Int8Mode::real, in);
  // oneDNN's GELU and the reference's differ in the last float bits, which can move a q value by one step.
  EXPECT_EQ(compare(gelu_run(m, Backend::onednn, Int8Mode::real, in, &plan), ref, 1e-2f), "");
  EXPECT_NE(compare(gelu_run(m, Backend::reference, Int8Mode::off, in), ref, 1e-4f), "");  // int8 in effect
  EXPECT_NE(plan.find("int8->int8 +Gelu"), std::string::npos) << plan;
  const size_t first_quantize = plan.find("quantize");
  EXPECT_EQ(plan.find("quantize", first_quantize + 1), std::string::npos) << plan;  // only the graph input
}

}  // namespace
}  // namespace qd::runtime
