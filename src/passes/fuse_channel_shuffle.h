// Recognises ShuffleNet's channel shuffle, Reshape [N,C,H,W] -> [N,g,C/g,H,W], Transpose(0,2,1,3,4),
// Reshape back to [N,C,H,W], and replaces it by one ShuffleChannel(group g) node: ncnn has no 5-D
// tensors (it has ShuffleChannel) and the runtime moves the data once instead of three times.
#pragma once
#include "passes/pass.h"

namespace qd::passes {

class FuseChannelShuffle : public Pass {
 public:
  std::string name() const override { return "fuse_channel_shuffle"; }
  bool run(ir::Graph& g) override;
};

}  // namespace qd::passes
