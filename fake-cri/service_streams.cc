// Each stream registers how to end it with the ServiceContext, so stopping fake-cri ends it;
// its writer outlives the reactor (shared) because the runtime may still call in afterwards.
#include "fake-cri/service_streams.h"

namespace pk::fakecri {
namespace {

// Registers the stream so that stopping fake-cri ends it (UNAVAILABLE); when fake-cri is
// already stopping, ends it now and returns false.
template <class Writer>
bool Register(ServiceContext& c, const std::shared_ptr<Writer>& writer, uint64_t* id) {
  std::weak_ptr<Writer> weak = writer;
  auto close = [weak] {
    if (auto w = weak.lock()) w->Close(grpc::Status(grpc::UNAVAILABLE, "fake-cri is stopping"));
  };
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.closed) {
      *id = ++c.next_stream;
      c.streams[*id] = std::move(close);
      return true;
    }
  }
  close();
  return false;
}

void Unregister(ServiceContext& c, uint64_t id) {
  std::lock_guard<std::mutex> lock(c.mu);
  c.streams.erase(id);
}

class EventStream final : public grpc::ServerWriteReactor<cri::ContainerEventResponse> {
  using Writer = StreamWriter<grpc::ServerWriteReactor<cri::ContainerEventResponse>,
                              cri::ContainerEventResponse>;

 public:
  explicit EventStream(ServiceContext& c) : c_(c), writer_(std::make_shared<Writer>(this)) {
    if (!Register(c_, writer_, &stream_id_)) return;
    std::weak_ptr<Writer> weak = writer_;
    subscription_ = c_.runtime->Subscribe([weak](const cri::ContainerEventResponse& e) {
      auto w = weak.lock();
      if (w && !w->Write(e)) {
        w->Close(grpc::Status(grpc::RESOURCE_EXHAUSTED, "event stream reader too slow"));
      }
    });
  }
  void OnWriteDone(bool ok) override { writer_->OnWriteDone(ok); }
  void OnCancel() override { writer_->Close(grpc::Status::CANCELLED); }
  void OnDone() override {
    writer_->Detach();
    if (subscription_ != 0) c_.runtime->Unsubscribe(subscription_);
    Unregister(c_, stream_id_);
    delete this;
  }

 private:
  ServiceContext& c_;
  std::shared_ptr<Writer> writer_;
  uint64_t stream_id_ = 0;
  uint64_t subscription_ = 0;
};

class ExecStream final : public grpc::ServerBidiReactor<cri::ExecInput, cri::ExecOutput> {
  using Writer =
      StreamWriter<grpc::ServerBidiReactor<cri::ExecInput, cri::ExecOutput>, cri::ExecOutput>;

 public:
  explicit ExecStream(ServiceContext& c) : c_(c), writer_(std::make_shared<Writer>(this)) {
    if (!Register(c_, writer_, &stream_id_)) return;
    StartRead(&first_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) return writer_->Close(grpc::Status(grpc::INVALID_ARGUMENT, "no ExecRequest sent"));
    const cri::ExecRequest& r = first_.request();
    std::weak_ptr<Writer> weak = writer_;
    c_.runtime->Exec(
        r.container_id(), {r.cmd().begin(), r.cmd().end()}, 0,
        [weak](const std::string& out, const std::string& err) {
          cri::ExecOutput chunk;
          chunk.set_stdout(out);
          chunk.set_stderr(err);
          if (auto w = weak.lock()) w->Write(std::move(chunk));
        },
        [weak](Result<int> code) {
          auto w = weak.lock();
          if (!w) return;
          if (!code.ok()) return w->Close(ToGrpc(code.status()));
          cri::ExecOutput last;
          last.set_exited(true);
          last.set_exit_code(*code);
          w->Write(std::move(last));
          w->Close(grpc::Status::OK);
        });
  }
  void OnWriteDone(bool ok) override { writer_->OnWriteDone(ok); }
  void OnCancel() override { writer_->Close(grpc::Status::CANCELLED); }
  void OnDone() override {
    writer_->Detach();
    Unregister(c_, stream_id_);
    delete this;
  }

 private:
  ServiceContext& c_;
  std::shared_ptr<Writer> writer_;
  cri::ExecInput first_;  // stdin after it is not read: the safe shell reads no input
  uint64_t stream_id_ = 0;
};

}  // namespace

grpc::ServerBidiReactor<cri::ExecInput, cri::ExecOutput>* NewExecStream(ServiceContext& c) {
  return new ExecStream(c);
}

grpc::ServerWriteReactor<cri::ContainerEventResponse>* NewEventStream(ServiceContext& c) {
  return new EventStream(c);
}

}  // namespace pk::fakecri
