// Labels for flat folders whose file names start with the class name, as ../shared/cifar10/calib does
// ("airplane_0000.jpg"): such a folder can serve as a labelled validation set (mixed precision).
#include <filesystem>

#include "data/dataset.h"

namespace qd {

bool label_by_file_prefix(Dataset& dataset, const std::vector<std::string>& class_names) {
  if (dataset.kind != DatasetKind::flat_folder || class_names.empty() || dataset.samples.empty())
    return false;
  std::vector<int> labels;
  for (const Sample& s : dataset.samples) {
    const std::string name = std::filesystem::path(s.path).filename().string();
    const size_t cut = name.find('_');
    if (cut == std::string::npos) return false;
    int label = -1;
    for (size_t c = 0; c < class_names.size(); ++c)
      if (name.compare(0, cut, class_names[c]) == 0 && class_names[c].size() == cut)
        label = static_cast<int>(c);
    if (label < 0) return false;  // all or nothing: a stray file means the names are not labels
    labels.push_back(label);
  }
  for (size_t i = 0; i < labels.size(); ++i) dataset.samples[i].label = labels[i];
  dataset.class_names = class_names;
  return true;
}

}  // namespace qd
