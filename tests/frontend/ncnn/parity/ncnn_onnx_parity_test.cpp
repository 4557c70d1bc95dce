// The ncnn files made by ncnn's tools from resnet20_cifar10.onnx, loaded by qdeploy, compute what the
// ONNX model computes (reference backend, random input). Guards the meaning of the reader's mapping
// (pads, Flatten before InnerProduct, fused ReLU, Split aliasing), not just its structure.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "frontend/ncnn/ncnn_reader.h"
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
