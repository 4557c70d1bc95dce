#include "passes/fuse_channel_shuffle.h"

namespace qd::passes {

namespace {

// The single node reading `v` when v is an intermediate read once, else -1.
ir::NodeId only_reader(const ir::Graph& g, ir::ValueId v) {
  if (g.is_graph_output(v)) return -1;
  std::vector<ir::NodeId> readers = g.consumers(v);
  return readers.size() == 1 ? readers[0] : -1;
}

}  // namespace

bool FuseChannelShuffle::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& grouped = g.node(static_cast<ir::NodeId>(i));
    if (grouped.op != ir::OpKind::Reshape) continue;
    const Shape& x = g.value(grouped.inputs[0]).shape;
    const Shape& g5 = g.value(grouped.outputs[0]).shape;  // [N, g, C/g, H, W]
    if (x.size() != 4 || g5.size() != 5 || x[1] < 0 || g5[1] <= 0 || g5[1] * g5[2] != x[1] || g5[0] != x[0] ||
        g5[3] != x[2] || g5[4] != x[3])
      continue;
    const ir::NodeId t = only_reader(g, grouped.outputs[0]);
    if (t < 0 || g.node(t).op != ir::OpKind::Transpose ||
        g.node(t).attr<ir::AxesAttrs>().axes != std::vector<int64_t>{0, 2, 1, 3, 4})
      continue;
    const ir::NodeId back = only_reader(g, g.node(t).outputs[0]);
    if (back < 0 || g.node(back).op != ir::OpKind::Reshape || g.value(g.node(back).outputs[0]).shape != x)
      continue;
    ir::Node& shuffle = g.node(back);
    shuffle.op = ir::OpKind::ShuffleChannel;
    shuffle.inputs = {grouped.inputs[0]};
    shuffle.attrs = ir::ShuffleChannelAttrs{g5[1]};
    dead.push_back(static_cast<ir::NodeId>(i));
    dead.push_back(t);
  }
  g.erase_nodes(dead);
  return !dead.empty();
}

}  // namespace qd::passes
