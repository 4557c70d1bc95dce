// Labelled or unlabelled image collections: ImageFolder trees, flat folders, list files and CIFAR-10 binary
// batches, all opened through open_dataset(). A Dataset is only a list of samples; pixels are read on demand
// with load_sample().
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace qd {

enum class DatasetKind {
  image_folder,  // <dir>/<class>/<files>: label = index of the class folder in sorted order
  flat_folder,   // <dir>/<files>: unlabelled
  list_file,     // text file: "<path> [label]" per line, paths relative to the list's folder
  cifar_binary,  // CIFAR-10 binary batch: 3073-byte records (label, 1024 R, 1024 G, 1024 B)
};

const char* dataset_kind_name(DatasetKind kind);

struct Sample {
  std::string path;  // image file; for CIFAR records the batch file
  int label = -1;    // -1 = unlabelled
  int index = -1;    // position in the dataset as opened (for CIFAR: the record number in the batch file)
};

struct Dataset {
  std::vector<Sample> samples;
  std::vector<std::string> class_names;  // empty when unknown (flat folders, list files)
  std::string source;                    // the path given to open_dataset
  DatasetKind kind = DatasetKind::flat_folder;

  size_t size() const { return samples.size(); }
};

// File extensions accepted as images in folders (case-insensitive): .jpg .jpeg .png .bmp
bool has_image_extension(const std::string& path);

// How a model config's data sets are laid out beyond what the path itself says.
struct DatasetOptions {
  // List files: relative paths resolve against this folder instead of the list's own (mmcls's data_prefix
  // beside an ann_file "relative/path.JPEG label").
  std::string data_prefix;
  // ImageFolders: a class-index file (line i = class i: "<folder name> [display name...]", e.g. ImageNet's
  // "n01440764 tench"); labels come from it rather than from the sorted folder names, so a folder holding
  // only some classes keeps the right labels. A class folder missing from the index is an error.
  std::string class_index;
};

// Opens a dataset, choosing the reader from what `path` is:
//  - a directory with subdirectories holding images -> ImageFolder (files sorted by path, searched
//    recursively in each class folder; hidden entries and files next to the class folders skipped);
//  - a directory with image files only -> flat folder (sorted, unlabelled);
//  - a directory containing test_batch.bin (e.g. cifar-10-batches-bin) -> CIFAR binary of that file;
//  - a *.bin file -> CIFAR binary (its size must be a multiple of 3073 bytes);
//  - any other file -> list file ("#" comments and blank lines skipped; a trailing integer is the label).
// Throws "<path>: ..." for a missing path, an unreadable list, a malformed record file or no images.
Dataset open_dataset(const std::string& path, const DatasetOptions& options = {});

// Class names from a text file, one per non-empty line (classes_file = "..." in model configs); throws when
// the file cannot be read or holds none.
std::vector<std::string> read_class_names(const std::string& path);

// Reads the pixels of one sample (decodes the file, or copies the CIFAR record). Throws naming the file.
Image load_sample(const Dataset& dataset, const Sample& sample, int64_t max_pixels = kDefaultMaxPixels,
                  ImageLoader loader = ImageLoader::pil);

// A readable name for a sample in messages: its path, or "<batch file>#<record>" for CIFAR records.
std::string sample_name(const Dataset& dataset, const Sample& sample);

// A deterministic subset of n samples (all of them when n >= size): a seeded shuffle picks which, and the
// chosen samples keep their original order. The same (dataset, n, seed) always gives the same subset.
Dataset limit(const Dataset& dataset, size_t n, uint64_t seed = 0);

// Labels a flat folder whose every file is named "<class>_<anything>" with <class> one of class_names
// (e.g. ../shared/cifar10/calib). All or nothing: returns false, changing nothing, when any name does not
// match or the dataset is not a flat folder.
bool label_by_file_prefix(Dataset& dataset, const std::vector<std::string>& class_names);

// CIFAR-10 class names in label order (airplane ... truck).
const std::vector<std::string>& cifar10_class_names();

}  // namespace qd
