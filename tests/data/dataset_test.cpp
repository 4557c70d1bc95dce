#include "data/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "data/test_files.h"

namespace qd {
namespace {

using test::TempDir;

std::string dataset_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::string filename(const std::string& p) { return std::filesystem::path(p).filename().string(); }

TEST(OpenDataset, SharedTestSetIsImageFolder) {
  const Dataset ds = open_dataset(test::kSharedDir + "/cifar10/test");
  EXPECT_EQ(ds.kind, DatasetKind::image_folder);
  ASSERT_EQ(ds.size(), 10000u);
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog",
                                                      "frog", "horse", "ship", "truck"}));
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_NE(ds.samples[0].path.find("/airplane/0000.jpg"), std::string::npos) << ds.samples[0].path;
  EXPECT_NE(ds.samples[1].path.find("/airplane/0001.jpg"), std::string::npos);
  EXPECT_EQ(ds.samples[1000].label, 1);
  EXPECT_NE(ds.samples[1000].path.find("/automobile/0000.jpg"), std::string::npos);
  EXPECT_EQ(ds.samples.back().label, 9);
  EXPECT_NE(ds.samples.back().path.find("/truck/0999.jpg"), std::string::npos);
  std::map<int, int> per_class;
  for (size_t i = 0; i < ds.size(); ++i) {
    ++per_class[ds.samples[i].label];
    ASSERT_EQ(ds.samples[i].index, static_cast<int>(i));
    // The folder name is the class name of the label.
    ASSERT_NE(ds.samples[i].path.find("/" + ds.class_names[ds.samples[i].label] + "/"), std::string::npos);
  }
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 1000) << c;
}

TEST(OpenDataset, SharedCalibIsFlatAndUnlabelled) {
  const Dataset ds = open_dataset(test::kSharedDir + "/cifar10/calib");
  EXPECT_EQ(ds.kind, DatasetKind::flat_folder);
  ASSERT_EQ(ds.size(), 1000u);
  EXPECT_TRUE(ds.class_names.empty());
  EXPECT_EQ(filename(ds.samples[0].path), "airplane_0000.jpg");
  EXPECT_EQ(filename(ds.samples.back().path), "truck_0099.jpg");
  for (const Sample& s : ds.samples) ASSERT_EQ(s.label, -1);
}

TEST(LabelByFilePrefix, SharedCalibGetsItsClassLabels) {
  Dataset ds = open_dataset(test::kSharedDir + "/cifar10/calib");
  ASSERT_TRUE(label_by_file_prefix(ds, cifar10_class_names()));
  std::map<int, int> per_class;
  for (const Sample& s : ds.samples) ++per_class[s.label];
  EXPECT_EQ(per_class.size(), 10u);
  for (const auto& [label, n] : per_class) EXPECT_EQ(n, 100) << label;
  EXPECT_EQ(ds.samples.front().label, 0);  // airplane_0000.jpg
  EXPECT_EQ(ds.samples.back().label, 9);   // truck_0099.jpg
}

TEST(LabelByFilePrefix, AnyUnmatchedNameLeavesTheFolderUnlabelled) {
  TempDir dir;
  test::write_png(dir / "cat_1.png", 1, 1, 3, {1, 2, 3});
  test::write_png(dir / "doge_2.png", 1, 1, 3, {1, 2, 3});
  Dataset ds = open_dataset(dir.str());
  EXPECT_FALSE(label_by_file_prefix(ds, {"cat", "dog"}));
  for (const Sample& s : ds.samples) EXPECT_EQ(s.label, -1);
  EXPECT_TRUE(ds.class_names.empty());
}

TEST(OpenDataset, ImageFolderSortsClassesAndSkipsOtherFiles) {
  TempDir dir;
  test::write_bytes(dir / "zebra/b.png", "x");
  test::write_bytes(dir / "zebra/a.JPG", "x");
  test::write_bytes(dir / "ant/sub/c.jpeg", "x");  // nested files belong to their top-level class
  test::write_bytes(dir / "ant/readme.txt", "x");
  test::write_bytes(dir / ".hidden/d.png", "x");
  test::write_bytes(dir / "loose.png", "x");
  const Dataset ds = open_dataset(dir.str());
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"ant", "zebra"}));
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(filename(ds.samples[0].path), "c.jpeg");
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(filename(ds.samples[1].path), "a.JPG");
  EXPECT_EQ(ds.samples[1].label, 1);
  EXPECT_EQ(filename(ds.samples[2].path), "b.png");
}

TEST(OpenDataset, ImageNetValFolderTakesLabelsFromTheClassIndex) {
  // Only two of the index's classes are present: labels must be their index lines (2 and 0), not their rank
  // among the folders.
  TempDir dir;
  test::write_bytes(dir / "val/n01443537/ILSVRC2012_val_00000236.JPEG", "x");
  test::write_bytes(dir / "val/n01440764/ILSVRC2012_val_00000293.JPEG", "x");
  test::write_bytes(dir / "synsets.txt",
                    "n01440764 tench, Tinca tinca\nn01443536 other\n\nn01443537 goldfish\n");
  DatasetOptions opts;
  opts.class_index = dir / "synsets.txt";
  const Dataset ds = open_dataset(dir / "val", opts);
  EXPECT_EQ(ds.kind, DatasetKind::image_folder);
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"tench, Tinca tinca", "other", "goldfish"}));
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(filename(ds.samples[0].path), "ILSVRC2012_val_00000293.JPEG");
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.samples[1].label, 2);

  test::write_bytes(dir / "val/n99999999/x.JPEG", "x");
  const std::string msg = dataset_error_of([&] { open_dataset(dir / "val", opts); });
  EXPECT_EQ(msg, dir / "val/n99999999" + ": class folder is not listed in the class-index file " +
                     (dir / "synsets.txt"));
  test::write_bytes(dir / "empty.txt", "\n\n");
  opts.class_index = dir / "empty.txt";
  EXPECT_EQ(dataset_error_of([&] { open_dataset(dir / "val", opts); }),
            dir / "empty.txt" + ": class-index file lists no classes");
}

TEST(OpenDataset, AnnFileWithDataPrefix) {
  // mmcls: ann_file lines "relative/path.JPEG label" resolve against data_prefix; absolute paths stay.
  TempDir dir;
  test::write_bytes(dir / "meta/val.txt", "n01440764/ILSVRC2012_val_00000293.JPEG 0\n/abs/x.JPEG 5\n");
  DatasetOptions opts;
  opts.data_prefix = dir / "data/val";
  const Dataset ds = open_dataset(dir / "meta/val.txt", opts);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds.samples[0].path, dir / "data/val/n01440764/ILSVRC2012_val_00000293.JPEG");
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.samples[1].path, "/abs/x.JPEG");
  EXPECT_EQ(ds.samples[1].label, 5);
}

TEST(ReadClassNames, OneNamePerLineTrimmed) {
  TempDir dir;
  test::write_bytes(dir / "names.txt", "tench\n  goldfish \n\ngreat white shark\r\n");
  EXPECT_EQ(read_class_names(dir / "names.txt"),
            (std::vector<std::string>{"tench", "goldfish", "great white shark"}));
  EXPECT_EQ(dataset_error_of([&] { read_class_names(dir / "none.txt"); }),
            dir / "none.txt" + ": cannot read class-names file");
}

TEST(OpenDataset, FolderWhoseSubfoldersHoldNoImagesIsFlat) {
  TempDir dir;
  test::write_bytes(dir / "b.png", "x");
  test::write_bytes(dir / "a.jpg", "x");
  test::write_bytes(dir / "notes/readme.txt", "x");
  const Dataset ds = open_dataset(dir.str());
  EXPECT_EQ(ds.kind, DatasetKind::flat_folder);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(filename(ds.samples[0].path), "a.jpg");
  EXPECT_TRUE(ds.class_names.empty());
}

TEST(OpenDataset, ListFileWithLabelsCommentsAndRelativePaths) {
  TempDir dir;
  test::write_bytes(dir / "lists/val.txt",
                    "# comment\n"
                    "images/a.jpg 3\n"
                    "\n"
                    "  images/my photo.png\t7  \n"
                    "/abs/b.bmp\n"
                    "images/c.jpg -1\n");
  const Dataset ds = open_dataset(dir / "lists/val.txt");
  EXPECT_EQ(ds.kind, DatasetKind::list_file);
  ASSERT_EQ(ds.size(), 4u);
  EXPECT_EQ(ds.samples[0].path, dir / "lists/images/a.jpg");
  EXPECT_EQ(ds.samples[0].label, 3);
  EXPECT_EQ(ds.samples[1].path, dir / "lists/images/my photo.png");
  EXPECT_EQ(ds.samples[1].label, 7);
  EXPECT_EQ(ds.samples[2].path, "/abs/b.bmp");
  EXPECT_EQ(ds.samples[2].label, -1);
  EXPECT_EQ(ds.samples[3].label, -1);
  EXPECT_EQ(ds.samples[3].index, 3);
}

// Three CIFAR records: record r has label labels[r] and pixel value (r*50 + c*10 + i) % 256 at plane c, index
// i.
void write_cifar(const std::string& path, const std::vector<int>& labels) {
  std::string bytes;
  for (size_t r = 0; r < labels.size(); ++r) {
    bytes.push_back(static_cast<char>(labels[r]));
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 1024; ++i) bytes.push_back(static_cast<char>((r * 50 + c * 10 + i) % 256));
  }
  test::write_bytes(path, bytes);
}

TEST(OpenDataset, CifarBinaryFileAndFolder) {
  TempDir dir;
  write_cifar(dir / "batch.bin", {3, 0, 9});
  const Dataset ds = open_dataset(dir / "batch.bin");
  EXPECT_EQ(ds.kind, DatasetKind::cifar_binary);
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds.samples[0].label, 3);
  EXPECT_EQ(ds.samples[1].label, 0);
  EXPECT_EQ(ds.samples[2].label, 9);
  EXPECT_EQ(ds.class_names.at(3), "cat");
  EXPECT_EQ(sample_name(ds, ds.samples[2]), dir / "batch.bin#2");
  const Image img = load_sample(ds, ds.samples[1]);
  ASSERT_EQ(img.width, 32);
  ASSERT_EQ(img.height, 32);
  // Pixel (x=5, y=2) is plane index i = 2*32 + 5 = 69; record 1: R = 50+69, G = 60+69, B = 70+69.
  EXPECT_EQ(img.pixel(5, 2)[0], 119);
  EXPECT_EQ(img.pixel(5, 2)[1], 129);
  EXPECT_EQ(img.pixel(5, 2)[2], 139);

  write_cifar(dir / "cifar-10-batches-bin/test_batch.bin", {1, 2});
  test::write_bytes(dir / "cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\n\n");
  const Dataset folder = open_dataset(dir / "cifar-10-batches-bin");
  EXPECT_EQ(folder.kind, DatasetKind::cifar_binary);
  EXPECT_EQ(folder.size(), 2u);
  EXPECT_EQ(folder.class_names, (std::vector<std::string>{"a", "b", "c"}));

  test::write_bytes(dir / "short.bin", std::string(3000, '\0'));
  EXPECT_NE(dataset_error_of([&] { open_dataset(dir / "short.bin"); }).find("not a multiple of 3073"),
            std::string::npos);
  write_cifar(dir / "badlabel.bin", {12});
  EXPECT_NE(dataset_error_of([&] { open_dataset(dir / "badlabel.bin"); }).find("record 0 has label 12"),
            std::string::npos);
}

TEST(OpenDataset, Errors) {
  TempDir dir;
  std::string msg = dataset_error_of([&] { open_dataset(dir / "missing"); });
  EXPECT_EQ(msg, dir / "missing" + ": dataset not found (no such file or folder)");
  std::filesystem::create_directories(dir / "empty");
  test::write_bytes(dir / "empty/notes.txt", "not an image");
  msg = dataset_error_of([&] { open_dataset(dir / "empty"); });
  EXPECT_NE(msg.find("no images found in " + dir / "empty"), std::string::npos) << msg;
  test::write_bytes(dir / "blank.txt", "# only a comment\n\n");
  msg = dataset_error_of([&] { open_dataset(dir / "blank.txt"); });
  EXPECT_NE(msg.find("no images listed"), std::string::npos) << msg;
  test::write_bytes(dir / "neg.txt", "a.jpg -4\n");
  msg = dataset_error_of([&] { open_dataset(dir / "neg.txt"); });
  EXPECT_NE(msg.find("neg.txt:1: negative label -4"), std::string::npos) << msg;
}

TEST(Limit, DeterministicSubsetInOriginalOrder) {
  Dataset ds;
  for (int i = 0; i < 100; ++i) ds.samples.push_back({std::to_string(i) + ".jpg", i % 10, i});
  const Dataset a = limit(ds, 10, 42), b = limit(ds, 10, 42), c = limit(ds, 10, 7);
  ASSERT_EQ(a.size(), 10u);
  std::vector<int> ia, ib, ic;
  for (size_t i = 0; i < 10; ++i) {
    ia.push_back(a.samples[i].index);
    ib.push_back(b.samples[i].index);
    ic.push_back(c.samples[i].index);
  }
  EXPECT_EQ(ia, ib);
  EXPECT_NE(ia, ic);  // another seed picks another subset (10 of 100: equal by chance ~1e-13)
  EXPECT_TRUE(std::is_sorted(ia.begin(), ia.end()));
  EXPECT_EQ(std::set<int>(ia.begin(), ia.end()).size(), 10u);
  // Not simply the first n (a sorted test set would give one class only).
  EXPECT_NE(ia.back(), 9);
  EXPECT_EQ(limit(ds, 1000, 1).size(), 100u);
  EXPECT_EQ(limit(ds, 0, 1).size(), 0u);
}

}  // namespace
}  // namespace qd
