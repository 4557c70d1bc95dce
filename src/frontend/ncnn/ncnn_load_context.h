// Internal state of load_ncnn shared by the per-layer translators (not a public API).
#pragma once
#include <map>
#include <set>
#include <string>

#include "frontend/ncnn/ncnn_bin_reader.h"
#include "frontend/ncnn/ncnn_param_text.h"
#include "ir/model.h"

namespace qd::ncnn {

struct LoadContext {
  ir::Model& model;
  BinReader& bin;
  std::map<std::string, ir::ValueId> blobs;  // blob name -> value (split outputs alias their input)
  std::map<std::string, int> reads;          // blob name -> number of layers reading it
  std::set<std::string> blob_names;          // every blob of the file (constants avoid these names)

  ir::Graph& g() { return model.graph; }
  // Value of the layer's i-th bottom blob.
  ir::ValueId bottom(const LayerDesc& L, size_t i);
  // Creates the value for the layer's i-th top blob.
  ir::ValueId top(const LayerDesc& L, size_t i);
  // Adds a constant named after `base` (made unique).
  ir::ValueId constant(const std::string& base, Tensor t);
  // Appends a node.
  void emit(const std::string& name, ir::OpKind op, std::vector<ir::ValueId> in, std::vector<ir::ValueId> out,
            ir::Attrs attrs = {});
  // A fresh intermediate value (for layers that expand to several nodes).
  ir::ValueId temp(const std::string& base);
  [[noreturn]] void unsupported(const LayerDesc& L, const std::string& what) const;
  [[noreturn]] void bad(const LayerDesc& L, const std::string& what) const;
  void expect_blob_counts(const LayerDesc& L, size_t bottoms, size_t tops) const;
  std::string param_path;
};

// One translator per ncnn layer family (ncnn_translate_*.cpp).
void translate_convolution(LoadContext& ctx, const LayerDesc& L);
void translate_innerproduct(LoadContext& ctx, const LayerDesc& L);
// Returns false when the type is unknown.
bool translate_simple_layer(LoadContext& ctx, const LayerDesc& L);

}  // namespace qd::ncnn
