// The uint8 crop qdeploy feeds the network against the reference pipelines' crops (torchvision on PIL, mmcls
// on OpenCV) for the images and crops make_preprocess_refs.py writes (ctest fixture preprocess_refs).
// Pass: pixel-exact, or at most 1 level off on under 0.1% of the values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/preprocess.h"

namespace qd {
namespace {

struct RefCase {
  std::string image, backend, interpolation, ref;
  int resize = 0, crop = 0;
};

std::vector<RefCase> read_manifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.txt");
  std::vector<RefCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    RefCase c;
    if (ss >> c.image >> c.backend >> c.interpolation >> c.resize >> c.crop >> c.ref) cases.push_back(c);
  }
  return cases;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Preprocess preprocess_for(const RefCase& c) {
  Preprocess p;
  p.width = p.height = c.crop;
  p.resize_short = c.resize;
  p.crop_width = p.crop_height = c.crop;
  p.backend = c.backend == "cv2" ? ResizeBackend::cv2 : ResizeBackend::pil;
  p.interpolation = c.interpolation == "bicubic"   ? Interpolation::bicubic
                    : c.interpolation == "nearest" ? Interpolation::nearest
                                                   : Interpolation::bilinear;
  return p;
}

struct Tally {
  int cases = 0, exact = 0, within = 0;
  double worst_fraction = 0;
  int worst_diff = 0;
  std::string worst;
};

TEST(PreprocessReference, CropsMatchTorchvisionAndMmcls) {
  const std::string dir = QDEPLOY_PREPROCESS_REFS_DIR;
  const auto cases = read_manifest(dir);
  ASSERT_GE(cases.size(), 400u) << dir << "/manifest.txt: run the preprocess_refs fixture first";
  std::map<std::string, Tally> tallies;
  for (const RefCase& c : cases) {
    const std::string key = c.backend + "/" + c.interpolation;
    Tally& t = tallies[key];
    ++t.cases;
    const std::vector<uint8_t> ref = read_bytes(dir + "/" + c.ref);
    ASSERT_EQ(ref.size(), static_cast<size_t>(c.crop) * c.crop * 3) << c.ref;
    Image got;
    try {
      const Preprocess pre = preprocess_for(c);
      got = network_view(decode_image(dir + "/" + c.image, kDefaultMaxPixels, image_loader(pre)), pre);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.image << " (" << key << "): " << e.what();
      continue;
    }
    int max_diff = 0;
    size_t off = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const int d = std::abs(static_cast<int>(got.rgb[i]) - ref[i]);
      max_diff = std::max(max_diff, d);
      off += d != 0;
    }
    const double fraction = static_cast<double>(off) / ref.size();
    t.exact += off == 0;
    const bool ok = max_diff <= 1 && fraction < 0.001;
    t.within += ok;
    if (max_diff > t.worst_diff || (max_diff == t.worst_diff && fraction > t.worst_fraction)) {
      t.worst_diff = max_diff;
      t.worst_fraction = fraction;
      t.worst = c.image;
    }
    EXPECT_TRUE(ok) << c.image << " (" << key << "): max difference " << max_diff << ", " << off << " of "
                    << ref.size() << " values differ";
  }
  for (const auto& [key, t] : tallies) {
    std::printf("%-14s %3d crops: %3d pixel-exact, %3d within tolerance; worst %s (max %d, %.4f%% values)\n",
                key.c_str(), t.cases, t.exact, t.within, t.worst.empty() ? "-" : t.worst.c_str(),
                t.worst_diff, 100 * t.worst_fraction);
  }
}

}  // namespace
}  // namespace qd
