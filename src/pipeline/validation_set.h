// A labelled validation subset loaded into memory for accuracy-driven quantization decisions (--max-drop).
#pragma once
#include <optional>
#include <string>

#include "data/dataset.h"
#include "data/model_config.h"
#include "util/progress.h"
#include "quant/mixed_precision.h"

namespace qd::pipeline {

// The dataset at `path` when its images carry labels (see load_validation_set), else nullopt.
std::optional<Dataset> open_labelled_dataset(const ModelConfig& config, const std::string& path);

// Opens `path` (any dataset kind; a flat folder counts as labelled when its files are named
// "<class>_*" with the config's class names, or CIFAR-10's when the config has none), takes a
// deterministic subset of `count` images, and preprocesses them into batches of `batch` (the last one
// padded with label -1). Throws "<path>: ..." when the images carry no labels.
quant::LabelledBatches load_validation_set(const ModelConfig& config, const std::string& path, size_t count,
                                           int batch, const SkipHandler& on_skip = {});

}  // namespace qd::pipeline
