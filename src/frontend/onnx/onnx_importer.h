// ONNX model file -> qd::ir::Model (fp32 graph, empty quant table).
#pragma once
#include <onnx/onnx_pb.h>

#include <string>

#include "ir/model.h"

namespace qd::frontend {

// Reads and imports the ONNX file at `path` (external data is looked up next to it).
// Throws qd::Error: user errors "<path>: <what is wrong>" for unreadable, truncated or inconsistent
// files; one unsupported error listing every unsupported op type (with one node name each).
ir::Model import_onnx(const std::string& path);

// Imports an already parsed model. `context` is the file path used in messages and whose directory
// holds external data. Accepts default-domain opsets 11 to 20. After translation the graph is sorted,
// its shapes inferred and passes::run_import_pipeline applied.
ir::Model import_onnx_proto(const onnx::ModelProto& m, const std::string& context);

}  // namespace qd::frontend
