#include "passes/standard_pipeline.h"

#include "passes/eliminate_identity.h"
#include "passes/fold_batchnorm_into_conv.h"
#include "passes/fold_constants.h"
#include "passes/fold_scale_into_conv.h"
#include "passes/fuse_channel_shuffle.h"
#include "passes/fuse_conv_activation.h"
#include "passes/fuse_gated_activation.h"
#include "passes/fuse_gelu.h"
#include "passes/fuse_layer_norm.h"
#include "passes/remove_dead_nodes.h"
#include "passes/rewrite_channels_last_chain.h"

namespace qd::passes {

namespace {

template <typename P>
std::unique_ptr<Pass> create() {
  return std::make_unique<P>();
}

// The one pass registry: name -> factory, in import-pipeline order.
constexpr std::pair<const char*, std::unique_ptr<Pass> (*)()> kPasses[] = {
    {"eliminate_identity", create<EliminateIdentity>},
    {"fold_constants", create<FoldConstants>},
    {"fuse_channel_shuffle", create<FuseChannelShuffle>},
    {"fuse_gelu", create<FuseGelu>},
    {"fuse_layer_norm", create<FuseLayerNorm>},
    {"rewrite_channels_last_chain", create<RewriteChannelsLastChain>},
    {"fold_batchnorm_into_conv", create<FoldBatchNormIntoConv>},
    {"fold_scale_into_conv", create<FoldScaleIntoConv>},
    {"fuse_gated_activation", create<FuseGatedActivation>},
    {"fuse_conv_activation", create<FuseConvActivation>},
    {"remove_dead_nodes", create<RemoveDeadNodes>},
};

}  // namespace

void run_import_pipeline(ir::Graph& g) {
  PassManager pm;
  for (const auto& [name, factory] : kPasses) pm.add(factory());
  pm.run(g);
}

std::vector<std::string> pass_names() {
  std::vector<std::string> r;
  for (const auto& [name, factory] : kPasses) r.push_back(name);
  return r;
}

std::unique_ptr<Pass> make_pass(const std::string& name) {
  for (const auto& [n, factory] : kPasses)
    if (name == n) return factory();
  std::string valid;
  for (const auto& [n, factory] : kPasses) valid += (valid.empty() ? "" : ", ") + std::string(n);
  fail("", "unknown pass '" + name + "' (valid: " + valid + ")");
}

}  // namespace qd::passes
