// Slow motion, for teaching (`scripts/up --slow-motion S`): before each hop of the documented
// pod flow — the apiserver storing a new pod, the scheduler binding it, the kubelet calling the
// runtime (sandbox, pull, create, start) and writing the status, a controller creating pods —
// the component waits S seconds, so a class can follow the pod in `kubectl get pods -w` and on
// the /ui/ page one hop at a time. Each component's main() sets it from --slow-motion; off (the
// default), a hop costs one relaxed atomic load.
#pragma once

#include <string_view>

namespace pk::slowmotion {

// Seconds each hop waits (0: off). Set before the component's threads start.
void Set(double seconds);
double Seconds();

// Waits Seconds() when slow motion is on, after logging "slow motion: <hop>" on stderr.
void Pause(std::string_view hop);

}  // namespace pk::slowmotion
