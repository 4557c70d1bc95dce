// The pass order every frontend runs after translation.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "passes/pass.h"

namespace qd::passes {

// eliminate_identity, fold_constants, fold_batchnorm_into_conv, fuse_conv_activation, remove_dead_nodes
// (through a PassManager: graph re-sorted and shapes re-inferred after each pass that changed it).
void run_import_pipeline(ir::Graph& g);

// The pass registered under `name` (one of pass_names()); throws a user error listing the valid names.
std::unique_ptr<Pass> make_pass(const std::string& name);
std::vector<std::string> pass_names();

}  // namespace qd::passes
