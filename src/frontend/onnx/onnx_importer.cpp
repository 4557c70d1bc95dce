#include "frontend/onnx/onnx_importer.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/mapped_file.h"
#include "frontend/memory_check.h"
#include "frontend/onnx/onnx_tensor.h"
#include "frontend/onnx/onnx_translators.h"
#include "frontend/onnx/onnx_wire_reader.h"
#include "ir/shape_inference.h"
#include "passes/standard_pipeline.h"

namespace qd::frontend {

namespace {

constexpr int kMinOpset = 11;
constexpr int kMaxOpset = 20;

struct UnsupportedNode {
  std::string op_type, node, reason;
};

// Prefixes an error thrown without file context ("node 'x' ..." or a bare message) with the file.
[[noreturn]] void rethrow_with_file(const Error& e, const std::string& file,
                                    const std::string& node_context) {
  if (e.kind() == ErrorKind::internal) throw e;
  std::string msg = e.what();
  if (msg.rfind(file + ":", 0) == 0) throw e;
  if (msg.rfind("node '", 0) != 0 && msg.rfind("graph ", 0) != 0 && !node_context.empty())
    msg = node_context + ": " + msg;
  throw Error(e.kind(), file + ": " + msg);
}

int default_opset(const onnx::ModelProto& m, const std::string& file) {
  int opset = -1;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = static_cast<int>(o.version());
  if (opset < 0) fail(file, "no opset_import for the default ONNX domain");
  if (opset < kMinOpset || opset > kMaxOpset)
    fail_unsupported(file, "ONNX opset " + std::to_string(opset) + " is not supported (supported: " +
                               std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  return opset;
}

// Adds a graph input (not an initializer): float tensor, symbolic dims -> kDynamicDim.
void add_graph_input(ir::Graph& g, const onnx::ValueInfoProto& vi, const std::string& file) {
  const std::string what = "input '" + vi.name() + "'";
  if (!vi.type().has_tensor_type()) fail_unsupported(file, what + " is not a tensor");
  const auto& tt = vi.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT)
    fail_unsupported(file,
                     what + " has element type " + onnx_type_name(tt.elem_type()) + " (only FLOAT inputs)");
  if (!tt.has_shape()) fail(file, what + " has no shape");
  Shape s;
  int64_t n = 1;
  for (const auto& d : tt.shape().dim()) {
    if (!d.has_dim_value()) {
      s.push_back(kDynamicDim);
      continue;
    }
    int64_t v = d.dim_value();
    if (v < 0) fail(file, what + " has a negative dimension");
    if (v == 0) fail(file, what + " has a zero-size dimension");
    if (v > kMaxElements || (n *= v) > kMaxElements)
      fail(file, what + " has absurd dimensions (over 2^31 elements)");
    s.push_back(v);
  }
  g.inputs().push_back(g.add_value(vi.name(), DataType::f32, s));
}

// Node order in which every node follows the producers of its inputs; throws on a cycle.
std::vector<int> topological_order(const onnx::GraphProto& gp, const std::vector<std::string>& names,
                                   const std::string& file) {
  int n = gp.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const auto& o : gp.node(i).output())
      if (!o.empty()) producer[o] = i;
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> readers(n);
  for (int i = 0; i < n; ++i)
    for (const auto& in : gp.node(i).input()) {
      auto it = producer.find(in);
      if (in.empty() || it == producer.end()) continue;
      ++pending[i];
      readers[it->second].push_back(i);
    }
  std::vector<int> order, ready;
  for (int i = n; i-- > 0;)
    if (!pending[i]) ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (auto r = readers[i].rbegin(); r != readers[i].rend(); ++r)
      if (--pending[*r] == 0) ready.push_back(*r);
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i)
      if (pending[i]) fail(file, "graph has a cycle through node '" + names[i] + "'");
  }
  return order;
}

std::string unsupported_message(std::vector<UnsupportedNode> list) {
  std::stable_sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.op_type < b.op_type; });
  std::string msg = "unsupported ONNX ops: ";
  std::string last;
  bool first = true;
  for (const auto& u : list) {
    if (u.op_type == last) continue;  // one node per op type
    last = u.op_type;
    msg += (first ? "" : ", ") + u.op_type + " (node '" + u.node + "'" +
           (u.reason.empty() ? "" : ": " + u.reason) + ")";
    first = false;
  }
  return msg;
}

// Conv weights must be f32 constants in the IR (the runtime and exporters rely on it).
void check_conv_weights(const ir::Graph& g, const std::string& file) {
  for (const ir::Node& n : g.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    const ir::Value& w = g.value(n.inputs.at(1));
    if (!w.is_constant() || w.constant.dtype() != DataType::f32)
      fail_unsupported(file,
                       "node '" + n.name + "' (Conv): weights '" + w.name + "' are not a float constant");
    if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue && !g.value(n.inputs[2]).is_constant())
      fail_unsupported(file, "node '" + n.name + "' (Conv): bias is not a constant");
  }
}

}  // namespace

ir::Model import_onnx(const std::string& path) {
  if (std::filesystem::is_directory(path)) fail(path, "is a directory, not an ONNX file");
  const MappedFile file(path);
  if (file.size() == 0) fail(path, "file is empty");
  if (file.size() > size_t(INT32_MAX)) fail(path, "larger than 2 GB (protobuf's limit): use external data");
  OnnxWithoutRawData parsed;  // the weights stay in the mapping until their tensors are made
  if (!parse_onnx_without_raw_data(file.data(), file.size(), parsed))
    fail(path, "not a valid ONNX protobuf file (corrupt or truncated)");
  return import_onnx_proto(parsed.model, path, parsed.initializer_raw_data);
}

ir::Model import_onnx_proto(
    const onnx::ModelProto& m, const std::string& file,
    const std::vector<std::optional<std::span<const uint8_t>>>& initializer_raw_data) {
  if (!m.has_graph() || m.graph().node_size() == 0)
    fail(file, "not an ONNX model (no graph nodes; corrupt or truncated file?)");
  if (m.ir_version() <= 0) fail(file, "not an ONNX model (no ir_version)");
  const int opset = default_opset(m, file);
  const onnx::GraphProto& gp = m.graph();
  const std::string base_dir = std::filesystem::path(file).parent_path().string();

  ir::Model model;
  ir::Graph& g = model.graph;
  g.metadata["source_format"] = "onnx";
  g.metadata["opset"] = std::to_string(opset);
  if (!m.producer_name().empty()) g.metadata["producer_name"] = m.producer_name();
  if (!m.producer_version().empty()) g.metadata["producer_version"] = m.producer_version();

  // Initializers become constants; graph inputs that are initializers too stay constants.
  for (int i = 0; i < gp.initializer_size(); ++i) {
    const onnx::TensorProto& t = gp.initializer(i);
    if (g.find_value(t.name()) != ir::kNoValue) fail(file, "initializer '" + t.name() + "' is defined twice");
    const auto raw = size_t(i) < initializer_raw_data.size() ? initializer_raw_data[size_t(i)] : std::nullopt;
    g.add_constant(t.name(), tensor_from_proto(t, file, base_dir, raw));
  }
  for (const auto& vi : gp.input()) {
    ir::ValueId existing = g.find_value(vi.name());
    if (existing != ir::kNoValue) {
      if (g.value(existing).is_constant()) continue;
      fail(file, "graph input '" + vi.name() + "' is declared twice");
    }
    add_graph_input(g, vi, file);
  }
  if (g.inputs().empty()) fail(file, "graph has no (non-initializer) inputs");

  // Node names (unique, generated when empty) and one value per node output.
  std::vector<std::string> names;
  std::set<std::string> used_names;
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    std::string base = np.name().empty() ? np.op_type() + "_" + std::to_string(i) : np.name();
    std::string name = base;
    for (int k = 1; used_names.count(name); ++k) name = base + "_" + std::to_string(k);
    used_names.insert(name);
    names.push_back(name);
    for (const auto& o : np.output()) {
      if (o.empty()) continue;
      if (g.find_value(o) != ir::kNoValue)
        fail(file, "value '" + o + "' is produced twice (again by node '" + name + "')");
      g.add_value(o);
    }
  }
  ImportState state{g, file, base_dir, opset, {}, false};
  for (int i = 0; i < gp.node_size(); ++i)
    for (const auto& in : gp.node(i).input()) {
      if (in.empty()) continue;
      if (g.find_value(in) == ir::kNoValue)
        fail(file, "node '" + names[i] + "' (" + gp.node(i).op_type() + ") reads '" + in +
                       "', which is not a graph input, initializer or node output");
      state.read_names.insert(in);
    }
  if (gp.output_size() == 0) fail(file, "graph has no outputs");
  for (const auto& o : gp.output()) {
    ir::ValueId v = g.find_value(o.name());
    if (v == ir::kNoValue) fail(file, "graph output '" + o.name() + "' is not produced by any node");
    g.outputs().push_back(v);
    state.read_names.insert(o.name());
  }

  // Translate in dependency order. Nodes reading the output of an unsupported node are skipped (only
  // their op type is checked) so one error lists every unsupported op without follow-on noise.
  std::vector<UnsupportedNode> unsupported;
  std::set<std::string> poisoned;
  for (int i : topological_order(gp, names, file)) {
    const auto& np = gp.node(i);
    bool is_default_domain = np.domain().empty() || np.domain() == "ai.onnx";
    std::string op_type = is_default_domain ? np.op_type() : np.domain() + "." + np.op_type();
    TranslateFn fn = is_default_domain ? find_translator(np.op_type()) : nullptr;
    bool reads_poisoned = false;
    for (const auto& in : np.input()) reads_poisoned = reads_poisoned || poisoned.count(in);
    if (!fn || reads_poisoned) {
      if (!fn) unsupported.push_back({op_type, names[i], ""});
      for (const auto& o : np.output()) poisoned.insert(o);
      continue;
    }
    NodeContext ctx(state, np, names[i]);
    try {
      fn(ctx);
    } catch (const NodeUnsupported& u) {
      unsupported.push_back({op_type, names[i], u.reason});
      for (const auto& o : np.output()) poisoned.insert(o);
    } catch (const Error& e) {
      rethrow_with_file(e, file, "node '" + names[i] + "' (" + op_type + ")");
    }
  }
  if (!unsupported.empty()) fail_unsupported(file, unsupported_message(unsupported));

  try {
    g.sort_topologically();
    ir::infer_shapes(g);
    check_model_memory(g, file);
    passes::run_import_pipeline(g);
  } catch (const Error& e) {
    rethrow_with_file(e, file, "");
  }
  check_conv_weights(g, file);
  return model;
}

}  // namespace qd::frontend
