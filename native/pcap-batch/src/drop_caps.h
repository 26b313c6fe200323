// See drop_caps.cc: clear every capability from every thread, and report what could not be cleared.
#pragma once

#include <string>
#include <vector>

struct DropResult {
  /** Threads visited, this one included. */
  int threads = 0;
  /** Threads whose system calls failed. */
  int failures = 0;
  /** Threads that never ran the handler (signals blocked): their capabilities are unchanged. */
  std::vector<long> unanswered;
  /** "tid:CapEff=..." for every thread that still holds a capability afterwards (read back from /proc). */
  std::vector<std::string> leftovers;
};

DropResult DropAllCapabilities();
