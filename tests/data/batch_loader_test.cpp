#include "data/batch_loader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/test_files.h"

namespace qd {
namespace {

using test::TempDir;

using Warnings = std::vector<std::pair<std::string, std::string>>;  // path, reason

// Options whose skip handler appends to `warnings`.
BatchLoaderOptions collecting_warnings(int batch_size, Warnings& warnings) {
  BatchLoaderOptions opt;
  opt.batch_size = batch_size;
  opt.on_skip = [&warnings](const std::string& path, const std::string& reason) {
    warnings.emplace_back(path, reason);
  };
  return opt;
}

Preprocess identity_32() {
  Preprocess pre;  // mean 0, std 1: tensor values are the raw pixel values
  pre.width = pre.height = 32;
  return pre;
}

TEST(BatchLoader, SkipsCorruptFileWithWarningAndKeepsBatchesFull) {
  TempDir dir;
  // Five 32x32 images with distinct flat colours (value = 10 * k), one corrupt file, one 64x64 image.
  for (int k = 0; k < 5; ++k)
    test::write_png(dir / ("img" + std::to_string(k) + ".png"), 32, 32, 3,
                    std::vector<uint8_t>(32 * 32 * 3, static_cast<uint8_t>(10 * k)));
  test::write_bytes(dir / "img1_bad.jpg", "garbage");  // sorts between img1.png and img2.png
  test::write_png(dir / "z_big.png", 64, 64, 3, std::vector<uint8_t>(64 * 64 * 3, 200));

  Warnings warnings;
  BatchLoaderOptions opt = collecting_warnings(3, warnings);
  opt.threads = 2;
  BatchLoader loader(open_dataset(dir.str()), identity_32(), opt);

  Batch b;
  ASSERT_TRUE(loader.next(b));
  ASSERT_EQ(b.size(), 3);  // img0, img1, img2: the bad file's slot is refilled
  EXPECT_EQ(b.input.shape(), (Shape{3, 3, 32, 32}));
  const float* x = b.input.data<float>();
  const int64_t plane = 3 * 32 * 32;
  EXPECT_FLOAT_EQ(x[0], 0.f);
  EXPECT_FLOAT_EQ(x[plane + 5], 10.f);
  EXPECT_FLOAT_EQ(x[2 * plane + plane - 1], 20.f);
  EXPECT_EQ(std::filesystem::path(b.paths[2]).filename(), "img2.png");
  const Tensor row2 = b.row(2);
  EXPECT_EQ(row2.shape(), (Shape{1, 3, 32, 32}));
  EXPECT_FLOAT_EQ(row2.data<float>()[0], 20.f);
  EXPECT_FLOAT_EQ(row2.data<float>()[plane - 1], 20.f);
  EXPECT_EQ(b.labels, (std::vector<int>{-1, -1, -1}));
  EXPECT_EQ(b.indices, (std::vector<int>{0, 1, 3}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first, dir / "img1_bad.jpg");
  EXPECT_NE(warnings[0].second.find("not a JPEG, PNG or BMP image"), std::string::npos) << warnings[0].second;
  EXPECT_EQ(warnings[0].second.find(dir.str()), std::string::npos) << "reason repeats the path";

  ASSERT_TRUE(loader.next(b));
  ASSERT_EQ(b.size(), 3);  // img3, img4, z_big (resized)
  EXPECT_FLOAT_EQ(b.input.data<float>()[2 * plane], 200.f);
  EXPECT_FALSE(loader.next(b));
  EXPECT_EQ(loader.skipped(), 1u);
  EXPECT_EQ(loader.resized(), 1u);
  EXPECT_EQ(loader.consumed(), 7u);
  EXPECT_EQ(loader.size(), 7u);

  loader.reset();
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(b.size(), 3);
  EXPECT_EQ(loader.skipped(), 2u);  // counters accumulate across passes
}

TEST(BatchLoader, ImageSmallerThanTheCropIsSkippedAndCounted) {
  // Crop 32 without resize: the 20x40 image cannot be cropped (a warning, skipped), the 40x50 one is cropped
  // (not counted as resized), the 32x32 one passes as is.
  TempDir dir;
  test::write_png(dir / "a_small.png", 20, 40, 3, std::vector<uint8_t>(20 * 40 * 3, 1));
  test::write_png(dir / "b_big.png", 40, 50, 3, std::vector<uint8_t>(40 * 50 * 3, 2));
  test::write_png(dir / "c_fit.png", 32, 32, 3, std::vector<uint8_t>(32 * 32 * 3, 3));
  Warnings warnings;
  BatchLoaderOptions opt = collecting_warnings(4, warnings);
  Preprocess pre = identity_32();
  pre.crop_width = pre.crop_height = 32;
  BatchLoader loader(open_dataset(dir.str()), pre, opt);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  ASSERT_EQ(b.size(), 2);
  EXPECT_FLOAT_EQ(b.input.data<float>()[0], 2.f);
  EXPECT_EQ(loader.skipped(), 1u);
  EXPECT_EQ(loader.resized(), 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first, dir / "a_small.png");
  EXPECT_EQ(warnings[0].second, "image is 20x40, smaller than the 32x32 crop");
}

TEST(BatchLoader, ZeroSizeImagesAreSkippedWithTheirNamesAndCounted) {
  // A 0-byte file, a PNG whose header declares width 0 and a JPEG whose header declares height 0 between
  // two good images: three warnings naming the files, three skipped, the good images in one batch.
  TempDir dir;
  test::write_png(dir / "a_good.png", 32, 32, 3, std::vector<uint8_t>(32 * 32 * 3, 5));
  test::write_bytes(dir / "b_empty.jpg", "");
  std::string png = test::read_bytes(dir / "a_good.png");
  png.replace(16, 4, std::string(4, '\0'));  // IHDR width
  test::write_bytes(dir / "c_width0.png", png);
  std::string jpeg = test::read_bytes(test::kSharedDir + "/cifar10/test/airplane/0000.jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg.replace(sof + 5, 2, std::string(2, '\0'));  // SOF0 height
  test::write_bytes(dir / "d_height0.jpg", jpeg);
  test::write_png(dir / "e_good.png", 32, 32, 3, std::vector<uint8_t>(32 * 32 * 3, 6));

  Warnings warnings;
  BatchLoaderOptions opt = collecting_warnings(2, warnings);
  BatchLoader loader(open_dataset(dir.str()), identity_32(), opt);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(b.indices, (std::vector<int>{0, 4}));
  EXPECT_FALSE(loader.next(b));
  EXPECT_EQ(loader.skipped(), 3u);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0].first, dir / "b_empty.jpg");
  EXPECT_EQ(warnings[0].second, "empty file (0 bytes), not an image");
  EXPECT_EQ(warnings[1].first, dir / "c_width0.png");
  EXPECT_EQ(warnings[1].second, "corrupt PNG header (0-pixel image)");
  EXPECT_EQ(warnings[2].first, dir / "d_height0.jpg");
  EXPECT_NE(warnings[2].second.find("corrupt JPEG (Empty JPEG image"), std::string::npos)
      << warnings[2].second;
}

TEST(BatchLoader, SharedCalibSetInBatchesMatchesSingleImages) {
  Dataset ds = open_dataset(test::kSharedDir + "/cifar10/calib");
  Preprocess pre = identity_32();
  pre.mean = {125.307f, 122.961f, 113.8575f};
  pre.std = {51.5865f, 50.847f, 51.255f};
  BatchLoaderOptions opt;
  opt.batch_size = 64;
  opt.threads = 2;
  BatchLoader loader(ds, pre, opt);
  Batch b;
  size_t total = 0, batches = 0;
  while (loader.next(b)) {
    ++batches;
    total += b.size();
    if (batches == 2) {
      // Row 5 of batch 2 is sample 69; compare against decoding it alone.
      std::vector<float> one(3 * 32 * 32);
      image_to_nchw(decode_image(ds.samples[69].path), pre, one.data());
      const float* row = b.input.data<float>() + 5 * one.size();
      for (size_t i = 0; i < one.size(); ++i) ASSERT_EQ(row[i], one[i]) << i;
    }
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(batches, 16u);  // 15 x 64 + 40
  EXPECT_EQ(loader.skipped(), 0u);
  EXPECT_EQ(loader.resized(), 0u);
}

TEST(BatchLoader, WholeSharedTestSetDecodesWithoutSkips) {
  // Guards the truncation checks against false alarms on real JPEGs.
  std::vector<std::string> skipped;
  BatchLoaderOptions opt;
  opt.batch_size = 500;
  opt.threads = 2;
  opt.on_skip = [&](const std::string& path, const std::string& reason) {
    skipped.push_back(path + ": " + reason);
  };
  BatchLoader loader(open_dataset(test::kSharedDir + "/cifar10/test"), identity_32(), opt);
  Batch b;
  size_t total = 0;
  std::vector<int> per_class(10, 0);
  while (loader.next(b)) {
    total += b.size();
    for (int label : b.labels) ++per_class[label];
  }
  EXPECT_EQ(total, 10000u);
  EXPECT_TRUE(skipped.empty()) << skipped.front();
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));
}

}  // namespace
}  // namespace qd
