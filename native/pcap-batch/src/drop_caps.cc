// Drop every Linux capability from every thread of the process, once the capture handles are open.
//
// Why native, and why every thread: capabilities are a per-thread attribute in Linux. capset(2) and
// prctl(2) change only the calling thread, and a Node process has many (V8's platform workers, libuv's
// thread pool, the inspector's); a thread that kept CAP_NET_RAW is a place an attacker who gets code
// execution could take it back from (its memory is the process's). glibc broadcasts setuid() to all
// threads, which is why `--user` already cleared everything, but there is no such wrapper for
// capset(). So this does what libpsx does: a signal is sent to each thread in turn (tgkill), whose
// handler clears the thread's bounding, ambient, inheritable, permitted and effective sets and sets
// no_new_privs (all plain system calls: async-signal-safe); the caller waits for each to answer. The
// result is then read back from /proc/self/task/*/status, so a thread that did not answer (signals
// blocked) or a set that did not clear is reported, never assumed.
//
// The one thread that cannot be reached this way: Node's SIGUSR1 watchdog (inspector_agent.cc,
// StartDebugSignalHandler) blocks every signal and only ever waits on a semaphore and wakes the main
// loop. It keeps the start-up sets; torwatch reports it (privileges.ts), and the unit's bounding set
// (CAP_NET_RAW only) and NoNewPrivileges bound what it holds.
//
// Threads created later inherit the state of their creator, which no longer has anything.

#include "drop_caps.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

namespace {

std::atomic<int> g_answered{0};
std::atomic<int> g_failures{0};
int g_last_cap = 40;

void DropThisThread() {
  bool ok = true;
  // The bounding set needs CAP_SETPCAP to shrink; without it (a non-root service user) EPERM is fine:
  // with permitted and inheritable empty and no_new_privs set, nothing can be gained from it.
  for (int c = 0; c <= g_last_cap; c++) syscall(SYS_prctl, PR_CAPBSET_DROP, c, 0, 0, 0);
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) ok = false;
  struct __user_cap_header_struct head;
  head.version = _LINUX_CAPABILITY_VERSION_3;
  head.pid = 0;
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &head, data) != 0) ok = false;
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ok = false;
  if (!ok) g_failures.fetch_add(1);
}

void OnSignal(int) {
  int saved = errno;
  DropThisThread();
  g_answered.fetch_add(1);
  errno = saved;
}

std::set<long> ThreadIds() {
  std::set<long> out;
  DIR* d = opendir("/proc/self/task");
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    out.insert(strtol(e->d_name, nullptr, 10));
  }
  closedir(d);
  return out;
}

int ReadLastCap() {
  FILE* f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  int v = 40;
  if (f) {
    if (fscanf(f, "%d", &v) != 1) v = 40;
    fclose(f);
  }
  return v;
}

/** Does thread `tid` block signal `sig` (SigBlk in its status)? Such a thread would never answer. */
bool Blocks(long tid, int sig) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
  FILE* f = fopen(path, "r");
  if (!f) return false;
  bool blocked = false;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "SigBlk:", 7) == 0) {
      unsigned long long mask = strtoull(line + 7, nullptr, 16);
      blocked = (mask >> (sig - 1)) & 1ULL;
      break;
    }
  }
  fclose(f);
  return blocked;
}

/** A thread's capability sets still holding something, as "CapEff=..."; empty when all are clear. */
std::string Leftover(long tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
  FILE* f = fopen(path, "r");
  if (!f) return "";  // the thread ended
  std::string out;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    for (const char* k : {"CapInh:", "CapPrm:", "CapEff:", "CapAmb:"}) {
      size_t n = strlen(k);
      if (strncmp(line, k, n) != 0) continue;
      unsigned long long v = strtoull(line + n, nullptr, 16);
      if (v != 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s%s%llx", out.empty() ? "" : ",", k, v);
        out += buf;
      }
    }
  }
  fclose(f);
  return out;
}

}  // namespace

DropResult DropAllCapabilities() {
  DropResult r;
  g_last_cap = ReadLastCap();
  const int sig = SIGRTMIN + 3;
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = OnSignal;
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_RESTART;
  sigaction(sig, &act, &old);
  const long self = syscall(SYS_gettid);
  const pid_t pid = getpid();
  std::set<long> done;
  // Rounds, in case a thread is created while the others are visited (each is visited once).
  for (int round = 0; round < 4; round++) {
    bool fresh = false;
    for (long tid : ThreadIds()) {
      if (tid == self || done.count(tid)) continue;
      fresh = true;
      done.insert(tid);
      if (Blocks(tid, sig)) {
        r.unanswered.push_back(tid);
        continue;
      }
      int before = g_answered.load();
      if (syscall(SYS_tgkill, pid, tid, sig) != 0) continue;  // it ended meanwhile
      struct timespec ms = {0, 1000000};
      for (int waited = 0; waited < 1000 && g_answered.load() == before; waited++) nanosleep(&ms, nullptr);
      if (g_answered.load() == before) r.unanswered.push_back(tid);
    }
    if (!fresh) break;
  }
  DropThisThread();
  sigaction(sig, &old, nullptr);
  r.threads = static_cast<int>(done.size()) + 1;
  r.failures = g_failures.load();
  for (long tid : ThreadIds()) {
    std::string left = Leftover(tid);
    if (!left.empty()) r.leftovers.push_back(std::to_string(tid) + ":" + left);
  }
  return r;
}
