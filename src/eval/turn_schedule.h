// The order in which a speed measurement runs several models: turns of `block` consecutive timed runs per
// model, each turn after one untimed run (block > 1), the first model rotating from turn to turn.
// Back to back is how a deployed model runs and how ONNX Runtime's and ncnn's benchmarks time theirs; run by
// run (block 1), every run of a small model starts with the caches the other model left (MobileNetV3-Small
// int8: 1.00 ms against 0.62 back to back). Turns keep a slow phase of a shared machine from hitting one
// model.
#pragma once
#include <cstddef>
#include <vector>

namespace qd {

struct ScheduledRun {
  size_t model = 0;
  bool timed = true;  // false: the untimed run that starts a turn
};

// `repeat` timed runs of each of `models` models; block < 1 is taken as 1.
std::vector<ScheduledRun> turn_schedule(size_t models, int repeat, int block);

}  // namespace qd
