// The ncnn files made by ncnn's tools from resnet20_cifar10.onnx, loaded by qdeploy, compute what the
// ONNX model computes (reference backend, random input). Guards the meaning of the reader's mapping
// (pads, Flatten before InnerProduct, fused ReLU, Split aliasing), not just its structure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "exporters/ncnn/ncnn_writer.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "frontend/onnx/onnx_importer.h"
#include "runtime/executor.h"

namespace {

const std::string kShared = QDEPLOY_SHARED_DIR;

qd::Tensor random_input() {
  qd::Tensor x(qd::DataType::f32, {1, 3, 32, 32});
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (float& v : x.values<float>()) v = nd(rng);
  return x;
}

std::vector<float> run(qd::ir::Model m, const qd::Tensor& x, qd::runtime::Int8Mode mode) {
  // ncnn files carry no spatial size: give the input its CIFAR shape.
  auto& in = m.graph.value(m.graph.inputs()[0]);
  in.shape = {qd::kDynamicDim, 3, 32, 32};
  qd::runtime::CompileOptions o;
  o.backend = qd::runtime::Backend::reference;
  o.int8 = mode;
  auto exe = qd::runtime::compile(m, o);
  auto out = exe->run({x});
  auto v = out.at(0).values<float>();
  return {v.begin(), v.end()};
}

TEST(NcnnOnnxParity, Fp32FilesMatchTheOnnxModel) {
  const auto x = random_input();
  const auto want = run(qd::frontend::import_onnx(kShared + "/models/resnet20_cifar10.onnx"), x,
                        qd::runtime::Int8Mode::off);
  ASSERT_EQ(want.size(), 10u);
  for (const char* name : {"resnet20", "resnet20-opt"}) {
    const std::string base = kShared + "/ncnn-reference/" + name;
    const auto got =
        run(qd::frontend::load_ncnn(base + ".param", base + ".bin"), x, qd::runtime::Int8Mode::off);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-3f * (1 + std::fabs(want[i]))) << name;
  }
}

TEST(NcnnOnnxParity, Int8FileStaysCloseToFp32) {
  const auto x = random_input();
  const std::string ref = kShared + "/ncnn-reference/";
  const auto fp32 = run(qd::frontend::load_ncnn(ref + "resnet20-opt.param", ref + "resnet20-opt.bin"), x,
                        qd::runtime::Int8Mode::off);
  auto int8_model = qd::frontend::load_ncnn(ref + "resnet20-kl-int8.param", ref + "resnet20-kl-int8.bin");
  ASSERT_FALSE(int8_model.quant.empty());
  const auto q = run(int8_model, x, qd::runtime::Int8Mode::real);
  // Cosine similarity of the logits: int8 noise, not a different network.
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < fp32.size(); ++i) dot += fp32[i] * q[i], na += fp32[i] * fp32[i], nb += q[i] * q[i];
  EXPECT_GT(dot / std::sqrt(na * nb), 0.98);
}

}  // namespace

namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// qdeploy's ONNX -> ncnn conversion against onnx2ncnn + ncnnoptimize: the same weights byte for byte
// and the same layers; the only expected text differences are listed in the test.
TEST(NcnnOnnxParity, OnnxToNcnnMatchesOnnx2ncnnPlusNcnnoptimize) {
  auto m = qd::frontend::import_onnx(kShared + "/models/resnet20_cifar10.onnx");
  const auto dir = std::filesystem::temp_directory_path() / ("qd_ncnn_parity_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string param = (dir / "r.param").string(), bin = (dir / "r.bin").string();
  qd::exporters::save_ncnn(m, param, bin);
  const std::string ref = kShared + "/ncnn-reference/resnet20-opt";
  EXPECT_EQ(slurp(bin), slurp(ref + ".bin"));
  std::istringstream got(slurp(param)), want(slurp(ref + ".param"));
  std::string a, b;
  int line = 0, differing = 0;
  while (std::getline(want, b)) {
    ++line;
    ASSERT_TRUE(std::getline(got, a)) << "missing line " << line;
    if (a == b) continue;
    ++differing;
    std::printf("line %d differs:\n  qdeploy: %s\n  ncnn:    %s\n", line, a.c_str(), b.c_str());
  }
  EXPECT_FALSE(std::getline(got, a)) << "extra lines";
  // Input (qdeploy writes the static 32x32x3 shape) and the pooling/InnerProduct pair (ncnnoptimize
  // names the pooled blob after the Flatten it removed).
  EXPECT_LE(differing, 3);
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// Lines of two texts that differ.
int differing_lines(const std::string& x, const std::string& y) {
  std::istringstream a(x), b(y);
  std::string la, lb;
  int n = 0;
  while (std::getline(a, la)) {
    if (!std::getline(b, lb)) return n + 1000;
    n += la != lb;
  }
  return std::getline(b, lb) ? n + 1000 : n;
}

// qdeploy quantize from the ONNX model with ncnn2table's table gives ncnn2int8's int8 model.
TEST(NcnnOnnxParity, OnnxPlusTableMatchesNcnn2int8) {
  auto m = qd::frontend::import_onnx(kShared + "/models/resnet20_cifar10.onnx");
  m.quant = qd::frontend::load_ncnn_table(kShared + "/ncnn-reference/resnet20-kl.table", m.graph);
  const auto dir = std::filesystem::temp_directory_path() / ("qd_ncnn_parity8_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string param = (dir / "q.param").string(), bin = (dir / "q.bin").string();
  qd::exporters::save_ncnn(m, param, bin);
  const std::string ref = kShared + "/ncnn-reference/resnet20-kl-int8";
  EXPECT_EQ(differing_lines(slurp(param), slurp(ref + ".param")), 3);  // as in the fp32 test above
  EXPECT_EQ(slurp(bin).size(), slurp(ref + ".bin").size());
  auto a = qd::frontend::load_ncnn(param, bin);
  auto b = qd::frontend::load_ncnn(ref + ".param", ref + ".bin");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(a.quant.layers.size(), b.quant.layers.size());
  for (const auto& [name, qa] : a.quant.layers) {
    const auto& qb = b.quant.layers.at(name);
    EXPECT_EQ(qa.output_scale > 0.f, qb.output_scale > 0.f) << name;
    EXPECT_EQ(qa.weight_bits, qb.weight_bits) << name;
    EXPECT_NEAR(qa.input_scale, qb.input_scale, qb.input_scale * 2.5e-7) << name;
  }
  // The int8 weights themselves: q = w / step on both sides.
  for (size_t i = 0; i < a.graph.nodes().size(); ++i) {
    const auto& na = a.graph.nodes()[i];
    const auto* qa = a.quant.find(na.name);
    if (!qa) continue;
    const auto& nb = b.graph.nodes()[i];
    ASSERT_EQ(na.name, nb.name);
    const auto* qb = b.quant.find(nb.name);
    const auto& wa = a.graph.value(na.inputs[1]).constant;
    const auto& wb = b.graph.value(nb.inputs[1]).constant;
    ASSERT_EQ(wa.numel(), wb.numel());
    const int64_t per = wa.numel() / static_cast<int64_t>(qa->weight_scales.size());
    int differing = 0;
    for (int64_t k = 0; k < wa.numel(); ++k)
      differing += std::lround(wa.data<float>()[k] / qa->weight_scales[k / per]) !=
                   std::lround(wb.data<float>()[k] / qb->weight_scales[k / per]);
    EXPECT_EQ(differing, 0) << na.name;
  }
}

}  // namespace
