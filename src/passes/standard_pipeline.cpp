#include "passes/standard_pipeline.h"

#include "passes/eliminate_identity.h"
#include "passes/fold_batchnorm_into_conv.h"
#include "passes/fold_constants.h"
#include "passes/fuse_conv_activation.h"
#include "passes/remove_dead_nodes.h"

namespace qd::passes {

void run_import_pipeline(ir::Graph& g) {
  PassManager pm;
  pm.add(std::make_unique<EliminateIdentity>())
      .add(std::make_unique<FoldConstants>())
      .add(std::make_unique<FoldBatchNormIntoConv>())
      .add(std::make_unique<FuseConvActivation>())
      .add(std::make_unique<RemoveDeadNodes>());
  pm.run(g);
}

}  // namespace qd::passes
