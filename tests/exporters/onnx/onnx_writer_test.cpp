// ONNX writer: QDQ structure read back with protobuf (int8 weights, per-channel steps, Q/DQ placement), fp32
// export re-imported by our own importer computes what the IR computes, and the refusal cases.
#include "exporters/onnx/onnx_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "core/error.h"
#include "frontend/onnx/onnx_importer.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd {
namespace {

namespace fs = std::filesystem;
using runtime::testing::compare;
using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

std::string temp_path(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("qd_onnx_writer_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return (d / name).string();
}

// Removes a test file and its folder once empty.
void cleanup(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(fs::path(path).parent_path(), ec);  // fails harmlessly while other files remain
}

onnx::ModelProto read_proto(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(ss.str())) << path;
  return m;
}

// Lookups in a GraphProto by output / initializer name.
struct ProtoIndex {
  explicit ProtoIndex(const onnx::GraphProto& g) {
    for (const auto& n : g.node())
      for (const auto& o : n.output()) producer[o] = &n;
    for (const auto& t : g.initializer()) init[t.name()] = &t;
  }
  const onnx::NodeProto* node_named(const onnx::GraphProto& g, const std::string& name) const {
    for (const auto& n : g.node())
      if (n.name() == name) return &n;
    return nullptr;
  }
  std::map<std::string, const onnx::NodeProto*> producer;
  std::map<std::string, const onnx::TensorProto*> init;
};

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.i();
  return def;
}

template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t) {
  std::vector<T> v(t.raw_data().size() / sizeof(T));
  std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
  return v;
}

// Weights built from chosen integers so the expected int8 values are known without quantizing:
// w = q * step + offset with |offset| < 0.4 step rounds back to q.
struct GridWeight {
  Tensor w;
  std::vector<int8_t> q;
};
GridWeight grid_weight(const Shape& s, int axis, const std::vector<float>& steps, int qmax, uint32_t seed) {
  GridWeight r{Tensor(DataType::f32, s), {}};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> qd(-qmax, qmax);
  std::uniform_real_distribution<float> off(-0.4f, 0.4f);
  int64_t inner = 1;
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  for (int64_t i = 0; i < r.w.numel(); ++i) {
    float step = steps[(i / inner) % s[axis]];
    int q = qd(rng);
    r.w.data<float>()[i] = (q + off(rng)) * step;
    r.q.push_back(static_cast<int8_t>(q));
  }
  // Beyond the grid: clamps to +-qmax.
  r.w.data<float>()[0] = 3.f * qmax * steps[0];
  r.q[0] = static_cast<int8_t>(qmax);
  r.w.data<float>()[1] = -3.f * qmax * steps[(1 / inner) % s[axis]];
  r.q[1] = static_cast<int8_t>(-qmax);
  return r;
}

// input [1,3,8,8] -> conv0 3x3 (+relu, int8) -> conv1 1x1 group 2 (+clip 0..6, fp32) -> maxpool ->
// hardswish -> gap -> flatten -> gemm [4,5] no transB (int8, 6 fused bits unused: 8 bits) -> softmax.
struct SmallModel {
  ir::Model model;
  GridWeight conv0_w, gemm_w;
  std::vector<float> conv0_steps{0.01f, 0.02f, 0.005f, 0.04f};
  std::vector<float> gemm_steps{0.03f, 0.01f, 0.02f, 0.05f, 0.002f};
  std::string conv0, conv1, gemm, input, conv0_out, gemm_in;
};

SmallModel small_model(int conv0_bits = 8) {
  SmallModel s;
  GraphBuilder b;
  ir::ValueId x = b.input("input", {1, 3, 8, 8});
  ir::ConvAttrs a0 = conv_attrs(3, 1, 1);
  a0.activation = ir::FusedActivation{ir::OpKind::Relu};
  s.conv0_w = grid_weight({4, 3, 3, 3}, 0, s.conv0_steps, conv0_bits == 8 ? 127 : 31, 7);
  ir::ValueId c0 =
      b.node(ir::OpKind::Conv, {x, b.constant(s.conv0_w.w), b.constant(random_tensor({4}, 8))}, a0);
  ir::ConvAttrs a1 = conv_attrs(1, 1, 0, 2);
  a1.activation = ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f};
  ir::ValueId c1 = b.conv(c0, 4, 4, a1, 9);
  ir::PoolAttrs pa;
  pa.kernel_h = pa.kernel_w = 2;
  pa.stride_h = pa.stride_w = 2;
  ir::ValueId p = b.node(ir::OpKind::MaxPool, {c1}, pa);
  ir::ValueId hs = b.node(ir::OpKind::HardSwish, {p});
  ir::ValueId gap = b.node(ir::OpKind::GlobalAveragePool, {hs});
  ir::ValueId fl = b.node(ir::OpKind::Flatten, {gap}, ir::AxisAttrs{1});
  s.gemm_w = grid_weight({4, 5}, 1, s.gemm_steps, 127, 11);
  ir::ValueId gm = b.node(ir::OpKind::Gemm, {fl, b.constant(s.gemm_w.w), b.constant(random_tensor({5}, 12))},
                          ir::GemmAttrs{});
  ir::ValueId sm = b.node(ir::OpKind::Softmax, {gm}, ir::AxisAttrs{1});
  b.output(sm);
  s.model = b.finish();
  const ir::Graph& g = s.model.graph;
  s.conv0 = g.node(g.producer(c0)).name;
  s.conv1 = g.node(g.producer(c1)).name;
  s.gemm = g.node(g.producer(gm)).name;
  s.input = "input";
  s.conv0_out = g.value(c0).name;
  s.gemm_in = g.value(fl).name;
  s.model.quant.layers[s.conv0] = {0.025f, std::vector<double>(s.conv0_steps.begin(), s.conv0_steps.end()),
                                   conv0_bits, 0.f};
  s.model.quant.layers[s.gemm] = {0.0125f, std::vector<double>(s.gemm_steps.begin(), s.gemm_steps.end()), 8,
                                  0.f};
  return s;
}

// Checks `name` is DequantizeLinear(int8 initializer, scales, zero points) with the expected content.
void expect_dq_weight(const ProtoIndex& ix, const std::string& name, const std::vector<int8_t>& q,
                      const std::vector<float>& steps, int axis) {
  ASSERT_TRUE(ix.producer.count(name)) << name;
  const onnx::NodeProto& dq = *ix.producer.at(name);
  ASSERT_EQ(dq.op_type(), "DequantizeLinear");
  EXPECT_EQ(attr_int(dq, "axis", -100), axis);
  ASSERT_EQ(dq.input_size(), 3);
  const onnx::TensorProto& w = *ix.init.at(dq.input(0));
  EXPECT_EQ(w.data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(raw_values<int8_t>(w), q);
  const onnx::TensorProto& sc = *ix.init.at(dq.input(1));
  EXPECT_EQ(sc.data_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(raw_values<float>(sc), steps);
  const onnx::TensorProto& zp = *ix.init.at(dq.input(2));
  EXPECT_EQ(zp.data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(raw_values<int8_t>(zp), std::vector<int8_t>(steps.size(), 0));
}

// Checks `name` is DequantizeLinear(QuantizeLinear(source, step, 0), step, 0).
void expect_qdq_activation(const ProtoIndex& ix, const std::string& name, const std::string& source,
                           float step) {
  ASSERT_TRUE(ix.producer.count(name)) << name;
  const onnx::NodeProto& dq = *ix.producer.at(name);
  ASSERT_EQ(dq.op_type(), "DequantizeLinear");
  const onnx::NodeProto& q = *ix.producer.at(dq.input(0));
  ASSERT_EQ(q.op_type(), "QuantizeLinear");
  EXPECT_EQ(q.input(0), source);
  for (const auto* n : {&q, &dq}) {
    EXPECT_EQ(raw_values<float>(*ix.init.at(n->input(1))), std::vector<float>{step});
    const onnx::TensorProto& zp = *ix.init.at(n->input(2));
    EXPECT_EQ(zp.data_type(), onnx::TensorProto::INT8);
    EXPECT_EQ(zp.dims_size(), 0);
    EXPECT_EQ(raw_values<int8_t>(zp), std::vector<int8_t>{0});
  }
}

TEST(OnnxWriter, QdqFileHasInt8PerChannelWeightsAndQdqInputsOnlyForQuantizedLayers) {
  SmallModel s = small_model();
  std::string path = temp_path("small_qdq.onnx");
  exporters::save_onnx_qdq(s.model, path);
  onnx::ModelProto m = read_proto(path);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), 13);
  const onnx::GraphProto& g = m.graph();
  ProtoIndex ix(g);

  // conv0: Q/DQ input from the graph input, int8 per-channel weight along axis 0, fp32 bias, then Relu.
  const onnx::NodeProto* conv0 = ix.node_named(g, s.conv0);
  ASSERT_NE(conv0, nullptr);
  ASSERT_EQ(conv0->input_size(), 3);
  expect_qdq_activation(ix, conv0->input(0), "input", 0.025f);
  expect_dq_weight(ix, conv0->input(1), s.conv0_w.q, s.conv0_steps, 0);
  EXPECT_EQ(ix.init.at(conv0->input(2))->data_type(), onnx::TensorProto::FLOAT);
  const onnx::NodeProto* relu = ix.producer.at(s.conv0_out);
  EXPECT_EQ(relu->op_type(), "Relu");
  EXPECT_EQ(relu->input(0), conv0->output(0));

  // conv1 is not in model.quant: reads conv0's output directly, fp32 weight, Clip(0, 6) after it.
  const onnx::NodeProto* conv1 = ix.node_named(g, s.conv1);
  ASSERT_NE(conv1, nullptr);
  EXPECT_EQ(conv1->input(0), s.conv0_out);
  EXPECT_EQ(ix.init.at(conv1->input(1))->data_type(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(attr_int(*conv1, "group", 0), 2);

  // gemm without transB: weight [K=4, N=5], output channels along axis 1.
  const onnx::NodeProto* gemm = ix.node_named(g, s.gemm);
  ASSERT_NE(gemm, nullptr);
  expect_qdq_activation(ix, gemm->input(0), s.gemm_in, 0.0125f);
  expect_dq_weight(ix, gemm->input(1), s.gemm_w.q, s.gemm_steps, 1);

  std::map<std::string, int> ops;
  for (const auto& n : g.node()) ++ops[n.op_type()];
  EXPECT_EQ(ops["QuantizeLinear"], 2);
  EXPECT_EQ(ops["DequantizeLinear"], 4);
  EXPECT_EQ(ops["Clip"], 1);
  EXPECT_EQ(ops["HardSigmoid"], 1);  // HardSwish -> x * HardSigmoid(x; 1/6, 1/2) in opset 13
  EXPECT_EQ(ops["Mul"], 1);
  EXPECT_EQ(ops["HardSwish"], 0);
  EXPECT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), s.model.graph.value(s.model.graph.outputs()[0]).name);

  // Every initializer is read by some node (the fp32 weights of quantized layers are not written).
  std::set<std::string> read;
  for (const auto& n : g.node())
    for (const auto& i : n.input()) read.insert(i);
  for (const auto& t : g.initializer()) EXPECT_TRUE(read.count(t.name())) << t.name() << " is unused";
  cleanup(path);
}

TEST(OnnxWriter, SixBitWeightsClampToPlusMinus31) {
  SmallModel s = small_model(6);
  onnx::ModelProto m = exporters::to_onnx_proto(s.model, {.qdq = true});
  ProtoIndex ix(m.graph());
  const onnx::NodeProto* conv0 = ix.node_named(m.graph(), s.conv0);
  ASSERT_NE(conv0, nullptr);
  expect_dq_weight(ix, conv0->input(1), s.conv0_w.q, s.conv0_steps, 0);
}

TEST(OnnxWriter, Fp32ExportReimportsAndComputesTheSame) {
  SmallModel s = small_model();
  std::string path = temp_path("small_fp32.onnx");
  exporters::save_onnx(s.model, path);
  onnx::ModelProto m = read_proto(path);
  for (const auto& n : m.graph().node()) EXPECT_NE(n.op_type(), "DequantizeLinear");

  ir::Model back = frontend::import_onnx(path);
  EXPECT_TRUE(back.quant.empty());
  Tensor x = random_tensor({1, 3, 8, 8}, 42, -2.f, 2.f);
  runtime::CompileOptions ref{.backend = runtime::Backend::reference, .int8 = runtime::Int8Mode::off};
  Tensor want = runtime::compile(s.model, ref)->run({x}).at(0);
  Tensor got = runtime::compile(back, ref)->run({x}).at(0);
  EXPECT_EQ(compare(got, want, 1e-5f), "");
  cleanup(path);
}

// Ops outside the small model: BatchNorm, Pad, AveragePool, LeakyRelu, Sigmoid, binary ops with a
// broadcast constant, Concat, Transpose, Reshape, Squeeze/Unsqueeze, ReduceMean, MatMul, Identity.
TEST(OnnxWriter, Fp32ExportOfManyOpsReimportsAndComputesTheSame) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {2, 4, 6, 6});
  ir::ValueId bn =
      b.node(ir::OpKind::BatchNormalization,
             {x, b.constant(random_tensor({4}, 1, 0.5f, 1.5f)), b.constant(random_tensor({4}, 2)),
              b.constant(random_tensor({4}, 3)), b.constant(random_tensor({4}, 4, 0.5f, 2.f))},
             ir::BatchNormAttrs{1e-3f});
  ir::ValueId pad =
      b.node(ir::OpKind::Pad, {bn}, ir::PadAttrs{{0, 0, 1, 0, 0, 0, 0, 1}, ir::PadMode::constant, 0.5f});
  ir::PoolAttrs pa;
  pa.kernel_h = pa.kernel_w = 3;
  pa.pad_top = pa.pad_left = pa.pad_bottom = pa.pad_right = 1;
  pa.count_include_pad = false;
  ir::ValueId avg = b.node(ir::OpKind::AveragePool, {pad}, pa);  // [2,4,7,7]
  ir::ValueId lr = b.node(ir::OpKind::LeakyRelu, {avg}, ir::ActAttrs{0.1f});
  ir::ValueId sg = b.node(ir::OpKind::Sigmoid, {avg});
  ir::ValueId sub = b.node(ir::OpKind::Sub, {lr, b.constant(random_tensor({4, 1, 1}, 5))});
  ir::ValueId mul = b.node(ir::OpKind::Mul, {sub, sg});
  ir::ValueId div = b.node(ir::OpKind::Div, {mul, b.constant(random_tensor({1}, 6, 1.f, 2.f))});
  ir::ValueId cat = b.node(ir::OpKind::Concat, {div, sg}, ir::AxisAttrs{1});                // [2,8,7,7]
  ir::ValueId tr = b.node(ir::OpKind::Transpose, {cat}, ir::AxesAttrs{{0, 2, 3, 1}});       // [2,7,7,8]
  ir::ValueId rm = b.node(ir::OpKind::ReduceMean, {tr}, ir::ReduceAttrs{{1, 2}, true});     // [2,1,1,8]
  ir::ValueId sq = b.node(ir::OpKind::Squeeze, {rm}, ir::AxesAttrs{{1, 2}});                // [2,8]
  ir::ValueId mm = b.node(ir::OpKind::MatMul, {sq, b.constant(random_tensor({8, 3}, 7))});  // [2,3]
  ir::ValueId us = b.node(ir::OpKind::Unsqueeze, {mm}, ir::AxesAttrs{{1}});                 // [2,1,3]
  ir::ValueId rs = b.node(ir::OpKind::Reshape, {us}, ir::ReshapeAttrs{{0, -1}});            // [2,3]
  ir::ValueId id = b.node(ir::OpKind::Identity, {rs});
  ir::ValueId cl =
      b.node(ir::OpKind::Clip, {id}, ir::ActAttrs{-0.2f, std::numeric_limits<float>::infinity()});
  b.output(cl);
  ir::Model model = b.finish();

  std::string path = temp_path("many_ops.onnx");
  exporters::save_onnx(model, path);
  ir::Model back = frontend::import_onnx(path);
  Tensor in = random_tensor({2, 4, 6, 6}, 9, -3.f, 3.f);
  runtime::CompileOptions ref{
      .backend = runtime::Backend::reference, .int8 = runtime::Int8Mode::off, .batch = 2};
  Tensor want = runtime::compile(model, ref)->run({in}).at(0);
  Tensor got = runtime::compile(back, ref)->run({in}).at(0);
  EXPECT_EQ(compare(got, want, 1e-5f), "");
  cleanup(path);
}

TEST(OnnxWriter, RefusesWhatItCannotExpress) {
  SmallModel s = small_model();
  // A fused "activation" that is not one.
  ir::Model bad = s.model;
  for (auto& n : bad.graph.nodes())
    if (n.name == s.conv1) n.attr<ir::ConvAttrs>().activation = ir::FusedActivation{ir::OpKind::Add};
  try {
    exporters::to_onnx_proto(bad, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find(s.conv1), std::string::npos) << e.what();
  }

  // Quantization parameters naming a node that does not exist, or with the wrong number of steps.
  ir::Model ghost = s.model;
  ghost.quant.layers["no_such_conv"] = {0.1f, {0.1f}, 8, 0.f};
  EXPECT_THROW(exporters::to_onnx_proto(ghost, {.qdq = true}), Error);
  ir::Model wrong = s.model;
  wrong.quant.layers[s.conv0].weight_scales = {0.1f, 0.2f};
  try {
    exporters::to_onnx_proto(wrong, {.qdq = true});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    EXPECT_NE(std::string(e.what()).find(s.conv0), std::string::npos) << e.what();
  }
  ir::Model zero = s.model;
  zero.quant.layers[s.gemm].input_scale = 0.f;
  EXPECT_THROW(exporters::to_onnx_proto(zero, {.qdq = true}), Error);

  // QDQ without quantization parameters; an unwritable path leaves no file.
  ir::Model fp32 = s.model;
  fp32.quant = {};
  EXPECT_THROW(exporters::save_onnx_qdq(fp32, temp_path("never.onnx")), Error);
  EXPECT_FALSE(fs::exists(temp_path("never.onnx")));
  EXPECT_THROW(exporters::save_onnx(fp32, "/nonexistent_dir_qd/x.onnx"), Error);
  cleanup(temp_path("never.onnx"));
}

}  // namespace
}  // namespace qd
