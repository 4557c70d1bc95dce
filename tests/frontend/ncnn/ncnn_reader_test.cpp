// load_ncnn on the files made by ncnn's own tools (../shared/ncnn-reference) and on small hand-made files.
#include "frontend/ncnn/ncnn_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "runtime/ref/int8.h"

namespace {

using qd::ir::OpKind;
const std::string kRef = std::string(QDEPLOY_SHARED_DIR) + "/ncnn-reference/";

int count_op(const qd::ir::Graph& g, OpKind op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.op == op;
  return n;
}

const qd::ir::Node* find_node(const qd::ir::Graph& g, const std::string& name) {
  for (const auto& n : g.nodes())
    if (n.name == name) return &n;
  return nullptr;
}

TEST(NcnnReader, Resnet20OnnxToNcnnOutput) {
  auto m = qd::frontend::load_ncnn_unoptimized(kRef + "resnet20.param", kRef + "resnet20.bin");
  const auto& g = m.graph;
  // 62 layers: 1 Input, 9 Split dropped; InnerProduct becomes Flatten + Gemm.
  EXPECT_EQ(g.nodes().size(), 62u - 1 - 9 + 1);
  EXPECT_EQ(count_op(g, OpKind::Conv), 21);
  EXPECT_EQ(count_op(g, OpKind::Relu), 19);
  EXPECT_EQ(count_op(g, OpKind::Add), 9);
  EXPECT_EQ(count_op(g, OpKind::GlobalAveragePool), 1);
  EXPECT_EQ(count_op(g, OpKind::Flatten), 2);
  EXPECT_EQ(count_op(g, OpKind::Gemm), 1);
  EXPECT_TRUE(m.quant.empty());
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "input");
  EXPECT_EQ(g.value(g.inputs()[0]).shape, (qd::Shape{qd::kDynamicDim, 3, qd::kDynamicDim, qd::kDynamicDim}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "output");
  // Split outputs are mapped back: the first block's Add reads /Relu_output_0 itself.
  const auto* add = find_node(g, "/layers.0/layers.0.0/Add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(g.value(add->inputs[1]).name, "/Relu_output_0");
  for (size_t v = 0; v < g.num_values(); ++v)
    EXPECT_EQ(g.value(v).name.find("splitncnn"), std::string::npos) << g.value(v).name;

  const auto* down = find_node(g, "/layers.1/layers.1.0/downsample/downsample.0/Conv");
  ASSERT_NE(down, nullptr);
  const auto& a = down->attr<qd::ir::ConvAttrs>();
  EXPECT_EQ(a.kernel_h, 1);
  EXPECT_EQ(a.stride_h, 2);
  EXPECT_EQ(a.stride_w, 2);
  EXPECT_EQ(a.pad_top + a.pad_left + a.pad_bottom + a.pad_right, 0);
  EXPECT_EQ(g.value(down->inputs[1]).constant.shape(), (qd::Shape{32, 16, 1, 1}));
  EXPECT_EQ(down->inputs.size(), 3u);  // bias_term=1

  const auto* fc = find_node(g, "/fc/Gemm");
  ASSERT_NE(fc, nullptr);
  EXPECT_TRUE(fc->attr<qd::ir::GemmAttrs>().trans_b);
  EXPECT_EQ(g.value(fc->inputs[1]).constant.shape(), (qd::Shape{10, 64}));
}

TEST(NcnnReader, Resnet20OptimizedHasFusedRelu) {
  auto m = qd::frontend::load_ncnn(kRef + "resnet20-opt.param", kRef + "resnet20-opt.bin");
  const auto& g = m.graph;
  EXPECT_EQ(count_op(g, OpKind::Conv), 21);
  EXPECT_EQ(count_op(g, OpKind::Relu), 9);  // only the ones after the residual Adds stay separate
  int fused = 0;
  for (const auto& n : g.nodes())
    if (n.op == OpKind::Conv && n.attr<qd::ir::ConvAttrs>().activation) {
      ++fused;
      EXPECT_EQ(n.attr<qd::ir::ConvAttrs>().activation->kind, OpKind::Relu);
    }
  EXPECT_EQ(fused, 10);  // "9=1" appears on 10 Convolution lines
  // The fp32 weights are the same as in the unoptimized file (ncnnoptimize only fused ReLU).
  auto raw = qd::frontend::load_ncnn(kRef + "resnet20.param", kRef + "resnet20.bin");
  const auto* a = find_node(g, "/layers.2/layers.2.2/conv2/Conv");
  const auto* b = find_node(raw.graph, "/layers.2/layers.2.2/conv2/Conv");
  ASSERT_TRUE(a && b);
  const auto& wa = g.value(a->inputs[1]).constant;
  const auto& wb = raw.graph.value(b->inputs[1]).constant;
  ASSERT_EQ(wa.numel(), wb.numel());
  EXPECT_EQ(std::memcmp(wa.raw(), wb.raw(), wa.nbytes()), 0);
}

TEST(NcnnReader, Resnet20Int8HasQuantEntries) {
  auto m = qd::frontend::load_ncnn(kRef + "resnet20-kl-int8.param", kRef + "resnet20-kl-int8.bin");
  const auto& g = m.graph;
  // Every Convolution (21) and the InnerProduct carry 8=...
  EXPECT_EQ(m.quant.layers.size(), 22u);
  int requant = 0, six_bit = 0;
  for (const auto& [name, q] : m.quant.layers) {
    const auto* n = find_node(g, name);
    ASSERT_NE(n, nullptr) << name;
    EXPECT_GT(q.input_scale, 0.f);
    requant += q.output_scale > 0.f;
    six_bit += q.weight_bits == 6;
  }
  EXPECT_EQ(requant, 9);  // the 9 "8=102" layers (first conv of each block)
  // 3x3 stride-1 convolutions: all but conv1-of-stage-2/3 (stride 2) and the two 1x1 downsamples.
  EXPECT_EQ(six_bit, 21 - 2 - 2);
  // Table line "/conv1/Conv 46.130482": input step = 1/46.130482.
  const auto& first = m.quant.layers.at("/conv1/Conv");
  EXPECT_NEAR(first.input_scale, 1.0 / 46.130482, 1e-9);
  ASSERT_EQ(first.weight_scales.size(), 16u);
  EXPECT_NEAR(first.weight_scales[0], 1.0 / 309.033081, 1e-10);
  // Layer with 8=102: its output step is the next conv's input step (table: 51.960503).
  const auto& l0 = m.quant.layers.at("/layers.0/layers.0.0/conv1/Conv");
  EXPECT_NEAR(l0.output_scale, 1.0 / 51.747231, 1e-9);
  EXPECT_EQ(m.quant.layers.at("/conv1/Conv").output_scale, 0.f);

  // Dequantized weights are int8 values times the step: w / step is an integer within [-127, 127].
  const auto* conv = find_node(g, "/layers.1/layers.1.0/conv1/Conv");
  const auto& w = g.value(conv->inputs[1]).constant;
  const auto& q = m.quant.layers.at(conv->name);
  const int64_t per = w.numel() / w.dim(0);
  for (int64_t i = 0; i < w.numel(); ++i) {
    double r = w.data<float>()[i] / q.weight_scales[i / per];
    EXPECT_NEAR(r, std::round(r), 1e-3);
    EXPECT_LE(std::fabs(r), 127.0 + 1e-3);
  }
  // They are the file's int8 values, kept as such: w = q * step exactly.
  const qd::Int8Rows* rows = w.int8_rows();
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(rows->q.shape(), w.shape());
  for (int64_t i = 0; i < w.numel(); ++i)
    ASSERT_EQ(w.data<float>()[i], static_cast<float>(rows->q.data<int8_t>()[i]) * rows->step(i / per)) << i;
  // And every int8 layer's runtime takes them as they are (no requantization of fp32 weights); the reader's
  // largest |q| (the 6-bit rule, the -128 check) is the file's.
  for (const auto& [name, lq] : m.quant.layers) {
    const auto* n = find_node(g, name);
    if (const qd::Int8Rows* r = g.value(n->inputs[1]).constant.int8_rows()) {
      int largest = 0;
      for (int8_t v : r->q.values<int8_t>()) largest = std::max(largest, std::abs(static_cast<int>(v)));
      EXPECT_EQ(r->max_abs_q, largest) << name;
    }
    EXPECT_FALSE(qd::runtime::ref::stored_int8_weights(g.value(n->inputs[1]).constant, lq.weight_scales,
                                                       lq.weight_bits)
                     .empty())
        << name;
  }
}

// ---- hand-made files ----

class NcnnReaderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("qd_ncnn_reader_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string write_bin(const std::string& name, const std::vector<uint8_t>& bytes) {
    auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return p;
  }
  // Expects a qd::Error of `kind` whose message contains every fragment.
  template <typename F>
  void expect_error(F f, qd::ErrorKind kind, std::vector<std::string> fragments) {
    try {
      f();
      FAIL() << "no error";
    } catch (const qd::Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      for (const auto& s : fragments) EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
    }
  }
  std::filesystem::path dir_;
};

void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_f32(std::vector<uint8_t>& b, float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  put_u32(b, u);
}

// A 1x1 conv with 2 outputs over 1 input channel: weight 2 values, bias 2 values.
const char* kConvParam =
    "7767517\n2 2\nInput in 0 1 data 0=4 1=4 2=1\nConvolution conv 1 1 data out 0=2 1=1 5=1 6=2\n";

TEST_F(NcnnReaderFiles, Fp16WeightsAreDecoded) {
  std::vector<uint8_t> bin;
  put_u32(bin, 0x01306B47);
  // fp16 1.5 = 0x3E00, -0.25 = 0xB400 (sign, exponent 13, mantissa 0)
  for (uint16_t h : {uint16_t{0x3E00}, uint16_t{0xB400}}) bin.push_back(h & 0xFF), bin.push_back(h >> 8);
  put_f32(bin, 0.5f);
  put_f32(bin, -1.f);
  auto m = qd::frontend::load_ncnn(write("a.param", kConvParam), write_bin("a.bin", bin));
  const auto& g = m.graph;
  ASSERT_EQ(g.nodes().size(), 1u);
  const auto& w = g.value(g.nodes()[0].inputs[1]).constant;
  EXPECT_EQ(w.data<float>()[0], 1.5f);
  EXPECT_EQ(w.data<float>()[1], -0.25f);
  const auto& b = g.value(g.nodes()[0].inputs[2]).constant;
  EXPECT_EQ(b.data<float>()[1], -1.f);
  EXPECT_EQ(g.value(g.inputs()[0]).shape, (qd::Shape{qd::kDynamicDim, 1, 4, 4}));
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (qd::Shape{qd::kDynamicDim, 2, 4, 4}));  // inferred
}

TEST_F(NcnnReaderFiles, Fp16PaddingToFourBytes) {
  // 3 fp16 values = 6 bytes, padded to 8; then bias.
  std::vector<uint8_t> bin;
  put_u32(bin, 0x01306B47);
  for (uint16_t h : {uint16_t{0x3C00}, uint16_t{0x4000}, uint16_t{0x4200}})
    bin.push_back(h & 0xFF), bin.push_back(h >> 8);
  bin.push_back(0), bin.push_back(0);
  put_f32(bin, 7.f);
  put_f32(bin, 8.f);
  put_f32(bin, 9.f);
  auto m = qd::frontend::load_ncnn(
      write("p.param", "7767517\n2 2\nInput in 0 1 data\nConvolution conv 1 1 data out 0=3 1=1 5=1 6=3\n"),
      write_bin("p.bin", bin));
  const auto& g = m.graph;
  const auto& w = g.value(g.nodes()[0].inputs[1]).constant;
  EXPECT_EQ(w.data<float>()[2], 3.f);
  EXPECT_EQ(g.value(g.nodes()[0].inputs[2]).constant.data<float>()[0], 7.f);
}

std::vector<uint8_t> conv_fp32_bin() {
  std::vector<uint8_t> bin;
  put_u32(bin, 0);
  for (float f : {1.f, 2.f, 3.f, 4.f}) put_f32(bin, f);
  return bin;
}

TEST_F(NcnnReaderFiles, BadParamFiles) {
  auto bin = write_bin("ok.bin", conv_fp32_bin());
  auto u = qd::ErrorKind::user;
  expect_error([&] { qd::frontend::load_ncnn(write("m.param", "7767518\n2 2\n"), bin); }, u,
               {"m.param:1", "magic"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("c.param",
                                      "7767517\n3 2\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data out 0=2 1=1 5=1 6=2\n"),
                                bin);
      },
      u, {"c.param:2", "3 layers", "has 2"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("b.param",
                                      "7767517\n2 3\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data out 0=2 1=1 5=1 6=2\n"),
                                bin);
      },
      u, {"b.param:2", "3 blobs"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("u.param",
                                      "7767517\n2 2\nConvolution conv 1 1 data out 0=2 1=1 5=1 6=2\n"
                                      "Input in 0 1 data\n"),
                                bin);
      },
      u, {"u.param:3", "'conv'", "blob 'data' before"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("k.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data out 0=2 1=x 5=1 6=2\n"),
                                bin);
      },
      u, {"k.param:4", "non-numeric"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("s.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data out 0=2 1=1 5=1 6=3\n"),
                                bin);
      },
      u, {"s.param:4", "weight_data_size 3"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("t.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Fancy fancy0 1 1 data out\n"),
                                bin);
      },
      qd::ErrorKind::unsupported, {"t.param:4", "Fancy", "fancy0"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("a.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Softmax sm 1 1 data out -23300=3,1,2\n"),
                                bin);
      },
      u, {"a.param:4", "array param 0"});
  // Found by the fuzzer: two huge blob counts used to overflow when summed.
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("n.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "ReLU r 9223372036854775807 9223372036854775807 data out\n"),
                                bin);
      },
      u, {"n.param:4", "fewer blob names"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("i.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "ReLU r 1 1 data out 32=1\n"),
                                bin);
      },
      u, {"i.param:4", "param id 32", "limit of 31"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("j.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "ReLU r 1 1 data out -9223372036854775807=1,2\n"),
                                bin);
      },
      u, {"j.param:4", "beyond ncnn's limit"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(
            write("r.param",
                  "7767517\n2 2\nInput in 0 1 data\nReduction r 1 1 data out 0=3 1=0 -23303=1,1e20 5=1\n"),
            bin);
      },
      u, {"r.param:4", "param 3 must be an integer"});
}

TEST_F(NcnnReaderFiles, BinSizeMismatch) {
  auto param = write("ok.param", kConvParam);
  auto bin = conv_fp32_bin();
  auto short_bin = bin;
  short_bin.resize(bin.size() - 1);
  expect_error([&] { qd::frontend::load_ncnn(param, write_bin("short.bin", short_bin)); },
               qd::ErrorKind::user, {"short.bin", "too short", "'conv' bias"});
  auto long_bin = bin;
  long_bin.push_back(0);
  expect_error([&] { qd::frontend::load_ncnn(param, write_bin("long.bin", long_bin)); }, qd::ErrorKind::user,
               {"long.bin", "1 bytes left"});
  // A huge declared size fails on the file length instead of allocating gigabytes first.
  expect_error(
      [&] {
        qd::frontend::load_ncnn(
            write("huge.param",
                  "7767517\n2 2\nInput in 0 1 data\nConvolution conv 1 1 data out 0=1 1=1 6=2000000000\n"),
            write_bin("huge.bin", bin));
      },
      qd::ErrorKind::user, {"huge.bin", "too short", "8000000000 bytes"});
  auto bad_tag = bin;
  bad_tag[0] = 0x12;
  expect_error([&] { qd::frontend::load_ncnn(param, write_bin("tag.bin", bad_tag)); }, qd::ErrorKind::user,
               {"tag.bin", "weight tag 0x00000012"});
}

TEST_F(NcnnReaderFiles, ArrayParamsAndSimpleLayers) {
  // Convolution with fused Clip(0, 6) via an array param; ReLU with slope -> LeakyRelu; BinaryOp rsub
  // with a scalar; Softmax axis 0 -> IR axis 1; Split then two consumers; Eltwise sum with coeffs.
  const std::string param =
      "7767517\n8 9\n"
      "Input in 0 1 data 2=1\n"
      "Convolution conv 1 1 data c 0=2 1=1 6=2 9=3 -23310=2,0.000000e+00,6.000000e+00\n"
      "ReLU lrelu 1 1 c r 0=1.000000e-01\n"
      "Split sp 1 2 r r_0 r_1\n"
      "BinaryOp rs 1 1 r_0 b 0=7 1=1 2=2.500000e+00\n"
      "Eltwise sum 2 1 b r_1 e 0=1 -23301=2,1.0,-2.0\n"
      "Flatten fl 1 1 e f\n"
      "Softmax prob 1 1 f out 0=0 1=1\n";
  auto bin = conv_fp32_bin();
  bin.resize(4 + 2 * 4);
  auto m = qd::frontend::load_ncnn(write("s.param", param), write_bin("s.bin", bin));
  const auto& g = m.graph;
  const auto* conv = find_node(g, "conv");
  ASSERT_TRUE(conv && conv->attr<qd::ir::ConvAttrs>().activation);
  EXPECT_EQ(conv->attr<qd::ir::ConvAttrs>().activation->kind, OpKind::Clip);
  EXPECT_EQ(conv->attr<qd::ir::ConvAttrs>().activation->beta, 6.f);
  EXPECT_EQ(conv->inputs.size(), 2u);  // no bias
  const auto* lrelu = find_node(g, "lrelu");
  ASSERT_TRUE(lrelu);
  EXPECT_EQ(lrelu->op, OpKind::LeakyRelu);
  EXPECT_FLOAT_EQ(lrelu->attr<qd::ir::ActAttrs>().alpha, 0.1f);
  const auto* rs = find_node(g, "rs");
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->op, OpKind::Sub);
  EXPECT_EQ(g.value(rs->inputs[0]).constant.data<float>()[0], 2.5f);  // 2.5 - x
  EXPECT_EQ(g.value(rs->inputs[1]).name, "r");
  const auto* sum = find_node(g, "sum");
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->op, OpKind::Add);
  EXPECT_EQ(count_op(g, OpKind::Mul), 1);  // coefficient -2 on the second input only
  const auto* prob = find_node(g, "prob");
  ASSERT_TRUE(prob);
  EXPECT_EQ(prob->attr<qd::ir::AxisAttrs>().axis, 1);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "out");
}

}  // namespace

namespace {

TEST_F(NcnnReaderFiles, SamePaddingScaleHardSwishAndUnsupportedParams) {
  // 3x3 conv, dilation 2, SAME_UPPER (-233): total pad 4 -> 2/2; 2x2 SAME_UPPER pooling: 0 before, 1 after.
  // Scale with bias -> Mul + Add with [C,1,1] constants; HardSwish with ncnn's default alpha 0.2 ->
  // x * HardSigmoid(x; 0.2, 0.5); Input without a shape takes C from the conv.
  const std::string param =
      "7767517\n5 5\n"
      "Input in 0 1 data\n"
      "Convolution conv 1 1 data c 0=1 1=3 2=2 4=-233 6=9\n"
      "Pooling pool 1 1 c p 0=0 1=2 2=1 5=2\n"
      "Scale sc 1 1 p s 0=1 1=1\n"
      "HardSwish hs 1 1 s out\n";
  std::vector<uint8_t> bin;
  put_u32(bin, 0);
  for (int i = 0; i < 9; ++i) put_f32(bin, 0.5f);
  put_f32(bin, 3.f);   // scale
  put_f32(bin, -1.f);  // bias
  auto m = qd::frontend::load_ncnn(write("same.param", param), write_bin("same.bin", bin));
  const auto& g = m.graph;
  EXPECT_EQ(g.value(g.inputs()[0]).shape, (qd::Shape{qd::kDynamicDim, 1, qd::kDynamicDim, qd::kDynamicDim}));
  const auto* conv = find_node(g, "conv");
  ASSERT_TRUE(conv);
  const auto& ca = conv->attr<qd::ir::ConvAttrs>();
  EXPECT_EQ(ca.dilation_h, 2);
  EXPECT_EQ(ca.pad_top, 2);
  EXPECT_EQ(ca.pad_bottom, 2);
  const auto* pool = find_node(g, "pool");
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->op, OpKind::MaxPool);
  EXPECT_EQ(pool->attr<qd::ir::PoolAttrs>().pad_left, 0);
  EXPECT_EQ(pool->attr<qd::ir::PoolAttrs>().pad_right, 1);
  const auto* sc = find_node(g, "sc");
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->op, OpKind::Mul);
  EXPECT_EQ(g.value(sc->inputs[1]).constant.shape(), (qd::Shape{1, 1, 1}));
  EXPECT_EQ(g.value(sc->inputs[1]).constant.data<float>()[0], 3.f);
  EXPECT_EQ(count_op(g, OpKind::Add), 1);
  const auto* hs = find_node(g, "hs");
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->op, OpKind::Mul);
  EXPECT_EQ(count_op(g, OpKind::HardSigmoid), 1);

  auto unsupported = qd::ErrorKind::unsupported;
  auto w9 = write_bin("w9.bin", std::vector<uint8_t>(bin.begin(), bin.begin() + 40));
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("s2.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data c 0=1 1=3 3=2 4=-233 6=9\n"),
                                w9);
      },
      unsupported, {"s2.param:4", "'conv'", "SAME padding", "stride > 1"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("e.param",
                                      "7767517\n3 4\nInput in 0 1 data\nSplit sp 1 2 data a b\n"
                                      "Eltwise mx 2 1 a b out 0=2\n"),
                                w9);
      },
      unsupported, {"e.param:5", "Eltwise max"});
  expect_error(
      [&] {
        qd::frontend::load_ncnn(write("m.param",
                                      "7767517\n2 2\nInput in 0 1 data\n"
                                      "Convolution conv 1 1 data c 0=1 1=3 6=9 9=5\n"),
                                w9);
      },
      unsupported, {"m.param:4", "activation_type 5"});
}

}  // namespace
