// Channel concat into NHWC in one pass: the kernel against the reference concat (inputs in nhwc, nChw8c and
// nChw16c, f32 and bytes, runs around the 32-byte vector, threaded sizes), and SqueezeNet's fire modules
// taking it in int8 (u8 nhwc halves) and fp32 (nhwc + nChw16c halves) with the reference's result.
#include "runtime/onednn/concat_nhwc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::in_layout;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

TEST(ConcatNhwc, KernelIsTheReferenceConcatInNhwc) {
  using L = onednn::PieceLayout;
  struct Case {
    std::vector<std::pair<int64_t, L>> pieces;  // channels, layout
    int64_t n, h, w;
  };
  const std::vector<Case> cases = {
      {{{1, L::nhwc}, {2, L::nhwc}}, 1, 3, 3},                        // runs below one vector
      {{{7, L::nhwc}, {9, L::nhwc}, {3, L::nhwc}}, 2, 5, 7},          // odd runs, batch 2
      {{{64, L::nhwc}, {64, L::nChw16c}}, 1, 27, 27},                 // SqueezeNet's fp32 fire module
      {{{16, L::nChw8c}, {5, L::nhwc}, {32, L::nChw16c}}, 2, 9, 11},  // every layout
      {{{232, L::nhwc}, {232, L::nhwc}}, 1, 14, 14},                  // threaded (> 256 KB)
  };
  for (const Case& c : cases) {
    std::vector<Tensor> xs;
    std::vector<std::vector<float>> laid;
    std::vector<onednn::NhwcPiece> pieces;
    uint32_t seed = 40;
    for (const auto& [channels, layout] : c.pieces) {
      xs.push_back(random_tensor({c.n, channels, c.h, c.w}, seed++));
      laid.push_back(in_layout(xs.back(), layout));
    }
    for (size_t i = 0; i < xs.size(); ++i)
      pieces.push_back({laid[i].data(), c.pieces[i].first, c.pieces[i].second});
    const std::vector<float> want = in_layout(ref::concat(xs, 1), L::nhwc);
    std::vector<float> got(want.size() + 16, -7.f);
    onednn::concat_to_nhwc(pieces, sizeof(float), c.n, c.h * c.w, got.data());
    EXPECT_TRUE(std::equal(want.begin(), want.end(), got.begin()));
    for (size_t k = want.size(); k < got.size(); ++k) ASSERT_EQ(got[k], -7.f) << "wrote past the end";
  }
  // Bytes (u8 values of int8 convs): the same pass with 1-byte elements, runs of 1-200 bytes.
  std::mt19937 rng(9);
  for (int64_t c0 : {1, 31, 32, 33, 64, 200}) {
    const int64_t c1 = 17, hw = 50;
    std::vector<uint8_t> a(static_cast<size_t>(c0 * hw)), b(static_cast<size_t>(c1 * hw));
    for (uint8_t& v : a) v = static_cast<uint8_t>(rng());
    for (uint8_t& v : b) v = static_cast<uint8_t>(rng());
    std::vector<uint8_t> want, got(static_cast<size_t>((c0 + c1) * hw));
    for (int64_t p = 0; p < hw; ++p) {
      want.insert(want.end(), a.begin() + p * c0, a.begin() + (p + 1) * c0);
      want.insert(want.end(), b.begin() + p * c1, b.begin() + (p + 1) * c1);
    }
    onednn::concat_to_nhwc({{a.data(), c0, L::nhwc}, {b.data(), c1, L::nhwc}}, 1, 1, hw, got.data());
    EXPECT_EQ(got, want) << c0;
  }
}

// squeeze -> expand 1x1 / 3x3 -> concat -> 1x1 conv: in int8 the expand convs emit u8 nhwc for the reader;
// in fp32 (64 -> 128 channels at 16x16: oneDNN's Winograd on AVX-512) the halves may differ in layout.
ir::Model expand_concat_model(int64_t batch, int64_t c, int64_t hw) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 8, hw, hw});
  auto relu = [&](ir::ValueId v) { return b.node(ir::OpKind::Relu, {v}); };
  ir::ValueId sq = relu(b.conv(x, 8, c, conv_attrs(1), 90));
  ir::ValueId cat = b.node(
      ir::OpKind::Concat,
      {relu(b.conv(sq, c, 2 * c, conv_attrs(1), 91)), relu(b.conv(sq, c, 2 * c, conv_attrs(3, 1, 1), 92))},
      ir::AxisAttrs{1});
  b.output(b.conv(cat, 4 * c, 8, conv_attrs(1), 93));
  return b.finish();
}

TEST(ConcatNhwc, Fp32FireModuleMatchesTheReference) {
  const Tensor in = random_tensor({1, 8, 16, 16}, 95);
  const ir::Model m = expand_concat_model(1, 64, 16);
  CompileOptions o;
  o.threads = 1;
  o.backend = Backend::reference;
  const Tensor ref = compile(m, o)->run({in})[0];
  o.backend = Backend::onednn;
  EXPECT_EQ(compare(compile(m, o)->run({in})[0], ref, 1e-4f), "");
}

TEST(ConcatNhwc, Int8FireModuleConcatIsTheRowPassAndMatchesTheReference) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    ir::Model m = expand_concat_model(batch, 12, 11);
    const Tensor in = random_tensor({batch, 8, 11, 11}, 94);
    quantize_convs_by_absmax(m, in);
    CompileOptions o;
    o.backend = Backend::reference;
    o.batch = batch;
    o.int8 = Int8Mode::real;
    o.threads = 1;
    const Tensor ref = compile(m, o)->run({in})[0];
    o.backend = Backend::onednn;
    o.profile = true;
    const auto exec = compile(m, o);
    EXPECT_EQ(compare(exec->run({in})[0], ref, 1e-5f), "");
    int row_passes = 0;
    for (const StepProfile& p : exec->last_profile()) row_passes += p.op == "Concat (nhwc rows)";
    EXPECT_EQ(row_passes, 1) << onednn_plan_summary(*exec);
  }
}

}  // namespace
}  // namespace qd::runtime
