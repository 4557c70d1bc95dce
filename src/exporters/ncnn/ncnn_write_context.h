// Internal state of save_ncnn shared by the per-op emitters (not a public API).
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "exporters/ncnn/ncnn_layer_out.h"
#include "ir/model.h"

namespace qd::ncnn {

class WriteContext {
 public:
  explicit WriteContext(const ir::Model& m);

  const ir::Graph& g() const { return m_.graph; }
  const ir::Model& model() const { return m_; }

  // Values a node reads as ncnn blobs, in bottom order (weights and scalar operands excluded; a Gemm
  // whose A comes from a fused Flatten reads the Flatten's input).
  std::vector<ir::ValueId> blob_inputs(const ir::Node& n) const;
  // True for a Flatten folded into the InnerProduct that reads it.
  bool is_fused_flatten(ir::NodeId n) const { return fused_flatten_.count(n) != 0; }

  // Blob name for the next read of `v` (a Split output when v is read more than once).
  std::string take_blob(ir::ValueId v);
  // Declares that `v` was just produced: adds the Split layer it needs.
  void produced(ir::ValueId v);
  // A blob name not used by any value (for intermediate blobs such as a separated activation).
  std::string fresh_blob(const std::string& base);

  // int8 facts for a Conv/Gemm node (nullptr when it stays fp32).
  const ir::LayerQuant* quant(const ir::Node& n) const { return m_.quant.find(n.name); }
  // ncnn2int8's fuse_requantize: the top multiplier when `n`'s output feeds only int8 convolutions
  // (directly or through a Split), else 0.
  float requantize_multiplier(ir::NodeId n) const;

  void add(LayerOut l) { layers_.push_back(std::move(l)); }
  const std::vector<LayerOut>& layers() const { return layers_; }
  [[noreturn]] void unsupported(const ir::Node& n, const std::string& what) const;

 private:
  const ir::Model& m_;
  std::set<ir::NodeId> fused_flatten_;
  std::map<ir::ValueId, std::vector<ir::NodeId>> readers_;  // blob reads in layer order
  std::map<ir::ValueId, int> taken_;
  std::set<std::string> used_names_;
  int split_count_ = 0;
  std::vector<LayerOut> layers_;
};

// Appends the layer(s) for node `id`.
void emit_node(WriteContext& ctx, ir::NodeId id);
// MemoryData layer for a constant read as a blob.
void emit_memory_data(WriteContext& ctx, ir::ValueId v);

}  // namespace qd::ncnn
