// A component's channel to the apiserver after the apiserver restarts: the calls a component
// makes fail fast while the channel has no connection, so nothing in the process waits on the
// new connection. gRPC then moves the TLS handshake on only at its backup poll, once every 5 s
// by default (grpc/grpc#28866): after a 0.3 s restart a controller-manager was cut off for
// 10-30 s, and its controllers' per-key back-off had grown to as long again (client/channel.h).
//
// The apiserver runs in its own process, as in a cluster: a server in the test's process would
// poll the client's sockets too and hide the stall.
#include <chrono>
#include <thread>

#include "client/channel.h"
#include "client/errors.h"
#include "tests/integration/cluster_fixture.h"

namespace pk::testing {
namespace {

using namespace std::chrono_literals;

// Lists nodes until one call succeeds or `limit` passes, every 10 ms, each failing fast.
bool AnswersWithin(const client::Clientset& clientset, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (clientset.Nodes().List().ok()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST_CASE("after an apiserver restart, a component that calls rarely finds its channel connected") {
  ClusterFixture c({Nodes("node", 1)});
  // A component's channel, kept across the restart (the fixture's own is made anew).
  client::Clientset component(
      client::NewApiChannel(c.cluster().grpc_target(), c.cluster().AdminCredentials()));
  REQUIRE(AnswersWithin(component, 10s));

  c.cluster().Kill("apiserver");
  auto down = component.Nodes().List();
  REQUIRE_FALSE(down.ok());
  CHECK_MESSAGE(client::IsUnavailable(down.status()), down.status().ToString());
  // Calls while it is down: the channel is in TRANSIENT_FAILURE, backing off between attempts.
  CHECK_FALSE(AnswersWithin(component, 300ms));

  REQUIRE_MESSAGE(c.cluster().StartComponent("apiserver").ok(), c.Diagnose());
  // No call meanwhile, as a controller backing off makes none: the channel reconnects on its
  // own, after at most 1.2 s of back-off (1 s, jittered) and a handshake polled every 100 ms.
  // With the default backup poll the handshake needs two polls 5 s apart (the server's reply
  // to the first arrives after it), so 4 s tells the two apart.
  std::this_thread::sleep_for(4s);
  auto up = component.Nodes().List();
  CHECK_MESSAGE(up.ok(), up.status().ToString());
}

}  // namespace
}  // namespace pk::testing
