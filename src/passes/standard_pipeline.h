// The pass order every frontend runs after translation.
#pragma once
#include "ir/graph.h"

namespace qd::passes {

// eliminate_identity, fold_constants, fold_batchnorm_into_conv, fuse_conv_activation, remove_dead_nodes
// (through a PassManager: graph re-sorted and shapes re-inferred after each pass that changed it).
void run_import_pipeline(ir::Graph& g);

}  // namespace qd::passes
