// A one-node model cut out of a graph: the Conv / Gemm `node` with its constant weight and bias, reading a
// fresh graph input shaped like the node's input (batch dynamic). Used to run one layer alone in fp32 or
// int8 on activations captured from a whole-graph run.
#pragma once
#include "ir/model.h"

namespace qd::quant {

// quant (may be null) becomes the model's only QuantParams entry, with output_scale cleared so the layer's
// output stays f32. non_negative_input inserts a Relu in front of the layer: an identity on data that is
// known non-negative, which lets the int8 runtime pick its unsigned (u8) input path exactly as in the
// whole graph (see ir/non_negative.h). Throws unsupported when an input other than the first is not a
// constant.
ir::Model single_layer_model(const ir::Graph& g, const ir::Node& node, const ir::LayerQuant* quant,
                             bool non_negative_input);

}  // namespace qd::quant
