// FakeCri: the runtime and its three services on one unix socket.
#include "fake-cri/fake_cri.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <filesystem>
#include <fstream>

#include "fake-cri/service.h"

namespace pk::fakecri {

struct FakeCri::State {
  Options options;
  std::string temp_dir;  // made for an empty state_dir; removed on stop
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Timer> latency_timer;
  ServiceContext context;
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::unique_ptr<grpc::Server> server;
};

// The how-many-th start of a runtime over this state dir (ids derive from it, so a restarted
// fake-cri never hands out an id the kubelet knew); with a temp state dir, the start time.
static uint64_t NextBoot(const FakeCri::State& state) {
  if (!state.temp_dir.empty()) {
    return uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
  }
  std::filesystem::path file = std::filesystem::path(state.options.state_dir) / "boot";
  uint64_t boot = 0;
  std::ifstream(file) >> boot;
  std::ofstream(file, std::ios::trunc) << ++boot;
  return boot;
}

Result<std::unique_ptr<FakeCri>> FakeCri::Start(const Options& options) {
  if (options.socket_path.empty()) return Status::BadRequest("fake-cri: a socket path is required");
  if (!(options.time_scale > 0) || options.time_scale > 1000) {
    return Status::BadRequest("fake-cri: time scale must be > 0 and <= 1000");
  }
  Result<Catalog> catalog = Catalog::Load(options.catalog_path);
  if (!catalog.ok()) return catalog.take_status();
  auto state = std::make_unique<State>();
  state->options = options;
  std::error_code error;
  if (options.state_dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "fake-cri-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      return Status::InternalError("fake-cri: mkdtemp failed");
    state->temp_dir = state->options.state_dir = pattern;
  } else if (!std::filesystem::create_directories(options.state_dir, error) && error) {
    return Status::InternalError("fake-cri: cannot create " + options.state_dir + ": " +
                                 error.message());
  }
  RuntimeOptions runtime_options;
  runtime_options.catalog = std::move(catalog).value();
  runtime_options.time_scale = options.time_scale;
  runtime_options.seed = options.seed;
  runtime_options.boot = NextBoot(*state);
  runtime_options.state_dir = state->options.state_dir;
  state->runtime = std::make_unique<Runtime>(std::move(runtime_options));
  state->latency_timer = std::make_unique<Timer>(client::RealClock());
  state->context.runtime = state->runtime.get();
  state->context.timer = state->latency_timer.get();
  state->services.push_back(NewRuntimeService(state->context));
  state->services.push_back(NewImageService(state->context));
  state->services.push_back(NewAdminService(state->context));

  std::filesystem::remove(options.socket_path, error);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + options.socket_path, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(16 << 20);
  for (auto& service : state->services) builder.RegisterService(service.get());
  state->server = builder.BuildAndStart();
  if (state->server == nullptr) {
    return Status::InternalError("fake-cri: cannot serve on unix:" + options.socket_path);
  }
  return std::unique_ptr<FakeCri>(new FakeCri(std::move(state)));
}

FakeCri::FakeCri(std::unique_ptr<State> state) : state_(std::move(state)) {}

FakeCri::~FakeCri() {
  state_->context.Close();
  state_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  state_->server->Wait();
  state_->latency_timer.reset();
  state_->runtime.reset();
  std::error_code ignored;
  std::filesystem::remove(state_->options.socket_path, ignored);
  if (!state_->temp_dir.empty()) std::filesystem::remove_all(state_->temp_dir, ignored);
}

const std::string& FakeCri::socket_path() const { return state_->options.socket_path; }

}  // namespace pk::fakecri
