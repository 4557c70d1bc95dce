// Model-level AdaRound (see adaround.h): per quantized layer, sample im2col patches of its input from
// calibration images, learn the rounding (adaround_rounding.cpp), write the rounded weights back.
#include "quant/adaround.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <random>

#include "core/error.h"
#include "quant/rounding.h"
#include "quant/weight_quant.h"

namespace qd::quant {
namespace {

std::vector<Tensor> take_images(BatchSource& source, size_t images) {
  std::vector<Tensor> batches;
  size_t have = 0;
  Tensor batch;
  while (have < images && source.next(batch)) {
    if (batch.rank() < 1 || batch.dim(0) < 1) continue;
    Tensor f = batch.to_f32().clone();
    const int64_t n = std::min<int64_t>(f.dim(0), static_cast<int64_t>(images - have));
    if (n < f.dim(0)) {  // keep the first n images of the batch
      Shape s = f.shape();
      s[0] = n;
      Tensor part(DataType::f32, s);
      std::copy_n(f.data<float>(), part.numel(), part.data<float>());
      f = part;
    }
    have += static_cast<size_t>(n);
    batches.push_back(f);
  }
  if (batches.empty()) fail("adaround", "the calibration set is empty");
  return batches;
}

// Runs a model over the cached batches and hands out one value per batch (one executor per batch size).
class ValueCapture {
 public:
  ValueCapture(const ir::Model& model, int threads) : model_(model), threads_(threads) {}
  Tensor run(const Tensor& batch, const std::string& value) {
    if (model_.graph.value(model_.graph.inputs()[0]).name == value) return batch;
    auto& exec = executors_[batch.dim(0)];
    if (!exec) {
      runtime::CompileOptions c;
      c.int8 = runtime::Int8Mode::off;
      c.threads = threads_;
      c.batch = batch.dim(0);
      exec = runtime::compile(model_, c);
    }
    Tensor out;
    exec->run({batch}, [&](const std::string& name, const Tensor& t) {
      if (name == value && out.empty()) out = t.to_f32().clone();
    });
    if (out.empty()) fail_internal("adaround: the runtime never reported value '" + value + "'");
    return out;
  }

 private:
  ir::Model model_;
  int threads_;
  std::map<int64_t, std::unique_ptr<runtime::Executor>> executors_;
};

// Where a layer reads its input: per output position, one im2col patch of Cin * kh * kw values (channel
// major, so group g's patch is the contiguous slice g * Kg .. (g + 1) * Kg).
struct PatchGeometry {
  bool conv = false;
  int64_t C = 0, H = 1, W = 1, Ho = 1, Wo = 1;
  ir::ConvAttrs a;
  int64_t patch() const { return conv ? C * a.kernel_h * a.kernel_w : C; }
  int64_t positions() const { return Ho * Wo; }
};

PatchGeometry geometry_of(const ir::Node& node, const Tensor& input) {
  PatchGeometry g;
  if (node.op == ir::OpKind::Gemm) {
    if (input.rank() != 2) fail_unsupported("adaround", "Gemm '" + node.name + "' input is not 2-D");
    g.C = input.dim(1);
    return g;
  }
  if (input.rank() != 4) fail_unsupported("adaround", "Conv '" + node.name + "' input is not 4-D");
  g.conv = true;
  g.a = node.attr<ir::ConvAttrs>();
  g.C = input.dim(1);
  g.H = input.dim(2);
  g.W = input.dim(3);
  const auto& a = g.a;
  g.Ho = (g.H + a.pad_top + a.pad_bottom - a.dilation_h * (a.kernel_h - 1) - 1) / a.stride_h + 1;
  g.Wo = (g.W + a.pad_left + a.pad_right - a.dilation_w * (a.kernel_w - 1) - 1) / a.stride_w + 1;
  return g;
}

// Copies the patch of image `img` at output position `pos` (zero padding) to dst.
void extract_patch(const PatchGeometry& g, const Tensor& input, int64_t img, int64_t pos, float* dst) {
  const float* x = input.data<float>() + img * g.C * g.H * g.W;
  if (!g.conv) {
    std::copy_n(x, g.C, dst);
    return;
  }
  const auto& a = g.a;
  const int64_t oy = pos / g.Wo, ox = pos % g.Wo;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ky = 0; ky < a.kernel_h; ++ky) {
      const int64_t iy = oy * a.stride_h - a.pad_top + ky * a.dilation_h;
      for (int64_t kx = 0; kx < a.kernel_w; ++kx) {
        const int64_t ix = ox * a.stride_w - a.pad_left + kx * a.dilation_w;
        const bool inside = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W;
        *dst++ = inside ? x[(c * g.H + iy) * g.W + ix] : 0.f;
      }
    }
}

// The node's weight as rows [O, Kg] (Conv [O, I/g, kh, kw] -> [O, I/g*kh*kw]; Gemm -> [N, K]).
Tensor weight_rows(const ir::Node& node, const Tensor& weight) {
  const Tensor w = weight.to_f32();
  if (node.op == ir::OpKind::Conv) return w.clone().reshaped({w.dim(0), w.numel() / w.dim(0)});
  if (node.attr<ir::GemmAttrs>().trans_b) return w.clone();
  const int64_t K = w.dim(0), N = w.dim(1);  // [K, N] -> [N, K]
  Tensor t(DataType::f32, {N, K});
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) t.data<float>()[n * K + k] = w.data<float>()[k * N + n];
  return t;
}

// Inverse of weight_rows for grid values step_o * q.
Tensor weight_from_grid(const ir::Node& node, const Shape& shape, const Tensor& q,
                        const std::vector<float>& steps) {
  const int64_t O = q.dim(0), Kg = q.dim(1);
  Tensor w(DataType::f32, shape);
  float* dst = w.data<float>();
  const int8_t* src = q.data<int8_t>();
  const bool transpose = node.op == ir::OpKind::Gemm && !node.attr<ir::GemmAttrs>().trans_b;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t k = 0; k < Kg; ++k) {
      const float v = dequantize_symmetric(src[o * Kg + k], steps[o]);
      dst[transpose ? k * O + o : o * Kg + k] = v;
    }
  return w;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::vector<AdaRoundLayerReport> adaround(ir::Model& model, BatchSource& source, const CalibOptions& calib,
                                          const AdaRoundOptions& opt) {
  ir::Graph& g = model.graph;
  if (g.inputs().size() != 1) fail("adaround", "the model must have exactly one input");
  const std::vector<Tensor> batches = take_images(source, std::max<size_t>(1, opt.images));
  size_t images = 0;
  for (const Tensor& b : batches) images += static_cast<size_t>(b.dim(0));
  const int threads = opt.threads ? opt.threads : calib.num_threads;

  ValueCapture original(ir::Model{g, {}}, threads);  // the fp32 model as given: targets
  std::vector<AdaRoundLayerReport> reports;
  bool changed = false;  // an earlier layer was rounded: the current model differs from the original
  for (const QuantizableNode& qn : quantizable_nodes(g)) {
    const auto t0 = std::chrono::steady_clock::now();
    ir::Node& node = g.node(qn.node);
    const ir::LayerQuant* lq = model.quant.find(node.name);
    if (!lq) continue;
    const std::string& input_name = g.value(qn.input).name;
    const Tensor weight = weight_rows(node, g.value(qn.weight).constant);
    const int64_t O = weight.dim(0), Kg = weight.dim(1);
    std::vector<float> steps(lq->weight_scales.begin(), lq->weight_scales.end());  // fp32, as the runtime
    if (steps.size() == 1) steps.assign(static_cast<size_t>(O), steps[0]);
    if (static_cast<int64_t>(steps.size()) != O)
      fail("adaround", "node '" + node.name + "': " + std::to_string(steps.size()) + " weight steps for " +
                           std::to_string(O) + " output channels");
    const int groups = node.op == ir::OpKind::Conv ? node.attr<ir::ConvAttrs>().group : 1;

    std::unique_ptr<ValueCapture> current;
    if (opt.rounded_inputs && changed) current = std::make_unique<ValueCapture>(ir::Model{g, {}}, threads);

    // Samples: the same positions for the fp32 and the rounded-model input, spread evenly over images.
    PatchGeometry geo;
    int64_t per_image = 0, M = 0;
    Tensor fp_patches, patches;
    std::mt19937 rng(opt.seed + static_cast<uint32_t>(reports.size()) * 7919u);
    std::vector<int64_t> all_positions;
    int64_t row = 0;
    for (const Tensor& batch : batches) {
      const Tensor x_fp = original.run(batch, input_name);
      const Tensor x_cur = current ? current->run(batch, input_name) : x_fp;
      if (M == 0) {
        geo = geometry_of(node, x_fp);
        const int64_t K = geo.patch();
        if (K != groups * Kg) fail_internal("adaround: patch size does not match the weight of " + node.name);
        const size_t bytes_per_sample = sizeof(float) * static_cast<size_t>(K * (current ? 2 : 1) + O);
        const int64_t by_memory = static_cast<int64_t>(opt.max_bytes / bytes_per_sample);
        const int64_t want = std::max<int64_t>(1, std::min(opt.max_samples, by_memory));
        per_image = std::clamp<int64_t>(
            (want + static_cast<int64_t>(images) - 1) / static_cast<int64_t>(images), 1, geo.positions());
        M = per_image * static_cast<int64_t>(images);
        fp_patches = Tensor(DataType::f32, {M, K});
        if (current) patches = Tensor(DataType::f32, {M, K});
        all_positions.resize(static_cast<size_t>(geo.positions()));
      }
      const int64_t K = geo.patch();
      for (int64_t b = 0; b < x_fp.dim(0); ++b) {
        std::iota(all_positions.begin(), all_positions.end(), 0);
        for (int64_t j = 0; j < per_image; ++j) {  // partial Fisher-Yates: per_image distinct positions
          std::uniform_int_distribution<int64_t> pick(j, geo.positions() - 1);
          std::swap(all_positions[j], all_positions[pick(rng)]);
          const int64_t pos = all_positions[j];
          extract_patch(geo, x_fp, b, pos, fp_patches.data<float>() + row * K);
          if (current) extract_patch(geo, x_cur, b, pos, patches.data<float>() + row * K);
          ++row;
        }
      }
    }
    QD_CHECK(row == M, "adaround: sample count mismatch");

    RoundingProblem p;
    p.weight = weight;
    p.steps = steps;
    p.bits = lq->weight_bits;
    p.groups = groups;
    p.targets = layer_outputs(weight, groups, fp_patches);
    p.inputs = current ? patches : fp_patches;
    fp_patches = Tensor();

    const Tensor q_nearest = round_to_nearest(p);
    const Tensor q = learn_rounding(p, opt);
    AdaRoundLayerReport r;
    r.node = node.name;
    r.samples = M;
    r.mse_nearest = reconstruction_mse(p, q_nearest);
    r.mse_adaround = reconstruction_mse(p, q);
    reports.push_back(r);

    const Shape shape = g.value(qn.weight).constant.shape();
    node.inputs[1] = g.add_constant(g.unique_value_name(node.name + "_adaround_weight"),
                                    weight_from_grid(node, shape, q, steps));
    changed = true;
    if (opt.log) {
      char line[256];
      std::snprintf(
          line, sizeof line, "adaround: %s %lld samples, output MSE nearest %.4g -> adaround %.4g (%.1f s)",
          node.name.c_str(), static_cast<long long>(M), r.mse_nearest, r.mse_adaround, seconds_since(t0));
      opt.log(line);
    }
  }
  return reports;
}

}  // namespace qd::quant
