// A leader-election candidate process for leader_election_process_test.sh: campaigns for a
// Lease through the apiserver's gRPC face and prints "leading <identity>" when it leads.
// Usage: leader_candidate GRPC_ADDRESS IDENTITY LEASE_NAME
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "client/clientset.h"
#include "client/clientset_adapters.h"
#include "client/leader_elector.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: leader_candidate GRPC_ADDRESS IDENTITY LEASE_NAME\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  pk::client::Clientset clientset(grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  auto store = pk::client::NewLeaseStore(clientset, "kube-system", argv[3]);  // names the Lease
  pk::client::LeaderElectionConfig config;
  config.identity = argv[2];
  // Short periods so that the test's hand-over takes about a second.
  config.lease_duration = std::chrono::milliseconds(1500);
  config.renew_deadline = std::chrono::milliseconds(1000);
  config.retry_period = std::chrono::milliseconds(200);
  std::string identity = argv[2];
  config.on_started_leading = [identity] {
    std::printf("leading %s\n", identity.c_str());
    std::fflush(stdout);
  };
  auto elector = pk::client::LeaderElector::New(config, store.get());
  if (!elector.ok()) {
    std::fprintf(stderr, "leader_candidate: %s\n", elector.status().ToString().c_str());
    return 1;
  }
  (*elector)->Start();
  int signal = 0;
  sigwait(&stop, &signal);
  (*elector)->Stop();
  return 0;
}
