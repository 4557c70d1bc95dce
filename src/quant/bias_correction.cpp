#include "quant/bias_correction.h"

#include <set>

#include "core/error.h"
#include "quant/weight_quant.h"

namespace qd::quant {

namespace {

// Running per-channel sums of [N, C, ...] tensors.
struct ChannelSums {
  std::vector<double> sum;
  uint64_t per_channel = 0;
  void add(const Tensor& t) {
    const Shape& s = t.shape();
    if (s.size() < 2) fail_internal("channel means: value of rank < 2");
    const int64_t n = s[0], c = s[1], inner = t.numel() / (n * c);
    if (sum.empty()) sum.assign(static_cast<size_t>(c), 0.0);
    QD_CHECK(static_cast<int64_t>(sum.size()) == c, "channel means: channel count changed");
    const float* p = t.data<float>();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        double acc = 0;
        const float* q = p + (b * c + ch) * inner;
        for (int64_t i = 0; i < inner; ++i) acc += q[i];
        sum[ch] += acc;
      }
    per_channel += static_cast<uint64_t>(n * inner);
  }
};

}  // namespace

ChannelMeans collect_input_channel_means(const ir::Model& fp32_model, BatchSource& source,
                                         const CalibOptions& options, const CalibProgress& progress) {
  const ir::Graph& g = fp32_model.graph;
  if (g.inputs().size() != 1) fail("bias correction", "the model must have exactly one input");
  std::map<std::string, ChannelSums> sums;
  for (const QuantizableNode& q : quantizable_nodes(g)) sums[g.value(q.input).name];
  const std::string& input_name = g.value(g.inputs()[0]).name;
  ir::Model fp32{g, {}};
  std::map<int64_t, std::unique_ptr<runtime::Executor>> executors;
  size_t done = 0;
  Tensor batch;
  while (source.next(batch)) {
    const Tensor input = batch.to_f32();
    auto& exec = executors[input.dim(0)];
    if (!exec) {
      runtime::CompileOptions c;
      c.int8 = runtime::Int8Mode::off;
      c.threads = options.num_threads;
      c.batch = input.dim(0);
      exec = runtime::compile(fp32, c);
    }
    std::set<std::string> seen;  // a value reported twice in one batch counts once
    auto observe = [&](const std::string& name, const Tensor& t) {
      auto it = sums.find(name);
      if (it != sums.end() && seen.insert(name).second) it->second.add(t);
    };
    observe(input_name, input);
    exec->run({input}, observe);
    ++done;
    if (progress) progress(done, source.size());
  }
  if (done == 0) fail("bias correction", "the calibration set is empty");
  ChannelMeans means;
  for (auto& [name, s] : sums) {
    if (s.per_channel == 0) fail_internal("bias correction: the runtime never reported value '" + name + "'");
    std::vector<double>& m = means[name];
    for (double v : s.sum) m.push_back(v / static_cast<double>(s.per_channel));
  }
  return means;
}

std::vector<double> expected_output_shift(const ir::Model& model, const ir::Node& node,
                                          const std::vector<double>& mean) {
  const ir::Graph& g = model.graph;
  const ir::LayerQuant* q = model.quant.find(node.name);
  QD_CHECK(q != nullptr, "expected_output_shift: node is not quantized");
  const Tensor w = g.value(node.inputs[1]).constant.to_f32();
  const int axis = weight_channel_axis(node);
  const Shape& s = w.shape();
  const int64_t channels = s[axis];
  std::vector<double> steps = q->weight_scales;
  if (steps.size() == 1) steps.assign(static_cast<size_t>(channels), steps[0]);
  if (static_cast<int64_t>(steps.size()) != channels)
    fail("bias correction", "node '" + node.name + "': " + std::to_string(steps.size()) +
                                " weight steps for " + std::to_string(channels) + " output channels");
  const Tensor wq = quantize_weights(w, steps, axis, q->weight_bits);
  const float* pw = w.data<float>();
  const int8_t* pq = wq.data<int8_t>();
  std::vector<double> shift(static_cast<size_t>(channels), 0.0);
  if (node.op == ir::OpKind::Conv) {  // W [O, I/g, kh, kw]; output o reads input channels of its group
    const int64_t O = s[0], Ig = s[1], K = s[2] * s[3];
    const int64_t groups = node.attr<ir::ConvAttrs>().group, Og = O / groups;
    QD_CHECK(static_cast<int64_t>(mean.size()) == Ig * groups,
             "bias correction: input channel count mismatch");
    for (int64_t o = 0; o < O; ++o)
      for (int64_t c = 0; c < Ig; ++c) {
        double dw = 0;
        for (int64_t k = 0; k < K; ++k) {
          const int64_t i = (o * Ig + c) * K + k;
          dw += double(pq[i]) * static_cast<float>(steps[o]) - double(pw[i]);  // the runtime's fp32 step
        }
        shift[o] += dw * mean[(o / Og) * Ig + c];
      }
  } else {  // Gemm: y = alpha * x * op(B); B [K, N] (axis 1) or [N, K] with trans_b (axis 0)
    const auto& a = node.attr<ir::GemmAttrs>();
    const int64_t K = s[1 - axis], N = channels;
    QD_CHECK(static_cast<int64_t>(mean.size()) == K, "bias correction: Gemm input size mismatch");
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t i = axis == 0 ? n * K + k : k * N + n;
        acc += (double(pq[i]) * static_cast<float>(steps[n]) - double(pw[i])) * mean[k];
      }
      shift[n] = a.alpha * acc;
    }
  }
  return shift;
}

int correct_bias(ir::Model& model, const ChannelMeans& means) {
  ir::Graph& g = model.graph;
  int corrected = 0;
  for (const QuantizableNode& qn : quantizable_nodes(g)) {
    ir::Node& node = g.node(qn.node);
    if (!model.quant.find(node.name)) continue;
    const std::string& in = g.value(qn.input).name;
    auto it = means.find(in);
    if (it == means.end()) fail("bias correction", "no channel means for value '" + in + "'");
    const std::vector<double> shift = expected_output_shift(model, node, it->second);
    const int64_t n = static_cast<int64_t>(shift.size());
    float beta = 1.f;
    if (node.op == ir::OpKind::Gemm) beta = node.attr<ir::GemmAttrs>().beta;
    const bool has_bias = node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue;
    if (has_bias && !g.value(node.inputs[2]).is_constant()) continue;  // not ours to change
    Tensor bias(DataType::f32, {n});
    if (has_bias) {
      const Tensor old = g.value(node.inputs[2]).constant.to_f32();
      if (old.numel() != n) continue;  // broadcast bias: left alone
      bias = old.clone().reshaped({n});
    } else {
      for (float& v : bias.values<float>()) v = 0.f;
      if (node.op == ir::OpKind::Gemm) node.attr<ir::GemmAttrs>().beta = beta = 1.f;
    }
    float* b = bias.data<float>();
    for (int64_t o = 0; o < n; ++o) b[o] = static_cast<float>(b[o] - shift[o] / beta);
    Shape bias_shape = has_bias ? g.value(node.inputs[2]).shape : Shape{n};
    const ir::ValueId v =
        g.add_constant(g.unique_value_name(node.name + "_bias_corrected"), bias.reshaped(bias_shape));
    if (node.inputs.size() < 3) node.inputs.resize(3, ir::kNoValue);
    node.inputs[2] = v;
    ++corrected;
  }
  return corrected;
}

}  // namespace qd::quant
