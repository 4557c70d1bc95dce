// The im2col + matmul fp32 conv (runtime/onednn/im2col_conv.h): the im2col rows and the reordered weights
// against their definitions, element by element; a CIFAR-ResNet-like tail (3x3 stride 2 to 4x4, then 3x3 +
// residual + Relu) in the oneDNN executor against the reference runtime, with the plan saying which convs
// took the path (the 4x4 ones where oneDNN's ISA is AVX-512, none capped to AVX2, none at batch 2: 32
// pixels).
#include "runtime/onednn/im2col_conv.h"

#include <gtest/gtest.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "runtime/cpu_isa.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::occurrences;
using testing::random_tensor;

TEST(Im2colConv, RowsAreTheSourceWindowsWithZeroPadding) {
  onednn::Im2colShape s;
  s.N = 2, s.C = 5, s.H = 6, s.W = 5, s.kh = 3, s.kw = 2, s.stride_h = 2, s.stride_w = 1, s.pad_top = 1;
  s.pad_left = 1;
  s.OH = (s.H + 2 - s.kh) / s.stride_h + 1, s.OW = (s.W + 1 - s.kw) / s.stride_w + 1;
  std::vector<float> src(static_cast<size_t>(s.N * s.H * s.W * s.C));
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i) + 1.f;  // no zeros in the source
  std::vector<float> rows(static_cast<size_t>(s.rows() * s.cols()), -1.f);
  onednn::im2col_nhwc(s, src.data(), rows.data());
  int64_t r = 0, zeros = 0;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t oy = 0; oy < s.OH; ++oy)
      for (int64_t ox = 0; ox < s.OW; ++ox, ++r)
        for (int64_t ky = 0; ky < s.kh; ++ky)
          for (int64_t kx = 0; kx < s.kw; ++kx)
            for (int64_t c = 0; c < s.C; ++c) {
              const int64_t iy = oy * s.stride_h - s.pad_top + ky, ix = ox * s.stride_w - s.pad_left + kx;
              const bool inside = iy >= 0 && iy < s.H && ix >= 0 && ix < s.W;
              const float want =
                  inside ? src[static_cast<size_t>(((n * s.H + iy) * s.W + ix) * s.C + c)] : 0.f;
              zeros += !inside;
              ASSERT_EQ(rows[static_cast<size_t>(r * s.cols() + (ky * s.kw + kx) * s.C + c)], want)
                  << "n " << n << " oy " << oy << " ox " << ox << " ky " << ky << " kx " << kx << " c " << c;
            }
  EXPECT_GT(zeros, 0);  // the case has padding
}

TEST(Im2colConv, WeightsAreTapMajorColumns) {
  const Tensor w = random_tensor({7, 3, 3, 2}, 81);
  const Tensor m = onednn::im2col_weights(w);
  ASSERT_EQ(m.shape(), (Shape{3 * 2 * 3, 7}));
  for (int64_t o = 0; o < 7; ++o)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 2; ++kx)
          ASSERT_EQ(m.data<float>()[((ky * 2 + kx) * 3 + c) * 7 + o],
                    w.data<float>()[((o * 3 + c) * 3 + ky) * 2 + kx]);
}

TEST(Im2colConv, BlockedWeightsAreOneDnnsReorderOfThePlainMatrix) {
  // oneDNN's own reorder of the plain [K, OC] matrix into BA16a64b is the reference: the same bytes,
  // padding included (K and OC not multiples of 16 and 64 in the second case).
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(eng);
  for (const Shape& ws : {Shape{128, 64, 3, 3}, Shape{70, 3, 3, 3}}) {
    SCOPED_TRACE(shape_str(ws));
    const Tensor w = random_tensor(ws, 86);
    Tensor plain = onednn::im2col_weights(w);
    const dnnl::memory::dims dims{plain.dim(0), plain.dim(1)};
    const dnnl::memory::desc plain_md(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    const dnnl::memory::desc blocked_md(dims, dnnl::memory::data_type::f32,
                                        dnnl::memory::format_tag::BA16a64b);
    ASSERT_EQ(static_cast<int64_t>(blocked_md.get_size() / sizeof(float)),
              onednn::im2col_weights_ba16a64b_floats(w));
    std::vector<float> theirs(blocked_md.get_size() / sizeof(float), -7.f), ours(theirs.size(), 0.f);
    dnnl::memory from(plain_md, eng, plain.data<float>()), to(blocked_md, eng, theirs.data());
    dnnl::reorder(from, to).execute(stream, from, to);
    stream.wait();
    onednn::im2col_weights_ba16a64b(w, ours.data());
    for (size_t i = 0; i < ours.size(); ++i) ASSERT_EQ(ours[i], theirs[i]) << "float " << i;
  }
}

// x [N, 32, 8, 8] -> conv0 3x3/s2 (64, 4x4) + Relu -> conv1 3x3 pad 1 + conv0 + Relu -> conv2 3x3 pad 1 (no
// bias) + Swish.
ir::Model im2col_tail_model(int64_t batch) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 32, 8, 8});
  ir::ConvAttrs down = conv_attrs(3, 2, 1);
  down.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId h0 = b.conv(x, 32, 64, down, 82);
  ir::ValueId h1 = b.conv(h0, 64, 64, conv_attrs(3, 1, 1), 83);
  ir::ValueId sum = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {h1, h0})});
  ir::ConvAttrs sw = conv_attrs(3, 1, 1);
  sw.activation = ir::FusedActivation{ir::OpKind::Swish};
  b.output(b.conv(sum, 64, 48, sw, 84, false));
  return b.finish();
}

TEST(Im2colConv, ModelMatchesReference) {
  const bool avx512 = onednn_cpu_isa().rfind("avx512", 0) == 0;
  for (int64_t batch : {1, 2})
    for (int threads : {1, 2}) {
      SCOPED_TRACE("batch " + std::to_string(batch) + ", threads " + std::to_string(threads));
      const ir::Model m = im2col_tail_model(batch);
      const Tensor x = random_tensor({batch, 32, 8, 8}, 85, -2.f, 2.f);
      CompileOptions o;
      o.batch = batch;
      o.threads = threads;
      o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
      o.backend = Backend::onednn;
      auto e = compile(m, o);
      const std::string plan = onednn_plan_summary(*e);
      EXPECT_EQ(occurrences(plan, "im2col + matmul"), avx512 && batch == 1 ? 3 : 0) << plan;
      if (avx512 && batch == 1) {
        EXPECT_NE(plan.find("im2col + matmul +sum"), std::string::npos) << plan;
      }
      const Tensor ours = e->run({x})[0];
      o.backend = Backend::reference;
      const Tensor ref = compile(m, o)->run({x})[0];
      EXPECT_EQ(compare(ours, ref, 1e-5f), "");
    }
}

}  // namespace
}  // namespace qd::runtime
