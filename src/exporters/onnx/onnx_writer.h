// Writer of qdeploy IR models as standard ONNX (opset 13): fp32, or QDQ int8 from model.quant.
//
// QDQ layout (what ONNX Runtime's quantize_static writes for per-channel symmetric int8, minus output Q/DQ):
// for every Conv / Gemm named in model.quant
//   activation input -> QuantizeLinear(step = input_scale, zero point int8 0) -> DequantizeLinear -> layer
//   weight           =  int8 initializer (q = clamp(round_half_away(w / step_c), +-qmax(bits)))
//                       -> DequantizeLinear(per-output-channel steps, axis = the output-channel axis)
//   bias stays fp32. An activation consumed by several quantized layers with the same step shares one
//   Q/DQ pair. LayerQuant::output_scale adds nothing: in qdeploy's runtime the consumer's input step decides
//   the requantization, which the consumer's own Q/DQ pair expresses.
// Layers not in model.quant stay fp32. Every IR op becomes standard ONNX ops: activations fused into
// ConvAttrs/GemmAttrs become separate nodes, HardSwish (opset 14) becomes x * HardSigmoid(x; 1/6, 1/2), Swish x * Sigmoid(x),
// Dropout becomes Identity, attribute-held shapes/axes/pads become int64 initializers.
#pragma once
#include <onnx/onnx_pb.h>

#include <string>

#include "ir/model.h"

namespace qd::exporters {

constexpr int kOnnxExportOpset = 13;

struct OnnxExportOptions {
  bool qdq = false;  // true: Q/DQ for the layers in model.quant; false: fp32 (model.quant ignored)
};

// Builds the ONNX model in memory. Throws qd::Error: unsupported naming the node for an op or attribute
// ONNX opset 13 cannot express; user error for inconsistent quantization parameters (naming the node).
onnx::ModelProto to_onnx_proto(const ir::Model& model, const OnnxExportOptions& options = {});

// Writes the fp32 model (model.quant ignored) to `path` atomically.
void save_onnx(const ir::Model& model, const std::string& path);

// Writes the QDQ int8 model to `path` atomically; model.quant must be non-empty (user error otherwise).
void save_onnx_qdq(const ir::Model& model, const std::string& path);

}  // namespace qd::exporters
