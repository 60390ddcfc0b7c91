// Kubernetes-JSON codec speed on a real Pod (tests/fixtures/pod-running.json, 3.9 KB with
// managedFields): decode JSON -> message, encode message -> JSON, and the protobuf binary form
// the store keeps, for comparison; and the managedFields a create of it gets, through its JSON
// (patch::TrackUpdate) and read off the message (patch::TrackCreate, what the apiserver uses).
// One thread, a fixed number of iterations per row.
// Usage: codec_bench [--iterations=N]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "apimachinery/codec.h"
#include "apimachinery/codec_value.h"
#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "apiserver/patch/patch.h"

namespace pk {
namespace {

std::string ReadFixture() {
  const char* root = std::getenv("PK_SOURCE_DIR");
  std::string path =
      std::string(root ? root : PK_SOURCE_DIR_DEFAULT) + "/tests/fixtures/pod-running.json";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Row {
  std::string name;
  double ops_per_s;
  double mb_per_s;
};

Row Measure(const std::string& name, int iterations, size_t bytes,
            const std::function<void()>& op) {
  for (int i = 0; i < iterations / 10; ++i) op();  // warm-up
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) op();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {name, iterations / secs, iterations * bytes / secs / 1e6};
}

int Run(int iterations) {
  const Scheme& scheme = Scheme::Builtin();
  const std::string json = ReadFixture();
  auto pod = scheme.DecodeAny(json, nullptr);
  if (json.empty() || !pod.ok()) {
    std::fprintf(stderr, "codec_bench: cannot read the Pod fixture\n");
    return 1;
  }
  const std::string binary = (*pod)->SerializeAsString();
  std::unique_ptr<google::protobuf::Message> scratch((*pod)->New());
  std::unique_ptr<google::protobuf::Message> created((*pod)->New());  // as a create carries it
  created->CopyFrom(**pod);
  MutableObjectMeta(created.get())->clear_managed_fields();
  const auto* type = created->GetDescriptor();
  const char* now = "2024-01-01T00:00:00Z";
  Row rows[] = {
      Measure("decode JSON", iterations, json.size(),
              [&] { (void)json::Decode(json, scratch.get(), nullptr); }),
      Measure("encode JSON", iterations, json.size(),
              [&] { std::string out = scheme.Encode(**pod); }),
      Measure("parse protobuf", iterations, binary.size(),
              [&] { scratch->ParseFromString(binary); }),
      Measure("serialize protobuf", iterations, binary.size(),
              [&] { std::string out = (*pod)->SerializeAsString(); }),
      Measure("create fields (JSON)", iterations, json.size(),
              [&] {
                auto doc = json::ToJsonValue(*created);
                patch::TrackUpdate(nullptr, &*doc, type, "m", now, "v1");
              }),
      Measure("create fields (msg)", iterations, json.size(),
              [&] { (void)patch::TrackCreate(*created, "m", now, "v1"); }),
  };
  std::printf("%-22s %12s %10s\n", "operation (Pod)", "ops/s", "MB/s");
  for (const Row& r : rows)
    std::printf("%-22s %12.0f %10.1f\n", r.name.c_str(), r.ops_per_s, r.mb_per_s);
  std::printf("codec: Pod JSON encode %.0f/s, decode %.0f/s (%zu bytes)\n", rows[1].ops_per_s,
              rows[0].ops_per_s, json.size());
  return 0;
}

}  // namespace
}  // namespace pk

int main(int argc, char** argv) {
  int iterations = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--iterations=", 0) == 0) iterations = std::atoi(arg.c_str() + 13);
  }
  return pk::Run(iterations > 0 ? iterations : 20000);
}
