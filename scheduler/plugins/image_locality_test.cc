// Cases from Kubernetes' imagelocality image_locality_test.go; scores follow its formula
// (the max threshold is 1000MB per container, init containers included).
#include "scheduler/plugins/image_locality.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/resource_testing.h"

namespace pk::scheduler::plugins {
namespace {

constexpr int64_t kMB = 1024 * 1024;

struct Image {
  std::vector<std::string> names;
  int64_t size;
};

NodePtr ImageNode(const std::string& name, const std::vector<Image>& images) {
  auto node = std::make_shared<Node>();
  node->mutable_metadata()->set_name(name);
  for (const Image& image : images) {
    auto* i = node->mutable_status()->add_images();
    for (const auto& n : image.names) i->add_names(n);
    i->set_size_bytes(image.size);
  }
  return node;
}

// NodeInfos with image states as the cache's snapshot keeps them: each name of each image,
// with the number of nodes that have an image by that name.
std::vector<NodeInfoPtr> ImageNodeInfos(const std::vector<NodePtr>& nodes) {
  std::map<std::string, int> num_nodes;
  for (const NodePtr& node : nodes) {
    std::set<std::string> names;
    for (const auto& image : node->status().images())
      names.insert(image.names().begin(), image.names().end());
    for (const auto& n : names) ++num_nodes[n];
  }
  std::vector<NodeInfoPtr> out = fixtures::NodeInfos(nodes);
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& image : nodes[i]->status().images()) {
      for (const auto& n : image.names()) {
        out[i]->mutable_image_states()[n] = {image.size_bytes(), num_nodes[n]};
      }
    }
  }
  return out;
}

PodPtr ImagePod(const std::vector<std::string>& images, const std::vector<std::string>& init = {}) {
  fixtures::PodBuilder b;
  for (const auto& i : init) b.Init({}, false, i);
  for (const auto& i : images) b.Container({}, i);
  return b.Obj();
}

std::vector<int64_t> ImageScores(const Pod& pod, const std::vector<NodePtr>& nodes) {
  auto infos = ImageNodeInfos(nodes);
  scheduler::testing::FakeHandle handle(infos);
  ImageLocality plugin(handle);
  return fixtures::Scores(plugin, nullptr, pod, infos);
}

}  // namespace

TEST_CASE("ImageLocality Score (image_locality_test.go)") {
  const NodePtr node403002000 =
      ImageNode("machine1", {{{"gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"}, 40 * kMB},
                             {{"gcr.io/300:latest", "gcr.io/300:v1"}, 300 * kMB},
                             {{"gcr.io/2000:latest"}, 2000 * kMB}});
  const NodePtr node25010 = ImageNode(
      "machine2",
      {{{"gcr.io/250:latest"}, 250 * kMB}, {{"gcr.io/10:latest", "gcr.io/10:v1"}, 10 * kMB}});
  const NodePtr no_images = ImageNode("machine3", {});
  struct Case {
    std::string name;
    PodPtr pod;
    std::vector<NodePtr> nodes;
    std::vector<int64_t> want;
  };
  const std::vector<Case> cases = {
      // machine1: 40MB/2 < 23MB -> 0; machine2: 100 * (250MB/2 - 23MB) / (2000MB - 23MB) = 5.
      {"two images spread on two nodes, prefer the larger image one",
       ImagePod({"gcr.io/40", "gcr.io/250"}),
       {node403002000, node25010},
       {0, 5}},
      // machine1: 100 * ((40MB + 300MB)/2 - 23MB) / (2000MB - 23MB) = 7.
      {"two images on one node, prefer this node",
       ImagePod({"gcr.io/40", "gcr.io/300"}),
       {node403002000, node25010},
       {7, 0}},
      // machine1: 100 * (2000MB/2 - 23MB) / (2000MB - 23MB) = 49.
      {"if exceed limit, use limit",
       ImagePod({"gcr.io/10", "gcr.io/2000"}),
       {node403002000, node25010},
       {49, 0}},
      // machine1: 100 * (2000MB/3 - 23MB) / (2000MB - 23MB) = 32.
      {"if exceed limit, use limit (with node which has no images present)",
       ImagePod({"gcr.io/10", "gcr.io/2000"}),
       {node403002000, node25010, no_images},
       {32, 0, 0}},
      // One container: 100 * (2000MB/2 - 23MB) / (1000MB - 23MB) = 100.
      {"one container at the limit",
       ImagePod({"gcr.io/2000"}),
       {node403002000, node25010},
       {100, 0}},
      {"init containers' images count too",
       ImagePod({"gcr.io/40"}, {"gcr.io/300"}),
       {node403002000, node25010},
       {7, 0}},
      {"a tag selects the image by that name",
       ImagePod({"gcr.io/300:v1", "gcr.io/40:v2"}),
       {node403002000, node25010},
       {6, 0}},
      {"a pod without containers scores 0", ImagePod({}), {node403002000}, {0}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(ImageScores(*c.pod, c.nodes) == c.want);
  }
}

TEST_CASE("ImageLocality: images spread over every node weigh less") {
  // 600MB on both of two nodes counts 600MB; on one of two, 300MB.
  const NodePtr a = ImageNode("a", {{{"gcr.io/600:latest"}, 600 * kMB}});
  const NodePtr b = ImageNode("b", {{{"gcr.io/600:latest"}, 600 * kMB}});
  const NodePtr c = ImageNode("c", {});
  // 100 * (600 - 23) / 977 = 59; 100 * (300 - 23) / 977 = 28.
  CHECK(ImageScores(*ImagePod({"gcr.io/600"}), {a, b}) == std::vector<int64_t>{59, 59});
  CHECK(ImageScores(*ImagePod({"gcr.io/600"}), {a, c}) == std::vector<int64_t>{28, 0});
}

TEST_CASE("ImageLocality: Docker Hub short names match the runtime's full names") {
  const NodePtr node = ImageNode(
      "n", {{{"docker.io/library/nginx:latest", "docker.io/library/nginx@sha256:abc"}, 500 * kMB},
            {{"docker.io/me/app:1.0"}, 500 * kMB}});
  // 100 * (500MB - 23MB) / (1000MB - 23MB) = 48.
  for (const std::string image : {"nginx", "nginx:latest", "docker.io/library/nginx",
                                  "library/nginx:latest", "nginx@sha256:abc", "me/app:1.0"}) {
    CAPTURE(image);
    CHECK(ImageScores(*ImagePod({image}), {node}) == std::vector<int64_t>{48});
  }
  CHECK(ImageScores(*ImagePod({"nginx:1.25"}), {node}) == std::vector<int64_t>{0});
  CHECK(ImageScores(*ImagePod({"quay.io/nginx"}), {node}) == std::vector<int64_t>{0});
}

TEST_CASE("NormalizedImageName (image_locality_test.go TestNormalizedImageName)") {
  const std::string digest = "sha256:4a2e8d7a7d2a1b0c";
  CHECK(NormalizedImageName("root") == "root:latest");
  CHECK(NormalizedImageName("gcr.io:5000/root") == "gcr.io:5000/root:latest");
  CHECK(NormalizedImageName("root:tag") == "root:tag");
  CHECK(NormalizedImageName("root@" + digest) == "root@" + digest);
}

TEST_CASE("DockerHubImageName") {
  CHECK(DockerHubImageName("nginx:latest") == "docker.io/library/nginx:latest");
  CHECK(DockerHubImageName("me/app:1") == "docker.io/me/app:1");
  CHECK(DockerHubImageName("gcr.io/x:latest") == "gcr.io/x:latest");
  CHECK(DockerHubImageName("localhost/x:latest") == "localhost/x:latest");
  CHECK(DockerHubImageName("registry:5000/x:latest") == "registry:5000/x:latest");
}

TEST_CASE("NewImageLocality") {
  scheduler::testing::FakeHandle handle;
  auto plugin = NewImageLocality(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "ImageLocality");
  CHECK(dynamic_cast<ScorePlugin*>(plugin->get()) != nullptr);
  CHECK(NewImageLocality(YAML::Load("{}"), handle).ok());
  auto bad = NewImageLocality(YAML::Load("{size: 1}"), handle);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == R"(ImageLocality: unknown field "size")");
}

}  // namespace pk::scheduler::plugins
