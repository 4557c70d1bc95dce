// A small MobileNet-style ONNX model with seeded random weights, built with the protobuf API, for testing
// quantization on depthwise-heavy graphs with BatchNormalization the importer cannot fold.
//
//   input [N, 3, 32, 32]
//   -> BatchNormalization on the graph input ("input_bn": no producer to fold into, stays a runtime op)
//   stem:   Conv 3x3 s2 (3 -> 16) -> BN -> Clip(0, 6)                                    [16 x 16]
//   ds1:    depthwise 3x3 s1 -> BN -> Clip(0, 6) -> Conv 1x1 (16 -> 24) -> BN -> Clip(0, 6)
//   ds2:    depthwise 3x3 s2 -> BN -> Relu       -> Conv 1x1 (24 -> 32) -> BN -> Relu     [8 x 8]
//   ir3:    inverted residual: Conv 1x1 (32 -> 64) -> BN -> Relu -> depthwise 3x3 -> BN -> Relu
//           -> Conv 1x1 (64 -> 32) -> BN (linear) -> Add(ds2 output)
//           -> BatchNormalization after the Add ("ir3_add_bn": its input comes from an Add, not a Conv)
//   ds4:    depthwise 3x3 s2 -> BN -> Clip(0, 6) -> Conv 1x1 (32 -> 48) -> BN -> Clip(0, 6) [4 x 4]
//   head:   GlobalAveragePool -> Flatten -> Gemm (48 -> 10)
//
// ds2 and ir3 use Relu instead of ReLU6 on purpose: cross-layer equalization only pairs layers across
// activations that commute with per-channel scaling (see quant/cross_layer_equalization.h), so this model
// has both equalizable pairs (Relu) and pairs it must skip (ReLU6).
//
// Conv weights are He-scaled normals; every BatchNormalization's running statistics are measured on images
// (set_batch_norm_statistics, as training leaves them) and its gamma is log-uniform over [0.15, 4]: a 27x
// spread of per-channel ranges, as trained MobileNets show after folding, most of all in depthwise layers.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "frontend/onnx/onnx_builder.h"
#include "frontend/onnx/onnx_importer.h"
#include "ir/model.h"
#include "runtime/executor.h"

namespace qd::test::mobilenet_style {

constexpr int64_t kImageSize = 32;
constexpr int64_t kInputChannels = 3;
constexpr int64_t kClasses = 10;

// Seeded random numbers for one model.
class WeightSource {
 public:
  explicit WeightSource(uint32_t seed) : rng_(seed) {}
  std::vector<float> normal(size_t n, float stddev) {
    std::normal_distribution<float> d(0.f, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng_);
    return v;
  }
  std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng_);
    return v;
  }
  // exp(uniform(log lo, log hi)): scale factors spread evenly on a log axis.
  std::vector<float> log_uniform(size_t n, float lo, float hi) {
    std::vector<float> v = uniform(n, std::log(lo), std::log(hi));
    for (float& x : v) x = std::exp(x);
    return v;
  }

 private:
  std::mt19937 rng_;
};

// Appends ONNX nodes to a builder, naming each node and its output `prefix + suffix`.
class ModelWriter {
 public:
  ModelWriter(OnnxBuilder& b, uint32_t seed) : b_(b), w_(seed) {}

  // Conv without bias (the following BN provides it), He-scaled weights.
  std::string conv(const std::string& name, const std::string& x, int64_t in_c, int64_t out_c, int64_t k,
                   int64_t stride, int64_t group) {
    const int64_t fan_in = in_c / group * k * k;
    b_.init_f32(name + ".w", {out_c, in_c / group, k, k},
                w_.normal(static_cast<size_t>(out_c * fan_in), std::sqrt(2.f / static_cast<float>(fan_in))));
    auto& n = b_.node("Conv", {x, name + ".w"}, {name}, name);
    set_attr(n, "kernel_shape", std::vector<int64_t>{k, k});
    set_attr(n, "strides", std::vector<int64_t>{stride, stride});
    const int64_t p = k / 2;
    set_attr(n, "pads", std::vector<int64_t>{p, p, p, p});
    if (group != 1) set_attr(n, "group", group);
    return name;
  }
  // BatchNormalization with gamma log-uniform in [0.15, 4] and beta in [-0.2, 0.5]; mean 0 and var 1 until
  // set_batch_norm_statistics measures them.
  std::string batch_norm(const std::string& name, const std::string& x, int64_t c) {
    const size_t n = static_cast<size_t>(c);
    b_.init_f32(name + ".gamma", {c}, w_.log_uniform(n, 0.15f, 4.f));
    b_.init_f32(name + ".beta", {c}, w_.uniform(n, -0.2f, 0.5f));
    b_.init_f32(name + ".mean", {c}, std::vector<float>(n, 0.f));
    b_.init_f32(name + ".var", {c}, std::vector<float>(n, 1.f));
    auto& node = b_.node("BatchNormalization",
                         {x, name + ".gamma", name + ".beta", name + ".mean", name + ".var"}, {name}, name);
    set_attr(node, "epsilon", 1e-5f);
    return name;
  }
  std::string relu6(const std::string& name, const std::string& x) {
    if (!have_clip_bounds_) {
      b_.init_f32("relu6.min", {}, {0.f});
      b_.init_f32("relu6.max", {}, {6.f});
      have_clip_bounds_ = true;
    }
    b_.node("Clip", {x, "relu6.min", "relu6.max"}, {name}, name);
    return name;
  }
  std::string relu(const std::string& name, const std::string& x) {
    b_.node("Relu", {x}, {name}, name);
    return name;
  }
  // conv -> BN -> activation ("relu6", "relu" or "" for linear).
  std::string conv_bn_act(const std::string& name, const std::string& x, int64_t in_c, int64_t out_c,
                          int64_t k, int64_t stride, int64_t group, const std::string& act) {
    std::string y = batch_norm(name + "_bn", conv(name, x, in_c, out_c, k, stride, group), out_c);
    if (act == "relu6") return relu6(name + "_relu6", y);
    if (act == "relu") return relu(name + "_relu", y);
    return y;
  }
  // Depthwise 3x3 (stride s) -> BN -> act -> pointwise 1x1 -> BN -> act.
  std::string separable(const std::string& name, const std::string& x, int64_t in_c, int64_t out_c,
                        int64_t stride, const std::string& act) {
    std::string y = conv_bn_act(name + "_dw", x, in_c, in_c, 3, stride, in_c, act);
    return conv_bn_act(name + "_pw", y, in_c, out_c, 1, 1, 1, act);
  }

  OnnxBuilder& builder() { return b_; }
  WeightSource& weights() { return w_; }

 private:
  OnnxBuilder& b_;
  WeightSource w_;
  bool have_clip_bounds_ = false;
};

// The ONNX model (symbolic batch), weights from `seed`.
inline OnnxBuilder build_onnx(uint32_t seed) {
  OnnxBuilder b;
  b.input("input", {-1, kInputChannels, kImageSize, kImageSize}).output("logits");
  ModelWriter m(b, seed);
  std::string x = m.batch_norm("input_bn", "input", kInputChannels);
  x = m.conv_bn_act("stem", x, kInputChannels, 16, 3, 2, 1, "relu6");
  x = m.separable("ds1", x, 16, 24, 1, "relu6");
  const std::string ds2 = m.separable("ds2", x, 24, 32, 2, "relu");
  x = m.conv_bn_act("ir3_expand", ds2, 32, 64, 1, 1, 1, "relu");
  x = m.conv_bn_act("ir3_dw", x, 64, 64, 3, 1, 64, "relu");
  x = m.conv_bn_act("ir3_project", x, 64, 32, 1, 1, 1, "");
  b.node("Add", {x, ds2}, {"ir3_add"}, "ir3_add");
  x = m.batch_norm("ir3_add_bn", "ir3_add", 32);
  x = m.separable("ds4", x, 32, 48, 2, "relu6");
  b.node("GlobalAveragePool", {x}, {"pool"}, "pool");
  b.node("Flatten", {"pool"}, {"flat"}, "flat");
  b.init_f32("fc.w", {kClasses, 48}, m.weights().normal(kClasses * 48, std::sqrt(1.f / 48.f)));
  b.init_f32("fc.b", {kClasses}, m.weights().uniform(kClasses, -0.1f, 0.1f));
  auto& fc = b.node("Gemm", {"flat", "fc.w", "fc.b"}, {"logits"}, "fc");
  set_attr(fc, "transB", int64_t{1});
  return b;
}

// Image `seed`: per channel a smooth random pattern (a product of two sinusoids with random frequencies
// and phases) around 0.5 plus pixel noise, roughly in [0, 1] like normalised photos. f32 [1, 3, 32, 32].
inline Tensor image(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> freq(0.1f, 0.8f), phase(0.f, 6.3f), amp(0.1f, 0.4f);
  std::normal_distribution<float> noise(0.f, 0.08f);
  Tensor t(DataType::f32, {1, kInputChannels, kImageSize, kImageSize});
  float* p = t.data<float>();
  for (int64_t c = 0; c < kInputChannels; ++c) {
    const float fx = freq(rng), fy = freq(rng), px = phase(rng), py = phase(rng), a = amp(rng);
    for (int64_t y = 0; y < kImageSize; ++y)
      for (int64_t x = 0; x < kImageSize; ++x)
        *p++ = 0.5f + a * std::sin(fx * x + px) * std::cos(fy * y + py) + noise(rng);
  }
  return t;
}

// Images first_seed .. first_seed + count - 1 in batches of `batch` (count a multiple of batch).
inline std::vector<Tensor> image_batches(int count, int64_t batch, uint32_t first_seed) {
  std::vector<Tensor> batches;
  const int64_t per_image = kInputChannels * kImageSize * kImageSize;
  for (int64_t b = 0; b < count / batch; ++b) {
    Tensor t(DataType::f32, {batch, kInputChannels, kImageSize, kImageSize});
    for (int64_t i = 0; i < batch; ++i) {
      const Tensor img = image(first_seed + static_cast<uint32_t>(b * batch + i));
      std::copy(img.values<float>().begin(), img.values<float>().end(), t.data<float>() + i * per_image);
    }
    batches.push_back(t);
  }
  return batches;
}

// Replaces the initializer called `name` by `values` (same dims).
inline void replace_initializer(onnx::GraphProto& g, const std::string& name,
                                const std::vector<float>& values) {
  for (onnx::TensorProto& t : *g.mutable_initializer())
    if (t.name() == name) {
      t.set_raw_data(
          std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
      return;
    }
  throw std::runtime_error("no initializer " + name);
}

// What training gives a BatchNormalization: running mean / variance = the statistics of its input on data.
// Each BN in graph order gets the per-channel mean and variance of its input over `images` (f32 NCHW
// batches), measured on the model cut at that input with the statistics of all earlier BNs already set, so
// every BN sees normalised inputs and activations follow the images instead of random offsets.
inline void set_batch_norm_statistics(OnnxBuilder& b, const std::vector<Tensor>& images) {
  for (const onnx::NodeProto& bn : b.graph().node()) {
    if (bn.op_type() != "BatchNormalization") continue;
    OnnxBuilder cut = b;
    cut.graph().clear_output();
    cut.output(bn.input(0));
    ir::Model m = frontend::import_onnx_proto(cut.model, "mobilenet_style_cut.onnx");
    runtime::CompileOptions o;
    o.backend = runtime::Backend::onednn;
    o.int8 = runtime::Int8Mode::off;
    o.threads = 1;
    o.batch = images.front().dim(0);
    auto exec = runtime::compile(m, o);
    std::vector<double> sum, sum2;
    double count = 0;
    for (const Tensor& x : images) {
      const Tensor y = exec->run({x}).at(0);
      const int64_t c = y.dim(1), plane = y.numel() / (y.dim(0) * c);
      sum.resize(static_cast<size_t>(c), 0.0);
      sum2.resize(static_cast<size_t>(c), 0.0);
      for (int64_t i = 0; i < y.numel(); ++i) {
        const double v = y.data<float>()[i];
        sum[(i / plane) % c] += v;
        sum2[(i / plane) % c] += v * v;
      }
      count += static_cast<double>(y.numel() / c);
    }
    std::vector<float> mean(sum.size()), var(sum.size());
    for (size_t k = 0; k < sum.size(); ++k) {
      mean[k] = static_cast<float>(sum[k] / count);
      var[k] = static_cast<float>(std::max(sum2[k] / count - double(mean[k]) * mean[k], 1e-6));
    }
    replace_initializer(b.graph(), bn.input(3), mean);
    replace_initializer(b.graph(), bn.input(4), var);
  }
}

// The model as the ONNX importer gives it (BN folded where possible, activations fused), with BN
// statistics measured on `bn_images`.
inline ir::Model import_model(uint32_t seed, const std::vector<Tensor>& bn_images) {
  OnnxBuilder b = build_onnx(seed);
  set_batch_norm_statistics(b, bn_images);
  return frontend::import_onnx_proto(b.model, "mobilenet_style.onnx");
}

}  // namespace qd::test::mobilenet_style
