// Process-wide settings every picokube daemon applies first thing in main(): each of them
// allocates and locks on every request or watch event, through gRPC.
#pragma once

namespace pk {

// Turns off Abseil's Mutex deadlock detection and keeps freed heap in the process. Call it
// before any thread starts. Safe to call more than once.
void TuneProcess();

}  // namespace pk
