#include "pipeline/validation_set.h"

#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "data/batch_loader.h"
#include "data/dataset.h"

namespace qd::pipeline {

std::optional<Dataset> open_labelled_dataset(const ModelConfig& config, const std::string& path) {
  Dataset ds = open_dataset(path, config.dataset_options);
  if (ds.kind == DatasetKind::flat_folder) {
    const bool cifar = config.num_classes == 10 || config.num_classes == 0;
    const std::vector<std::string>& names = !config.classes.empty() ? config.classes
                                            : cifar                 ? cifar10_class_names()
                                                                    : config.classes;
    if (!label_by_file_prefix(ds, names)) return std::nullopt;
  }
  return ds;
}

quant::LabelledBatches load_validation_set(const ModelConfig& config, const std::string& path, size_t count,
                                           int batch, const SkipHandler& on_skip) {
  std::optional<Dataset> labelled = open_labelled_dataset(config, path);
  if (!labelled)
    fail(path,
         "validation images need labels: use an ImageFolder, a list file with labels, CIFAR batches, "
         "or a flat folder of files named <class>_*");
  Dataset ds = std::move(*labelled);
  ds = limit(ds, count);
  BatchLoaderOptions lo;
  lo.batch_size = batch;
  lo.max_pixels = config.max_pixels;
  lo.on_skip = on_skip;
  BatchLoader loader(ds, config.preprocess, lo);
  quant::LabelledBatches out;
  Batch b;
  while (loader.next(b)) {
    Tensor full(DataType::f32, {batch, b.input.shape()[1], b.input.shape()[2], b.input.shape()[3]});
    std::memset(full.raw(), 0, full.nbytes());
    std::memcpy(full.raw(), b.input.raw(), b.input.nbytes());
    std::vector<int> labels = b.labels;
    labels.resize(static_cast<size_t>(batch), -1);
    out.inputs.push_back(std::move(full));
    out.labels.push_back(std::move(labels));
  }
  if (out.images() == 0) fail(path, "no labelled, readable images for validation");
  return out;
}

}  // namespace qd::pipeline
