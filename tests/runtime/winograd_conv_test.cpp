// Winograd F(2x2, 3x3) fp32 convs of the oneDNN executor against the reference backend's direct
// convolution: odd sizes (partial 2x2 tiles), asymmetric and zero pads, batch 2, fused bias/activations,
// residual sums (in place and into a copy), 1 and 2 threads. The plan summary proves the Winograd path ran;
// the size policy keeps small convs direct.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

struct WinogradCase {
  std::string name;
  Shape input;  // N, C, H, W
  int64_t out_c;
  int pad_top, pad_left, pad_bottom, pad_right;
  std::optional<ir::FusedActivation> act;
  bool residual = false;       // y = relu(conv(x) + x)
  bool residual_read = false;  // and x is read again afterwards (sum into a copy)
};

ir::Model winograd_case_model(const WinogradCase& c) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", c.input);
  ir::ConvAttrs a = conv_attrs(3);
  a.pad_top = c.pad_top, a.pad_left = c.pad_left, a.pad_bottom = c.pad_bottom, a.pad_right = c.pad_right;
  a.activation = c.act;
  ir::ValueId y = b.conv(x, c.input[1], c.out_c, a, 7);
  if (c.residual) y = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {y, x})});
  if (c.residual_read) y = b.node(ir::OpKind::Add, {y, x});
  b.output(y);
  return b.finish();
}

Tensor winograd_case_run(const ir::Model& m, Backend backend, WinogradPolicy winograd, int threads,
                         const Tensor& x, std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.threads = threads;
  o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
  o.batch = x.dim(0);
  o.winograd = winograd;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({x})[0];
}

TEST(WinogradConv, MatchesDirectConvolution) {
  const ir::FusedActivation relu{ir::OpKind::Relu}, relu6{ir::OpKind::Clip, 0.f, 6.f},
      leaky{ir::OpKind::LeakyRelu, 0.1f};
  const std::vector<WinogradCase> cases = {
      {"8x8 pad 1", {1, 8, 8, 8}, 8, 1, 1, 1, 1, std::nullopt},
      {"odd 9x11, batch 2, relu", {2, 16, 9, 11}, 24, 1, 1, 1, 1, relu},
      {"asymmetric pads, relu6", {1, 8, 10, 9}, 16, 0, 2, 2, 0, relu6},
      {"no padding, leaky", {1, 24, 12, 10}, 8, 0, 0, 0, 0, leaky},
      {"residual in place", {1, 16, 8, 8}, 16, 1, 1, 1, 1, relu, true},
      {"residual copied", {1, 16, 9, 8}, 16, 1, 1, 1, 1, std::nullopt, true, true},
  };
  for (const auto& c : cases) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      const ir::Model m = winograd_case_model(c);
      const Tensor x = random_tensor(c.input, 5, -2.f, 2.f);
      std::string plan;
      const Tensor wino = winograd_case_run(m, Backend::onednn, WinogradPolicy::always, threads, x, &plan);
      EXPECT_NE(plan.find("winograd"), std::string::npos) << plan;
      const Tensor ref = winograd_case_run(m, Backend::reference, WinogradPolicy::never, threads, x);
      EXPECT_EQ(compare(wino, ref, 1e-5f), "");
    }
  }
}

TEST(WinogradConv, OptionOffAndUnsupportedConvsStayDirect) {
  const WinogradCase c{"8x8", {1, 8, 8, 8}, 8, 1, 1, 1, 1, std::nullopt};
  const ir::Model m = winograd_case_model(c);
  const Tensor x = random_tensor(c.input, 9);
  std::string plan;
  const Tensor direct = winograd_case_run(m, Backend::onednn, WinogradPolicy::never, 1, x, &plan);
  EXPECT_EQ(plan.find("winograd"), std::string::npos) << plan;
  EXPECT_EQ(compare(direct, winograd_case_run(m, Backend::onednn, WinogradPolicy::always, 1, x), 1e-5f), "");

  // Channels not a multiple of 8 (the first conv of an RGB model) cannot run as Winograd.
  const WinogradCase rgb{"3 channels", {1, 3, 16, 16}, 8, 1, 1, 1, 1, std::nullopt};
  std::string p;
  winograd_case_run(winograd_case_model(rgb), Backend::onednn, WinogradPolicy::always, 1,
                    random_tensor(rgb.input, 3), &p);
  EXPECT_EQ(p.find("winograd"), std::string::npos) << p;
}

TEST(WinogradConv, WhenFasterPicksOnlyLargeConvs) {
  // ResNet-20-sized (16 channels): direct; ResNet-18-sized (64 channels at 16x16, 9.4M MACs): Winograd.
  const WinogradCase small{"16 ch", {1, 16, 16, 16}, 16, 1, 1, 1, 1, std::nullopt};
  const WinogradCase large{"64 ch", {1, 64, 16, 16}, 64, 1, 1, 1, 1, std::nullopt};
  std::string p_small, p_large;
  winograd_case_run(winograd_case_model(small), Backend::onednn, WinogradPolicy::when_faster, 1,
                    random_tensor(small.input, 3), &p_small);
  const Tensor x = random_tensor(large.input, 4);
  const ir::Model m = winograd_case_model(large);
  const Tensor y = winograd_case_run(m, Backend::onednn, WinogradPolicy::when_faster, 1, x, &p_large);
  // Our F(2x2, 3x3) rule; oneDNN's own F(4x4, 3x3) may take the small one where it has one (AVX-512).
  EXPECT_EQ(p_small.find("F(2x2,3x3)"), std::string::npos) << p_small;
  EXPECT_NE(p_large.find("winograd"), std::string::npos) << p_large;
  EXPECT_EQ(compare(y, winograd_case_run(m, Backend::reference, WinogradPolicy::never, 1, x), 1e-5f), "");
}

}  // namespace
}  // namespace qd::runtime
