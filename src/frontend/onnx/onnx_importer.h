// ONNX model file -> qd::ir::Model (fp32 graph, empty quant table).
#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/model.h"

namespace qd::frontend {

// Reads and imports the ONNX file at `path` (external data is looked up next to it).
// Throws qd::Error: user errors "<path>: <what is wrong>" for unreadable, truncated or inconsistent
// files; one unsupported error listing every unsupported op type (with one node name each).
ir::Model import_onnx(const std::string& path);

// Imports an already parsed model. `context` is the file path used in messages and whose directory
// holds external data. Accepts default-domain opsets 11 to 20. After translation the graph is sorted,
// its shapes inferred and passes::run_import_pipeline applied. `initializer_raw_data[i]`, when set, is the
// raw_data of m.graph().initializer(i) (parse_onnx_without_raw_data).
ir::Model import_onnx_proto(
    const onnx::ModelProto& m, const std::string& context,
    const std::vector<std::optional<std::span<const uint8_t>>>& initializer_raw_data = {});

}  // namespace qd::frontend
