// Per-layer int8 error analysis (PPQ's graph-wise / layer-wise analysis, on qdeploy's runtime).
//
// For every layer quantized in the int8 model, its output is compared with the fp32 model's output of the
// same layer (matched by node name) over all analysed images:
//   graph-wise: the layer runs in int8 on the input the WHOLE int8 graph gives it (errors of all earlier
//               layers accumulate);
//   layer-wise: the layer runs in int8 on the fp32 graph's input (only this layer is quantized).
// Both use real int8 arithmetic (runtime Int8Mode::real). How: one fp32 and one int8 whole-graph run per
// batch capture every quantized layer's input through taps; then each layer runs alone (a one-node model,
// see single_layer_model.h) in fp32 on the fp32 input (the reference), in int8 on the fp32 input
// (layer-wise) and in int8 on the int8 graph's input (graph-wise). A layer's output is the node's own
// output (with its fused activation, before a residual Add); requantization of that output to int8 shows
// up as input error of the next layer.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quant/analyse/error_metrics.h"
#include "quant/calibrate.h"
#include "quant/observers/abs_histogram.h"
#include "runtime/executor.h"

namespace qd::quant {

struct AnalysisOptions {
  runtime::Backend backend = runtime::Backend::onednn;
  int num_threads = 0;        // 0 = all cores
  int64_t batch = 16;         // batch size of the source's batches (smaller last batch is padded)
  int histogram_bins = 2048;  // |x| histogram of each layer's fp32 input (0 = none)
};

struct LayerError {
  std::string node;         // node name (same in both models)
  std::string op;           // "Conv" / "Gemm"
  std::string input_value;  // the fp32 graph's name of the layer input
  int weight_bits = 8;
  double input_step = 0;  // int8 input step of the int8 model; clipping threshold = 127 * step
  ErrorAccumulator graph_wise, layer_wise;
  float input_absmax = 0;                       // largest |x| of the fp32 input seen
  uint64_t input_count = 0, input_clipped = 0;  // fp32 input elements, and those with |x| > threshold
  AbsHistogram input_histogram{16};             // fp32 input |x| (histogram_bins bins)

  double clip_threshold() const { return 127.0 * input_step; }
};

struct AnalysisResult {
  std::vector<LayerError> layers;  // in the fp32 graph's execution order
  uint64_t images = 0;
};

// Runs the analysis over every batch of `source` (f32 NCHW, preprocessed). fp32_model.quant is ignored;
// int8_model.quant names the quantized layers and may belong to a different graph object (an int8 ncnn
// file) as long as node names match. Throws a user error when int8_model has no quantized layer, a
// quantized node is missing from either graph, or the source is empty.
AnalysisResult analyze_quant_error(const ir::Model& fp32_model, const ir::Model& int8_model,
                                   BatchSource& source, const AnalysisOptions& options,
                                   const CalibProgress& progress = {});

enum class RankBy { layer_wise, graph_wise };
// Indices into result.layers, lowest SNR (worst) first; ties keep graph order.
std::vector<size_t> rank_worst_first(const AnalysisResult& result, RankBy by);

}  // namespace qd::quant
