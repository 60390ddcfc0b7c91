// The streaming calls of RuntimeService: Exec and GetContainerEvents. Internal to fake-cri/.
#pragma once

#include "fake-cri/service.h"
#include "proto/cri/v1/api.grpc.pb.h"

namespace pk::fakecri {

// Reads the ExecRequest, runs it, streams stdout/stderr chunks and ends with the exit code.
grpc::ServerBidiReactor<cri::ExecInput, cri::ExecOutput>* NewExecStream(ServiceContext& context);

// Every container event from now on, until the client goes or fake-cri stops.
grpc::ServerWriteReactor<cri::ContainerEventResponse>* NewEventStream(ServiceContext& context);

}  // namespace pk::fakecri
