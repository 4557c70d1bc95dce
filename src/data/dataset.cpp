#include "data/dataset.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace fs = std::filesystem;

namespace qd {
namespace {

constexpr int kCifarSide = 32;
constexpr size_t kCifarPixels = kCifarSide * kCifarSide;
constexpr size_t kCifarRecordBytes = 1 + 3 * kCifarPixels;  // label byte + R plane + G plane + B plane
constexpr const char* kCifarTestBatch = "test_batch.bin";

bool is_hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Image files under `dir` (recursively when `recursive`), sorted by path.
std::vector<std::string> list_images(const fs::path& dir, bool recursive) {
  std::vector<std::string> files;
  std::error_code ec;
  auto consider = [&](const fs::directory_entry& e) {
    if (!is_hidden(e.path()) && e.is_regular_file(ec) && has_image_extension(e.path().string()))
      files.push_back(e.path().string());
  };
  if (recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
    if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
      if (is_hidden(it->path()) && it->is_directory(ec)) {
        it.disable_recursion_pending();
        continue;
      }
      consider(*it);
    }
  } else {
    fs::directory_iterator it(dir, ec), end;
    if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
      consider(*it);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> subdirectories(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) fail(dir.string(), "cannot read folder: " + ec.message());
    if (!is_hidden(it->path()) && it->is_directory(ec)) names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Dataset open_image_folder(const fs::path& dir, const std::vector<std::string>& classes) {
  Dataset ds;
  ds.kind = DatasetKind::image_folder;
  ds.class_names = classes;
  for (size_t c = 0; c < classes.size(); ++c) {
    for (auto& file : list_images(dir / classes[c], /*recursive=*/true))
      ds.samples.push_back({std::move(file), static_cast<int>(c), static_cast<int>(ds.samples.size())});
  }
  return ds;
}

// The entries of a class-index file: folder name (first word) and display name (the rest, or the folder
// name), in label order.
std::vector<std::pair<std::string, std::string>> read_class_index(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot read class-index file");
  std::vector<std::pair<std::string, std::string>> entries;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string folder, word, name;
    if (!(words >> folder)) continue;
    while (words >> word) name += (name.empty() ? "" : " ") + word;
    entries.emplace_back(folder, name.empty() ? folder : name);
  }
  if (entries.empty()) fail(path, "class-index file lists no classes");
  return entries;
}

Dataset open_indexed_image_folder(const fs::path& dir, const std::vector<std::string>& folders,
                                  const std::string& index_path) {
  const auto index = read_class_index(index_path);
  Dataset ds;
  ds.kind = DatasetKind::image_folder;
  for (const auto& entry : index) ds.class_names.push_back(entry.second);
  for (const std::string& folder : folders) {
    const auto it =
        std::find_if(index.begin(), index.end(), [&](const auto& e) { return e.first == folder; });
    if (it == index.end())
      fail((dir / folder).string(), "class folder is not listed in the class-index file " + index_path);
    const int label = static_cast<int>(it - index.begin());
    for (auto& file : list_images(dir / folder, /*recursive=*/true))
      ds.samples.push_back({std::move(file), label, static_cast<int>(ds.samples.size())});
  }
  return ds;
}

Dataset open_flat_folder(const fs::path& dir) {
  Dataset ds;
  ds.kind = DatasetKind::flat_folder;
  for (auto& file : list_images(dir, /*recursive=*/false))
    ds.samples.push_back({std::move(file), -1, static_cast<int>(ds.samples.size())});
  return ds;
}

// CIFAR class names from batches.meta.txt next to the batch file when present, else the CIFAR-10 names.
std::vector<std::string> cifar_class_names(const fs::path& bin) {
  std::ifstream meta(bin.parent_path() / "batches.meta.txt");
  std::vector<std::string> names;
  for (std::string line; meta && std::getline(meta, line);) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names.empty() ? cifar10_class_names() : names;
}

Dataset open_cifar_binary(const fs::path& bin) {
  const std::string path = bin.string();
  std::ifstream in(bin, std::ios::binary);
  if (!in) fail(path, "cannot open CIFAR batch file");
  std::error_code ec;
  const auto bytes = fs::file_size(bin, ec);
  if (ec) fail(path, "cannot read CIFAR batch file: " + ec.message());
  if (bytes == 0 || bytes % kCifarRecordBytes != 0)
    fail(path, "not a CIFAR-10 binary batch: size " + std::to_string(bytes) + " is not a multiple of " +
                   std::to_string(kCifarRecordBytes) + "-byte records");
  Dataset ds;
  ds.kind = DatasetKind::cifar_binary;
  ds.class_names = cifar_class_names(bin);
  const size_t records = bytes / kCifarRecordBytes;
  std::vector<char> record(kCifarRecordBytes);
  for (size_t r = 0; r < records; ++r) {
    if (!in.read(record.data(), static_cast<std::streamsize>(record.size()))) fail(path, "read error");
    const int label = static_cast<unsigned char>(record[0]);
    if (label >= static_cast<int>(ds.class_names.size()))
      fail(path, "record " + std::to_string(r) + " has label " + std::to_string(label) +
                     ", but there are only " + std::to_string(ds.class_names.size()) + " classes");
    ds.samples.push_back({path, label, static_cast<int>(r)});
  }
  return ds;
}

bool parse_int(const std::string& s, int& value) {
  const char* end = s.data() + s.size();
  auto [p, err] = std::from_chars(s.data(), end, value);
  return err == std::errc() && p == end;
}

Dataset open_list_file(const fs::path& list, const std::string& data_prefix) {
  const std::string path = list.string();
  std::ifstream in(list);
  if (!in) fail(path, "cannot read image list file");
  Dataset ds;
  ds.kind = DatasetKind::list_file;
  const fs::path base = data_prefix.empty() ? list.parent_path() : fs::path(data_prefix);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    line.erase(0, start);
    if (line.empty() || line[0] == '#') continue;
    std::string file = line;
    int label = -1;
    const size_t split = line.find_last_of(" \t");
    if (split != std::string::npos) {
      std::string last = line.substr(split + 1);
      int value = 0;
      if (parse_int(last, value)) {
        if (value < -1) fail(path + ":" + std::to_string(line_no), "negative label " + last);
        label = value;
        file = line.substr(0, split);
        while (!file.empty() && std::isspace(static_cast<unsigned char>(file.back()))) file.pop_back();
      }
    }
    fs::path p(file);
    if (p.is_relative()) p = base / p;
    ds.samples.push_back({p.lexically_normal().string(), label, static_cast<int>(ds.samples.size())});
  }
  if (in.bad()) fail(path, "read error");
  if (ds.samples.empty()) fail(path, "no images listed in this file");
  return ds;
}

}  // namespace

const char* dataset_kind_name(DatasetKind kind) {
  switch (kind) {
    case DatasetKind::image_folder:
      return "ImageFolder";
    case DatasetKind::flat_folder:
      return "flat folder";
    case DatasetKind::list_file:
      return "list file";
    case DatasetKind::cifar_binary:
      return "CIFAR binary";
  }
  return "?";
}

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

bool has_image_extension(const std::string& path) {
  const std::string ext = lower(fs::path(path).extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

Dataset open_dataset(const std::string& path, const DatasetOptions& options) {
  std::error_code ec;
  const fs::path p(path);
  const auto status = fs::status(p, ec);
  if (ec || !fs::exists(status)) fail(path, "dataset not found (no such file or folder)");
  Dataset ds;
  if (fs::is_directory(status)) {
    if (fs::is_regular_file(p / kCifarTestBatch, ec)) {
      ds = open_cifar_binary(p / kCifarTestBatch);
    } else if (auto classes = subdirectories(p); !classes.empty()) {
      ds = options.class_index.empty() ? open_image_folder(p, classes)
                                       : open_indexed_image_folder(p, classes, options.class_index);
      // Subfolders without any image (e.g. "thumbs/" next to the pictures) do not make an ImageFolder.
      if (ds.samples.empty()) ds = open_flat_folder(p);
    } else {
      ds = open_flat_folder(p);
    }
    if (ds.samples.empty()) fail(path, "no images found in " + path);
  } else if (lower(p.extension().string()) == ".bin") {
    ds = open_cifar_binary(p);
  } else {
    ds = open_list_file(p, options.data_prefix);
  }
  ds.source = path;
  return ds;
}

std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot read class-names file");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    if (start < line.size()) names.push_back(line.substr(start));
  }
  if (names.empty()) fail(path, "class-names file lists no classes");
  return names;
}

Image load_sample(const Dataset& dataset, const Sample& sample, int64_t max_pixels, ImageLoader loader) {
  if (dataset.kind != DatasetKind::cifar_binary) return decode_image(sample.path, max_pixels, loader);
  std::ifstream in(sample.path, std::ios::binary);
  if (!in) fail(sample_name(dataset, sample), "cannot open CIFAR batch file");
  std::vector<char> record(kCifarRecordBytes);
  in.seekg(static_cast<std::streamoff>(sample.index) * static_cast<std::streamoff>(kCifarRecordBytes));
  if (!in.read(record.data(), static_cast<std::streamsize>(record.size())))
    fail(sample_name(dataset, sample), "record beyond the end of the file");
  Image img(kCifarSide, kCifarSide);
  for (size_t i = 0; i < kCifarPixels; ++i)
    for (size_t c = 0; c < 3; ++c)
      img.rgb[i * 3 + c] = static_cast<uint8_t>(record[1 + c * kCifarPixels + i]);
  return img;
}

std::string sample_name(const Dataset& dataset, const Sample& sample) {
  if (dataset.kind == DatasetKind::cifar_binary) return sample.path + "#" + std::to_string(sample.index);
  return sample.path;
}

Dataset limit(const Dataset& dataset, size_t n, uint64_t seed) {
  if (n >= dataset.samples.size()) return dataset;
  // splitmix64: a fixed, portable generator (std::shuffle's output differs between standard libraries).
  uint64_t state = seed;
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<size_t> order(dataset.samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates: the first n slots are a uniform random subset
    const size_t j = i + next() % (order.size() - i);
    std::swap(order[i], order[j]);
  }
  order.resize(n);
  std::sort(order.begin(), order.end());
  Dataset out;
  out.class_names = dataset.class_names;
  out.source = dataset.source;
  out.kind = dataset.kind;
  out.samples.reserve(n);
  for (size_t i : order) out.samples.push_back(dataset.samples[i]);
  return out;
}

}  // namespace qd
