// Small helpers to build IR graphs by hand in runtime tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ir/model.h"
#include "ir/shape_inference.h"
#include "runtime/executor.h"
#include "runtime/onednn/piece_layout.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::testing {

inline Tensor random_tensor(const Shape& s, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t(DataType::f32, s);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (float& v : t.values<float>()) v = d(rng);
  return t;
}

inline Tensor make(const Shape& s, std::vector<float> v) { return Tensor::from<float>(s, v); }

// x [N, C, H, W] (NCHW) laid out as `layout` (the inputs of the one-pass concat steps).
inline std::vector<float> in_layout(const Tensor& x, onednn::PieceLayout layout) {
  const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3), B = onednn::block_of(layout);
  std::vector<float> out(static_cast<size_t>(x.numel()));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < HW; ++p) {
        const int64_t at = B ? ((n * (C / B) + c / B) * HW + p) * B + c % B : (n * HW + p) * C + c;
        out[static_cast<size_t>(at)] = x.data<float>()[(n * C + c) * HW + p];
      }
  return out;
}

class GraphBuilder {
 public:
  ir::ValueId input(const std::string& name, const Shape& s) {
    ir::ValueId v = g().add_value(name, DataType::f32, s);
    g().inputs().push_back(v);
    return v;
  }
  ir::ValueId constant(Tensor t) { return g().add_constant("c" + std::to_string(counter_++), std::move(t)); }
  // Adds a node with one output; returns the output value.
  ir::ValueId node(ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attrs attrs = {}) {
    const std::string name = std::string(ir::op_name(op)) + std::to_string(counter_++);
    ir::ValueId out = g().add_value(name + "_out");
    ir::Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    n.attrs = std::move(attrs);
    g().add_node(std::move(n));
    return out;
  }
  ir::ValueId conv(ir::ValueId x, int64_t in_c, int64_t out_c, ir::ConvAttrs a, uint32_t seed,
                   bool bias = true) {
    ir::ValueId w = constant(random_tensor({out_c, in_c / a.group, a.kernel_h, a.kernel_w}, seed));
    std::vector<ir::ValueId> ins{x, w};
    if (bias) ins.push_back(constant(random_tensor({out_c}, seed + 1)));
    return node(ir::OpKind::Conv, ins, a);
  }
  void output(ir::ValueId v) { g().outputs().push_back(v); }
  // Finishes the graph: shapes inferred by the IR's shape inference.
  ir::Model finish() {
    g().sort_topologically();
    ir::infer_shapes(g());
    return model;
  }
  ir::Graph& g() { return model.graph; }
  ir::Model model;

 private:
  int counter_ = 0;
};

inline ir::ConvAttrs conv_attrs(int k, int stride = 1, int pad = 0, int group = 1, int dilation = 1) {
  ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.group = group;
  a.dilation_h = a.dilation_w = dilation;
  return a;
}

// input [N, in_c, hw, hw] -> Conv 3x3 pad 1 (+ fused Relu) -> `mid` channels -> Conv (k x k, same padding) ->
// `out_c` channels, seeded random weights: the smallest model with an int8 layer feeding another.
inline ir::Model conv_relu_conv_model(int64_t in_c, int64_t hw, int64_t mid, int64_t out_c, int k,
                                      uint32_t seed) {
  GraphBuilder b;
  const ir::ValueId x = b.input("input", {kDynamicDim, in_c, hw, hw});
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{ir::OpKind::Relu};
  const ir::ValueId y = b.conv(x, in_c, mid, relu, seed);
  b.output(b.conv(y, mid, out_c, conv_attrs(k, 1, k / 2), seed + 1));
  return b.finish();
}

// How often `what` occurs in `text` (e.g. a kernel's tag in an executor's plan summary).
inline int occurrences(const std::string& text, const std::string& what) {
  int k = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++k;
  return k;
}

// max |a-b| <= rtol * (|b| + max|b|) elementwise; returns a description of the first violation or "".
inline std::string compare(const Tensor& a, const Tensor& b, float rtol = 1e-4f) {
  if (a.shape() != b.shape()) return "shape " + shape_str(a.shape()) + " vs " + shape_str(b.shape());
  float scale = 0;
  for (float v : b.values<float>()) scale = std::max(scale, std::fabs(v));
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    if (!(std::fabs(x - y) <= rtol * (std::fabs(y) + scale) + 1e-6f))
      return "element " + std::to_string(i) + ": " + std::to_string(x) + " vs " + std::to_string(y);
  }
  return "";
}

// Symmetric per-output-channel weight steps of `bits`-bit weights [O, ...]: absmax / (2^(bits-1) - 1).
inline std::vector<double> channel_steps(const Tensor& w, int bits = 8) {
  const int64_t O = w.dim(0), per = w.numel() / O;
  std::vector<double> s;
  for (int64_t o = 0; o < O; ++o) {
    float m = 0;
    for (int64_t i = 0; i < per; ++i) m = std::max(m, std::fabs(w.data<float>()[o * per + i]));
    s.push_back(m / ((1 << (bits - 1)) - 1));
  }
  return s;
}

// The symmetric int8 step that maps max|t| to `qmax`.
inline float absmax_step(const Tensor& t, int qmax = 127) {
  float m = 0;
  for (float v : t.values<float>()) m = std::max(m, std::fabs(v));
  return m / static_cast<float>(qmax);
}

// absmax_step of every value of `m` (by name) in one reference fp32 run on `in`.
inline std::map<std::string, float> reference_absmax_steps(const ir::Model& m, const Tensor& in) {
  CompileOptions o;
  o.backend = Backend::reference;
  o.int8 = Int8Mode::off;
  o.batch = in.dim(0);
  std::map<std::string, float> steps;
  compile(m, o)->run({in}, [&](const std::string& name, const Tensor& t) { steps[name] = absmax_step(t); });
  return steps;
}

// Int8 parameters for every Conv of `m` from one reference fp32 run on `in`: each conv's input step is
// absmax_step of what it reads, its weight step 1/127 (weights in [-1, 1], as random_tensor makes them).
inline void quantize_convs_by_absmax(ir::Model& m, const Tensor& in) {
  const std::map<std::string, float> steps = reference_absmax_steps(m, in);
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    ir::LayerQuant q;
    q.input_scale = steps.at(m.graph.value(n.inputs[0]).name);
    q.weight_scales = {1.f / 127};
    m.quant.layers[n.name] = q;
  }
}

// Int8 parameters for every Gemm of `m` from one reference fp32 run on `in`: each Gemm's input step is
// absmax_step of what it reads, its weight steps channel_steps of B as [N, K] (transposed when not trans_b).
inline void quantize_gemms_by_absmax(ir::Model& m, const Tensor& in) {
  const std::map<std::string, float> steps = reference_absmax_steps(m, in);
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Gemm) continue;
    ir::LayerQuant q;
    q.input_scale = steps.at(m.graph.value(n.inputs[0]).name);
    const Tensor& w = m.graph.value(n.inputs[1]).constant;
    q.weight_scales = channel_steps(n.attr<ir::GemmAttrs>().trans_b ? w : ref::transpose(w, {1, 0}));
    m.quant.layers[n.name] = q;
  }
}

}  // namespace qd::runtime::testing
