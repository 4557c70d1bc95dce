#include "quant/analyse/quant_error_analysis.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "core/error.h"
#include "core/threads.h"
#include "ir/non_negative.h"
#include "quant/analyse/single_layer_model.h"

namespace qd::quant {

namespace {

const ir::Node* find_node(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes())
    if (n.name == name) return &n;
  return nullptr;
}

// The layers to analyse, in the fp32 graph's execution order.
struct LayerPlan {
  const ir::Node* fp32_node = nullptr;
  const ir::Node* int8_node = nullptr;
  const ir::LayerQuant* quant = nullptr;
  std::string fp32_input, int8_input;  // value names to capture
  std::unique_ptr<runtime::Executor> fp32_exec, int8_exec;
};

// Copies `src` ([n, ...]) into the first n rows of a zeroed [batch, ...] tensor.
Tensor pad_batch(const Tensor& src, int64_t batch) {
  Shape s = src.shape();
  s[0] = batch;
  Tensor out(DataType::f32, s);
  std::memset(out.raw(), 0, out.nbytes());
  std::memcpy(out.raw(), src.raw(), src.nbytes());
  return out;
}

// Keeps a copy of the tapped values whose names are in `wanted`.
runtime::Tap capture_into(const std::map<std::string, int>& wanted, std::map<std::string, Tensor>& store) {
  return [&wanted, &store](const std::string& name, const Tensor& t) {
    if (wanted.count(name)) store[name] = t.clone();
  };
}

const Tensor& captured(const std::map<std::string, Tensor>& store, const std::string& name,
                       const Shape& want) {
  auto it = store.find(name);
  if (it == store.end()) fail_internal("analysis: value '" + name + "' was not shown by the runtime's tap");
  QD_CHECK(it->second.numel() == shape_numel(want),
           "analysis: captured value '" + name + "' has the wrong size");
  return it->second;
}

std::span<const float> first_rows(const Tensor& t, int64_t rows, int64_t batch) {
  const int64_t per_row = t.numel() / batch;
  return {t.data<float>(), static_cast<size_t>(per_row * rows)};
}

}  // namespace

AnalysisResult analyze_quant_error(const ir::Model& fp32_model, const ir::Model& int8_model,
                                   BatchSource& source, const AnalysisOptions& options,
                                   const CalibProgress& progress) {
  if (int8_model.quant.empty()) fail("", "the int8 model has no quantized layer to analyse");
  if (fp32_model.graph.inputs().size() != 1 || int8_model.graph.inputs().size() != 1)
    fail_unsupported("", "error analysis needs models with exactly one input");
  const int64_t B = options.batch;
  if (B < 1) fail("", "analysis batch size must be at least 1");

  runtime::CompileOptions fp32_opt;
  fp32_opt.backend = options.backend;
  fp32_opt.int8 = runtime::Int8Mode::off;
  fp32_opt.threads = options.num_threads;
  fp32_opt.batch = B;
  runtime::CompileOptions int8_opt = fp32_opt;
  int8_opt.int8 = runtime::Int8Mode::real;
  // The two executors of every layer live through the batch loop, so they run one image at a time: at the
  // analysis batch each would hold batch-sized buffers (gigabytes over a ResNeXt-50 at 224x224, as in
  // method_selection.cpp).
  runtime::CompileOptions layer_fp32_opt = fp32_opt, layer_int8_opt = int8_opt;
  layer_fp32_opt.batch = layer_int8_opt.batch = 1;

  ir::Model fp32_only{fp32_model.graph, {}};
  std::vector<LayerPlan> plans;
  for (const ir::Node& n : fp32_model.graph.nodes()) {
    const ir::LayerQuant* q = int8_model.quant.find(n.name);
    if (!q) continue;
    LayerPlan p;
    p.fp32_node = &n;
    p.int8_node = find_node(int8_model.graph, n.name);
    if (!p.int8_node) fail("", "quantized node '" + n.name + "' is not in the int8 model's graph");
    if (p.int8_node->op != n.op)
      fail("", "node '" + n.name + "' is a " + std::string(ir::op_name(n.op)) + " in the fp32 model but a " +
                   std::string(ir::op_name(p.int8_node->op)) + " in the int8 model");
    p.quant = q;
    p.fp32_input = fp32_model.graph.value(n.inputs[0]).name;
    p.int8_input = int8_model.graph.value(p.int8_node->inputs[0]).name;
    plans.push_back(std::move(p));
  }
  for (const auto& [name, q] : int8_model.quant.layers)
    if (!find_node(fp32_model.graph, name))
      fail("", "quantized node '" + name +
                   "' is not in the fp32 model (were both files made from the same model?)");

  AnalysisResult result;
  std::map<std::string, int> fp32_wanted, int8_wanted;
  for (LayerPlan& p : plans) {
    const bool nonneg = ir::non_negative_by_construction(fp32_model.graph, p.fp32_node->inputs[0]) &&
                        ir::non_negative_by_construction(int8_model.graph, p.int8_node->inputs[0]);
    p.fp32_exec =
        runtime::compile(single_layer_model(fp32_model.graph, *p.fp32_node, nullptr, false), layer_fp32_opt);
    p.int8_exec =
        runtime::compile(single_layer_model(int8_model.graph, *p.int8_node, p.quant, nonneg), layer_int8_opt);
    fp32_wanted[p.fp32_input] = 1;
    int8_wanted[p.int8_input] = 1;
    LayerError e;
    e.node = p.fp32_node->name;
    e.op = std::string(ir::op_name(p.fp32_node->op));
    e.input_value = p.fp32_input;
    e.weight_bits = p.quant->weight_bits;
    e.input_step = p.quant->input_scale;
    e.input_histogram = AbsHistogram(std::max(16, options.histogram_bins));
    result.layers.push_back(std::move(e));
  }
  auto fp32_graph = runtime::compile(fp32_only, fp32_opt);
  auto int8_graph = runtime::compile(int8_model, int8_opt);

  const size_t total = source.size();
  size_t done = 0;
  Tensor batch;
  std::map<std::string, Tensor> fp32_caps, int8_caps;
  while (source.next(batch)) {
    const int64_t rows = batch.shape().at(0);
    if (rows < 1) continue;
    if (rows > B) fail("", "the image source gave a batch larger than the analysis batch size");
    const Tensor input = rows == B ? batch : pad_batch(batch, B);
    fp32_caps.clear();
    int8_caps.clear();
    fp32_graph->run({input}, capture_into(fp32_wanted, fp32_caps));
    int8_graph->run({input}, capture_into(int8_wanted, int8_caps));
    for (size_t l = 0; l < plans.size(); ++l) {
      LayerPlan& p = plans[l];
      LayerError& e = result.layers[l];
      Shape in_shape = fp32_model.graph.value(p.fp32_node->inputs[0]).shape;
      in_shape[0] = B;
      const Tensor x = captured(fp32_caps, p.fp32_input, in_shape).reshaped(in_shape);
      const Tensor xq = captured(int8_caps, p.int8_input, in_shape).reshaped(in_shape);
      for (int64_t r = 0; r < rows; ++r) {
        const Tensor xr = x.rows(r, 1), xqr = xq.rows(r, 1);
        const Tensor ref = p.fp32_exec->run({xr})[0];
        const Tensor layer_wise = p.int8_exec->run({xr})[0];
        const Tensor graph_wise = p.int8_exec->run({xqr})[0];
        e.layer_wise.add(ref.values<float>(), layer_wise.values<float>());
        e.graph_wise.add(ref.values<float>(), graph_wise.values<float>());
      }

      const std::span<const float> xs = first_rows(x, rows, B);
      const float threshold = static_cast<float>(e.clip_threshold());
      uint64_t clipped = 0;
      float absmax = e.input_absmax;
      for (float v : xs) {
        const float a = std::fabs(v);
        clipped += a > threshold;
        absmax = std::max(absmax, a);
      }
      e.input_absmax = absmax;
      e.input_clipped += clipped;
      e.input_count += xs.size();
      if (options.histogram_bins > 0) e.input_histogram.observe(xs, resolve_threads(options.num_threads));
    }
    result.images += static_cast<uint64_t>(rows);
    ++done;
    if (progress) progress(done, total);
  }
  if (result.images == 0) fail("", "no images to analyse");
  return result;
}

std::vector<size_t> rank_worst_first(const AnalysisResult& result, RankBy by) {
  std::vector<size_t> idx(result.layers.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  auto snr = [&](size_t i) {
    const LayerError& e = result.layers[i];
    return by == RankBy::layer_wise ? e.layer_wise.snr_db() : e.graph_wise.snr_db();
  };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return snr(a) < snr(b); });
  return idx;
}

}  // namespace qd::quant
