#include "quant/method_selection.h"

#include <cstring>
#include <memory>

#include "core/error.h"
#include "ir/non_negative.h"
#include "quant/analyse/error_metrics.h"
#include "quant/analyse/single_layer_model.h"
#include "quant/ranges/range_methods.h"

namespace qd::quant {

std::vector<RangeMethod> default_selection_methods() {
  return {RangeMethod::kl, RangeMethod::minmax, RangeMethod::mse, RangeMethod::percentile};
}

MethodSelection select_range_methods(const ir::Model& fp32_model, const CalibrationStats& stats,
                                     BatchSource& source, const CalibOptions& options,
                                     const std::vector<RangeMethod>& methods, size_t max_batches) {
  if (methods.empty()) fail("method selection", "no candidate methods");
  const ir::Graph& g = fp32_model.graph;
  const int64_t B = std::max<int64_t>(1, options.batch);

  std::vector<ir::QuantParams> candidates;
  for (const RangeMethod m : methods) {
    CalibOptions o = options;
    o.method = m;
    candidates.push_back(params_from_stats(stats, fp32_model, o));
  }

  // The per-layer executors (one fp32 and up to one int8 per candidate, for every layer) all live through
  // the batch loop. Compiled for the calibration batch, each held batch-sized buffers: ResNeXt-50 at
  // 224x224 peaked at 16 GB, and faulting in those pages took much of the time. They run one image at a
  // time instead (same choices; ResNeXt-50, 100 images: 2.8 GB, 51 -> 34 s).
  runtime::CompileOptions fp32_opt;
  fp32_opt.int8 = runtime::Int8Mode::off;
  fp32_opt.threads = options.num_threads;
  fp32_opt.batch = 1;
  runtime::CompileOptions int8_opt = fp32_opt;
  int8_opt.int8 = runtime::Int8Mode::real;

  struct Layer {
    const ir::Node* node;
    std::string input;
    std::unique_ptr<runtime::Executor> fp32;
    std::vector<std::unique_ptr<runtime::Executor>>
        int8;                        // per candidate (null when equal to an earlier one)
    std::vector<size_t> same_as;     // candidate whose executor gives the same result
    std::vector<PerImageSnr> error;  // per candidate, every image weighing the same
  };
  std::vector<Layer> layers;
  std::map<std::string, int> wanted;
  for (const QuantizableNode& qn : quantizable_nodes(g)) {
    if (candidates.empty() || !candidates.front().find(g.node(qn.node).name))
      continue;  // fp32 for the target
    Layer l;
    l.node = &g.node(qn.node);
    l.input = g.value(qn.input).name;
    const bool nonneg = ir::non_negative_by_construction(g, qn.input);
    l.fp32 = runtime::compile(single_layer_model(g, *l.node, nullptr, false), fp32_opt);
    for (size_t c = 0; c < candidates.size(); ++c) {
      const ir::LayerQuant* q = candidates[c].find(l.node->name);
      QD_CHECK(q != nullptr, "method selection: node missing from candidate params");
      size_t same = c;
      for (size_t e = 0; e < c; ++e)
        if (candidates[e].find(l.node->name)->input_scale == q->input_scale) {
          same = e;
          break;
        }
      l.same_as.push_back(same);
      l.int8.push_back(same == c ? runtime::compile(single_layer_model(g, *l.node, q, nonneg), int8_opt)
                                 : nullptr);
    }
    l.error.resize(candidates.size());
    wanted[l.input] = 1;
    layers.push_back(std::move(l));
  }

  ir::Model fp32_only{g, {}};
  runtime::CompileOptions graph_opt = fp32_opt;
  graph_opt.batch = B;
  auto graph = runtime::compile(fp32_only, graph_opt);
  const std::string& input_name = g.value(g.inputs()[0]).name;
  Tensor batch;
  size_t used = 0;
  std::map<std::string, Tensor> caps;
  while ((max_batches == 0 || used < max_batches) && source.next(batch)) {
    const int64_t rows = batch.dim(0);
    if (rows > B) fail("method selection", "a batch is larger than the calibration batch size");
    Tensor input = batch.to_f32();
    if (rows < B) {
      Shape s = input.shape();
      s[0] = B;
      Tensor padded(DataType::f32, s);
      std::memset(padded.raw(), 0, padded.nbytes());
      std::memcpy(padded.raw(), input.raw(), input.nbytes());
      input = padded;
    }
    caps.clear();
    if (wanted.count(input_name)) caps[input_name] = input;
    graph->run({input}, [&](const std::string& name, const Tensor& t) {
      if (wanted.count(name) && !caps.count(name)) caps[name] = t.clone();
    });
    for (Layer& l : layers) {
      Shape in_shape = g.value(l.node->inputs[0]).shape;
      in_shape[0] = B;
      auto it = caps.find(l.input);
      if (it == caps.end()) fail_internal("method selection: value '" + l.input + "' was not tapped");
      const Tensor x = it->second.reshaped(in_shape);
      for (int64_t r = 0; r < rows; ++r) {  // the padding rows past `rows` are not measured
        const Tensor xr = x.rows(r, 1);
        const Tensor ref = l.fp32->run({xr})[0];
        for (size_t c = 0; c < l.int8.size(); ++c) {
          if (!l.int8[c]) continue;
          const Tensor y = l.int8[c]->run({xr})[0];
          l.error[c].add_rows(ref.values<float>(), y.values<float>(), 1);
        }
      }
    }
    ++used;
  }
  if (used == 0) fail("method selection", "no batches to measure the layer errors on");

  MethodSelection out;
  for (Layer& l : layers) {
    MethodChoice choice;
    choice.node = l.node->name;
    size_t best = 0;
    for (size_t c = 0; c < methods.size(); ++c) {
      const double snr = l.error[l.same_as[c]].snr_db();
      choice.snr_db[std::string(range_method_name(methods[c]))] = snr;
      if (snr > l.error[l.same_as[best]].snr_db()) best = c;
    }
    choice.method = range_method_name(methods[best]);
    out.params.layers[l.node->name] = *candidates[best].find(l.node->name);
    out.choices.push_back(std::move(choice));
  }
  return out;
}

}  // namespace qd::quant
