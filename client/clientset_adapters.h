// The leader elector's LeaseStore and the event recorder's EventSink over a Clientset, so
// components elect and record through the apiserver like any other client.
//
// Thread-safe: both only call the clientset's typed clients, which are.
#pragma once

#include <memory>
#include <string>

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "client/leader_elector.h"

namespace pk::client {

// The Lease `ns`/`name` (coordination.k8s.io/v1) -- the one place an elector's Lease is
// named. Update sends the read resourceVersion, so a stale one fails with Conflict; each
// call's deadline is the timeout it is given. The clientset's connection is shared.
std::unique_ptr<LeaseStore> NewLeaseStore(const Clientset& clientset, const std::string& ns,
                                          const std::string& name);

// Writes Events into their own namespace with create and (unconditional) update; each call's
// deadline is the timeout it is given.
std::unique_ptr<EventSink> NewEventSink(const Clientset& clientset);

}  // namespace pk::client
