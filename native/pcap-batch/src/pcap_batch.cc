// torwatch's live-capture addon over libpcap (N-API, no other dependency).
//
// Why it exists: the `cap` package calls JavaScript once per packet and exposes no pcap_stats, so
// capture loss is invisible and the per-call overhead caps the packet rate. Here a native thread reads
// the pcap handle and copies packets into a few JS-owned "slot" buffers; one JS call hands over a whole
// slot (many packets), and pcap_stats (ps_recv, ps_drop, ps_ifdrop) is sampled by that thread.
//
// Slot layout: records back to back, each a 16-byte header then the packet bytes:
//   u32le ts_sec | u32le ts_nsec | u32le caplen | u32le wirelen | caplen bytes
//
// Ownership protocol (no copies, no races): a slot is either free, or being filled by the capture
// thread, or queued for / being read by JS. The JS callback reads the slot synchronously; when it
// returns, the slot is free again. If JS falls behind, every slot is busy and the capture thread waits:
// packets then queue in the kernel ring (--buffer-size) and, when that overflows, the kernel drops and
// counts them (ps_drop), which torwatch reports. Nothing is dropped silently here.
//
// Stop: stop() only raises a flag. The thread drains what the kernel already holds (bounded), hands
// over its last slot, takes final stats and releases the thread-safe function; when every queued batch
// has been delivered, the finalizer joins the thread, closes the handle and calls onStopped(stats).

#include <node_api.h>
#include <pcap/pcap.h>

#include "drop_caps.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kHeader = 16;
// How often the capture thread wakes without traffic (stop flag, stats sampling).
constexpr int kPollMs = 100;
constexpr int kStatsEveryMs = 250;

#define CHECK_NAPI(env, call)                                   \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      ThrowLastError(env, #call);                               \
      return nullptr;                                           \
    }                                                           \
  } while (0)

void ThrowLastError(napi_env env, const char* what) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  std::string msg = std::string("pcap_batch: ") + what + ": " + (info && info->error_message ? info->error_message : "N-API call failed");
  napi_throw_error(env, "EADDON", msg.c_str());
}

void ThrowCode(napi_env env, const char* code, const std::string& msg) { napi_throw_error(env, code, msg.c_str()); }

inline void PutU32le(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

struct Slot {
  uint8_t* data = nullptr;
  size_t cap = 0;
  size_t used = 0;
  uint32_t packets = 0;
  bool busy = false;
  napi_ref ref = nullptr;
};

struct KernelStats {
  bool valid = false;
  uint64_t recv = 0, drop = 0, ifdrop = 0;
};

enum MsgKind { kBatch, kError };
struct Msg {
  MsgKind kind;
  int slot;
  uint32_t bytes;
  uint32_t packets;
  std::string error;
};

struct Capture {
  pcap_t* p = nullptr;
  std::string device;
  int linktype = 0;
  bool nano = false;
  std::string warning;
  int stopFd = -1;

  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots;
  int cur = -1;  // slot being filled (capture thread only)
  std::atomic<bool> stopping{false};
  bool draining = false;  // capture thread only
  size_t drainedBytes = 0;  // capture thread only
  bool started = false;
  bool finished = false;  // finalizer ran: handle closed
  bool wrapperGone = false;

  napi_threadsafe_function tsfn = nullptr;
  napi_ref onStopped = nullptr;
  napi_env env = nullptr;

  size_t drainLimitBytes = 0;
  int timeoutMs = 100;
  int bufferBytes = 0;

  // Guarded by mu: read by JS through stats().
  KernelStats ks;
  uint64_t delivered = 0, deliveredBytes = 0, batches = 0, slotWaits = 0, discarded = 0;

  ~Capture() {
    if (stopFd >= 0) close(stopFd);
    if (p) pcap_close(p);
  }
};

// ---- capture thread -----------------------------------------------------------------------------

void SampleStats(Capture* c) {
  struct pcap_stat st;
  std::memset(&st, 0, sizeof st);
  if (pcap_stats(c->p, &st) == 0) {
    std::lock_guard<std::mutex> lk(c->mu);
    c->ks.valid = true;
    c->ks.recv = st.ps_recv;
    c->ks.drop = st.ps_drop;
    c->ks.ifdrop = st.ps_ifdrop;
  }
}

// Hand the slot being filled to JS (never blocks: the queue is unbounded, but at most slots.size()
// batches can be outstanding because a slot stays busy until JS has read it).
void Handoff(Capture* c) {
  if (c->cur < 0) return;
  Slot& s = c->slots[c->cur];
  if (s.packets == 0) return;  // keep the empty slot for the next packet
  Msg* m = new Msg{kBatch, c->cur, static_cast<uint32_t>(s.used), s.packets, std::string()};
  {
    std::lock_guard<std::mutex> lk(c->mu);
    c->delivered += s.packets;
    c->deliveredBytes += s.used;
    c->batches++;
  }
  int slot = c->cur;
  c->cur = -1;
  if (napi_call_threadsafe_function(c->tsfn, m, napi_tsfn_nonblocking) != napi_ok) {
    // The environment is shutting down: nobody will read this slot; stop capturing.
    delete m;
    std::lock_guard<std::mutex> lk(c->mu);
    c->slots[slot].busy = false;
    c->stopping.store(true);
  }
}

// Take a free slot, waiting while JS holds them all (the kernel ring absorbs the wait, and counts
// what it cannot hold). Once stopping, waits at most 2 s, so a wedged JS thread cannot hold shutdown.
bool Acquire(Capture* c) {
  std::unique_lock<std::mutex> lk(c->mu);
  auto freeSlot = [&]() -> int {
    for (size_t i = 0; i < c->slots.size(); i++)
      if (!c->slots[i].busy) return static_cast<int>(i);
    return -1;
  };
  int i = freeSlot();
  if (i < 0) c->slotWaits++;
  bool timedWaitDone = false;
  while (i < 0) {
    if (c->stopping.load()) {
      if (timedWaitDone) return false;
      c->cv.wait_for(lk, std::chrono::seconds(2), [&] { return freeSlot() >= 0; });
      timedWaitDone = true;
    } else {
      c->cv.wait(lk, [&] { return freeSlot() >= 0 || c->stopping.load(); });
    }
    i = freeSlot();
  }
  c->slots[i].busy = true;
  c->slots[i].used = 0;
  c->slots[i].packets = 0;
  c->cur = i;
  return true;
}

void OnPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
  Capture* c = reinterpret_cast<Capture*>(user);
  size_t caplen = h->caplen;
  if (c->cur >= 0 && c->slots[c->cur].used + kHeader + caplen > c->slots[c->cur].cap) Handoff(c);
  if (c->cur < 0 && !Acquire(c)) {
    std::lock_guard<std::mutex> lk(c->mu);
    c->discarded++;
    pcap_breakloop(c->p);
    return;
  }
  Slot& s = c->slots[c->cur];
  if (kHeader + caplen > s.cap) caplen = s.cap - kHeader;  // slots are >= snaplen + header; belt and braces
  uint8_t* o = s.data + s.used;
  uint32_t frac = static_cast<uint32_t>(h->ts.tv_usec);
  PutU32le(o, static_cast<uint32_t>(h->ts.tv_sec));
  PutU32le(o + 4, c->nano ? frac : frac * 1000u);
  PutU32le(o + 8, static_cast<uint32_t>(caplen));
  PutU32le(o + 12, h->len);
  std::memcpy(o + kHeader, bytes, caplen);
  s.used += kHeader + caplen;
  s.packets++;
  if (c->draining) c->drainedBytes += kHeader + caplen;
}

void PostError(Capture* c, const std::string& e) {
  Msg* m = new Msg{kError, -1, 0, 0, e};
  if (napi_call_threadsafe_function(c->tsfn, m, napi_tsfn_nonblocking) != napi_ok) delete m;
}

void CaptureThread(Capture* c) {
  // Named for top, /proc and `npm run bench:live` (15 characters at most).
  pthread_setname_np(pthread_self(), ("twcap " + c->device).substr(0, 15).c_str());
  int fd = pcap_get_selectable_fd(c->p);
  auto lastStats = std::chrono::steady_clock::now() - std::chrono::hours(1);
  std::string error;
  while (!c->stopping.load()) {
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {c->stopFd, POLLIN, 0}};
    int r = poll(fds, 2, kPollMs);
    if (r < 0 && errno != EINTR) {
      error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (c->stopping.load()) break;
    // Read everything the kernel holds now (the slot is handed over whenever it fills).
    for (;;) {
      int n = pcap_dispatch(c->p, -1, OnPacket, reinterpret_cast<u_char*>(c));
      if (n == PCAP_ERROR) {
        error = pcap_geterr(c->p);
        break;
      }
      if (n <= 0 || c->stopping.load()) break;  // 0: nothing more now; PCAP_ERROR_BREAK: stopping
    }
    if (!error.empty()) break;
    Handoff(c);
    auto now = std::chrono::steady_clock::now();
    if (now - lastStats >= std::chrono::milliseconds(kStatsEveryMs)) {
      SampleStats(c);
      lastStats = now;
    }
  }
  if (error.empty()) {
    // Drain what the kernel captured before the stop. With TPACKET_V3 the newest packets sit in a
    // block the kernel retires only when it fills or its timeout (pcap_set_timeout) expires, so keep
    // reading for one timeout and a little more. Bounded in time and bytes: a flood cannot hold shutdown.
    c->draining = true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(c->timeoutMs + 50);
    while (c->drainedBytes < c->drainLimitBytes) {
      int n = pcap_dispatch(c->p, -1, OnPacket, reinterpret_cast<u_char*>(c));
      if (n < 0) break;
      if (n > 0) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      struct pollfd pfd = {fd, POLLIN, 0};
      poll(&pfd, 1, static_cast<int>(left));
    }
    Handoff(c);
  } else {
    Handoff(c);
    PostError(c, error);
  }
  SampleStats(c);
  napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
}

// ---- JS thread ----------------------------------------------------------------------------------

napi_value StatsObject(napi_env env, Capture* c) {
  napi_value o, v;
  napi_create_object(env, &o);
  std::lock_guard<std::mutex> lk(c->mu);
  auto num = [&](const char* k, double x) {
    napi_create_double(env, x, &v);
    napi_set_named_property(env, o, k, v);
  };
  if (c->ks.valid) {
    num("recv", static_cast<double>(c->ks.recv));
    num("drop", static_cast<double>(c->ks.drop));
    num("ifdrop", static_cast<double>(c->ks.ifdrop));
  }
  num("delivered", static_cast<double>(c->delivered));
  num("deliveredBytes", static_cast<double>(c->deliveredBytes));
  num("batches", static_cast<double>(c->batches));
  num("slotWaits", static_cast<double>(c->slotWaits));
  num("discarded", static_cast<double>(c->discarded));
  return o;
}

void CallJs(napi_env env, napi_value jsCb, void* context, void* data) {
  Capture* c = static_cast<Capture*>(context);
  Msg* m = static_cast<Msg*>(data);
  if (env != nullptr && jsCb != nullptr) {
    napi_value undef, args[4], result;
    napi_get_undefined(env, &undef);
    if (m->kind == kBatch) {
      napi_create_int32(env, m->slot, &args[0]);
      napi_create_uint32(env, m->bytes, &args[1]);
      napi_create_uint32(env, m->packets, &args[2]);
      args[3] = undef;
    } else {
      napi_create_int32(env, -1, &args[0]);
      napi_create_uint32(env, 0, &args[1]);
      napi_create_uint32(env, 0, &args[2]);
      napi_create_string_utf8(env, m->error.c_str(), m->error.size(), &args[3]);
    }
    napi_status st = napi_call_function(env, undef, jsCb, 4, args, &result);
    if (st == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);  // a bug in the sink: surface it as an uncaught exception
    }
  }
  if (m->kind == kBatch) {
    std::lock_guard<std::mutex> lk(c->mu);
    c->slots[m->slot].busy = false;
    c->slots[m->slot].used = 0;
    c->slots[m->slot].packets = 0;
    c->cv.notify_one();
  }
  delete m;
}

void FinalizeTsfn(napi_env env, void* finalizeData, void* /*hint*/) {
  Capture* c = static_cast<Capture*>(finalizeData);
  if (c->thread.joinable()) c->thread.join();
  napi_value stats = StatsObject(env, c);
  for (Slot& s : c->slots)
    if (s.ref) {
      napi_delete_reference(env, s.ref);
      s.ref = nullptr;
    }
  if (c->p) {
    pcap_close(c->p);
    c->p = nullptr;
  }
  c->finished = true;
  if (c->onStopped) {
    napi_value cb, undef, result;
    napi_get_reference_value(env, c->onStopped, &cb);
    napi_get_undefined(env, &undef);
    napi_delete_reference(env, c->onStopped);
    c->onStopped = nullptr;
    if (cb) napi_call_function(env, undef, cb, 1, &stats, &result);
  }
  if (c->wrapperGone) delete c;
}

void FinalizeWrapper(napi_env /*env*/, void* data, void* /*hint*/) {
  Capture* c = static_cast<Capture*>(data);
  // While the thread runs, the thread-safe function's finalizer owns the cleanup.
  if (c->started && !c->finished) {
    c->wrapperGone = true;
    return;
  }
  delete c;
}

// obj[key] when it is there and of type `want` (an option left out or of another type keeps its default).
bool GetNamedOfType(napi_env env, napi_value obj, const char* key, napi_valuetype want, napi_value* v) {
  bool has = false;
  napi_has_named_property(env, obj, key, &has);
  if (!has) return false;
  napi_get_named_property(env, obj, key, v);
  napi_valuetype t;
  napi_typeof(env, *v, &t);
  return t == want;
}

bool GetNamedInt(napi_env env, napi_value obj, const char* key, int64_t* out) {
  napi_value v;
  if (!GetNamedOfType(env, obj, key, napi_number, &v)) return false;
  napi_get_value_int64(env, v, out);
  return true;
}

bool GetNamedBool(napi_env env, napi_value obj, const char* key, bool* out) {
  napi_value v;
  if (!GetNamedOfType(env, obj, key, napi_boolean, &v)) return false;
  napi_get_value_bool(env, v, out);
  return true;
}

bool GetNamedString(napi_env env, napi_value obj, const char* key, std::string* out) {
  napi_value v;
  if (!GetNamedOfType(env, obj, key, napi_string, &v)) return false;
  size_t len = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &len);
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
  *out = s;
  return true;
}

const char* ActivateErrorCode(int rc) {
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "ENODEV";
    case PCAP_ERROR_PERM_DENIED: return "EPERM";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "EPERM";
    case PCAP_ERROR_IFACE_NOT_UP: return "ENETDOWN";
    default: return "EPCAP";
  }
}

// Join the handle's packet socket to a kernel fanout group: the kernel spreads the interface's packets
// over the group's sockets, each read by its own thread and worker. The group is PACKET_FANOUT_CBPF:
// the program (torwatch's src/capture/live/fanout-program.ts, classic BPF: a hash of the two IP
// addresses) picks the socket. (PACKET_FANOUT_HASH hashes the outer 5-tuple and split a VXLAN flow's
// two directions; see the README, Every core.) Every member sets the same program (the group keeps
// the last). Returns "" or what failed.
std::string JoinFanout(pcap_t* p, int64_t group, const std::vector<sock_filter>& prog) {
  if (prog.empty()) return "a fanout group needs its program (fanoutProgram)";
  int fd = pcap_fileno(p);
  if (fd < 0) return "the handle has no socket to join to a fanout group";
  int arg = static_cast<int>((group & 0xffff) | (static_cast<int64_t>(PACKET_FANOUT_CBPF) << 16));
  if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) return std::string("setsockopt(PACKET_FANOUT): ") + std::strerror(errno);
  sock_fprog fprog;
  fprog.len = static_cast<unsigned short>(prog.size());
  fprog.filter = const_cast<sock_filter*>(prog.data());
  if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fprog, sizeof fprog) != 0) return std::string("setsockopt(PACKET_FANOUT_DATA): ") + std::strerror(errno);
  return "";
}

// options.fanoutProgram: [code, jt, jf, k] per instruction, flattened. Absent: none (true, empty);
// false (and `err`) when malformed.
bool GetFanoutProgram(napi_env env, napi_value obj, std::vector<sock_filter>* out, std::string* err) {
  napi_value v;
  bool has = false;
  napi_has_named_property(env, obj, "fanoutProgram", &has);
  if (!has) return true;
  napi_get_named_property(env, obj, "fanoutProgram", &v);
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  if (!isArray) return true;  // undefined: no program
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  if (n == 0 || n % 4 != 0 || n / 4 > 4096) {
    *err = "fanoutProgram must hold 1 to 4096 instructions of four numbers";
    return false;
  }
  out->resize(n / 4);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    uint32_t x = 0;
    if (napi_get_element(env, v, i, &e) != napi_ok || napi_get_value_uint32(env, e, &x) != napi_ok) {
      *err = "fanoutProgram holds a value that is not a number";
      return false;
    }
    sock_filter& f = (*out)[i / 4];
    switch (i % 4) {
      case 0: f.code = static_cast<uint16_t>(x); break;
      case 1: f.jt = static_cast<uint8_t>(x); break;
      case 2: f.jf = static_cast<uint8_t>(x); break;
      default: f.k = x; break;
    }
  }
  return true;
}

// new Capture(device, {snaplen, promisc, timeoutMs, bufferBytes, immediate, filter, fanoutGroup, fanoutProgram})
// fanoutGroup: 0 = none, else a 16-bit group id every worker's handle on this interface joins.
napi_value New(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  if (argc < 2) {
    ThrowCode(env, "EINVAL", "Capture(device, options) needs two arguments");
    return nullptr;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], nullptr, 0, &len) != napi_ok) {
    ThrowCode(env, "EINVAL", "device must be a string");
    return nullptr;
  }
  std::string device(len, '\0');
  napi_get_value_string_utf8(env, argv[0], &device[0], len + 1, &len);

  int64_t snaplen = 262144, timeoutMs = 100, bufferBytes = 16 << 20;
  bool promisc = true, immediate = false;
  std::string filter;
  GetNamedInt(env, argv[1], "snaplen", &snaplen);
  GetNamedInt(env, argv[1], "timeoutMs", &timeoutMs);
  GetNamedInt(env, argv[1], "bufferBytes", &bufferBytes);
  GetNamedBool(env, argv[1], "promisc", &promisc);
  GetNamedBool(env, argv[1], "immediate", &immediate);
  GetNamedString(env, argv[1], "filter", &filter);
  int64_t fanoutGroup = 0;
  GetNamedInt(env, argv[1], "fanoutGroup", &fanoutGroup);
  std::vector<sock_filter> fanoutProgram;
  std::string progErr;
  if (!GetFanoutProgram(env, argv[1], &fanoutProgram, &progErr)) {
    ThrowCode(env, "EINVAL", progErr);
    return nullptr;
  }

  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  Capture* c = new Capture();
  c->device = device;
  c->p = pcap_create(device.c_str(), errbuf);
  if (!c->p) {
    delete c;
    ThrowCode(env, "EPCAP", errbuf);
    return nullptr;
  }
  pcap_set_snaplen(c->p, static_cast<int>(snaplen));
  pcap_set_promisc(c->p, promisc ? 1 : 0);
  pcap_set_timeout(c->p, static_cast<int>(timeoutMs));
  pcap_set_buffer_size(c->p, static_cast<int>(bufferBytes));
  pcap_set_immediate_mode(c->p, immediate ? 1 : 0);
  c->nano = pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
  int rc = pcap_activate(c->p);
  if (rc < 0) {
    std::string msg = pcap_statustostr(rc);
    const char* detail = pcap_geterr(c->p);
    if (detail && *detail && msg != detail) msg = detail;
    const char* code = ActivateErrorCode(rc);
    delete c;
    ThrowCode(env, code, msg);
    return nullptr;
  }
  if (rc > 0) {
    c->warning = pcap_statustostr(rc);
    const char* detail = pcap_geterr(c->p);
    if (detail && *detail && c->warning != detail) c->warning += std::string(": ") + detail;
  }
  if (c->nano && pcap_get_tstamp_precision(c->p) != PCAP_TSTAMP_PRECISION_NANO) c->nano = false;
  if (fanoutGroup != 0) {
    std::string err = JoinFanout(c->p, fanoutGroup, fanoutProgram);
    if (!err.empty()) {
      delete c;
      ThrowCode(env, "EFANOUT", err);
      return nullptr;
    }
  }
  if (!filter.empty()) {
    struct bpf_program prog;
    if (pcap_compile(c->p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      std::string msg = pcap_geterr(c->p);
      delete c;
      ThrowCode(env, "EBPF", msg);
      return nullptr;
    }
    int fr = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (fr != 0) {
      std::string msg = pcap_geterr(c->p);
      delete c;
      ThrowCode(env, "EBPF", msg);
      return nullptr;
    }
  }
  if (pcap_setnonblock(c->p, 1, errbuf) != 0) {
    delete c;
    ThrowCode(env, "EPCAP", errbuf);
    return nullptr;
  }
  c->linktype = pcap_datalink(c->p);
  c->bufferBytes = static_cast<int>(bufferBytes);
  c->timeoutMs = static_cast<int>(timeoutMs);
  c->drainLimitBytes = static_cast<size_t>(bufferBytes) * 2;
  c->stopFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (c->stopFd < 0) {
    delete c;
    ThrowCode(env, "EPCAP", std::string("eventfd: ") + std::strerror(errno));
    return nullptr;
  }
  if (napi_wrap(env, self, c, FinalizeWrapper, nullptr, nullptr) != napi_ok) {
    delete c;
    ThrowLastError(env, "napi_wrap");
    return nullptr;
  }
  return self;
}

Capture* Unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  void* data = nullptr;
  if (napi_unwrap(env, self, &data) != napi_ok || !data) {
    ThrowCode(env, "EINVAL", "not a Capture");
    return nullptr;
  }
  return static_cast<Capture*>(data);
}

// start(buffers: Buffer[], onBatch(slot, bytes, packets, error?), onStopped(stats))
napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Capture* c = Unwrap(env, info, &argc, argv);
  if (!c) return nullptr;
  if (c->started) {
    ThrowCode(env, "EINVAL", "already started");
    return nullptr;
  }
  if (argc < 3) {
    ThrowCode(env, "EINVAL", "start(buffers, onBatch, onStopped)");
    return nullptr;
  }
  uint32_t n = 0;
  bool isArray = false;
  napi_is_array(env, argv[0], &isArray);
  if (!isArray || napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0 || n > 64) {
    ThrowCode(env, "EINVAL", "buffers must be an array of 1..64 Buffers");
    return nullptr;
  }
  int snaplen = pcap_snapshot(c->p);
  c->slots.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value b;
    napi_get_element(env, argv[0], i, &b);
    bool isBuf = false;
    napi_is_buffer(env, b, &isBuf);
    void* data = nullptr;
    size_t blen = 0;
    if (!isBuf || napi_get_buffer_info(env, b, &data, &blen) != napi_ok || blen < kHeader + static_cast<size_t>(snaplen)) {
      c->slots.clear();
      ThrowCode(env, "EINVAL", "each buffer must be a Buffer of at least snaplen + 16 bytes");
      return nullptr;
    }
    c->slots[i].data = static_cast<uint8_t*>(data);
    c->slots[i].cap = blen;
    napi_create_reference(env, b, 1, &c->slots[i].ref);
  }
  napi_value name;
  napi_create_string_utf8(env, "torwatch-pcap-batch", NAPI_AUTO_LENGTH, &name);
  CHECK_NAPI(env, napi_create_threadsafe_function(env, argv[1], nullptr, name, 0, 1, c, FinalizeTsfn, c, CallJs, &c->tsfn));
  CHECK_NAPI(env, napi_create_reference(env, argv[2], 1, &c->onStopped));
  c->env = env;
  c->started = true;
  c->thread = std::thread(CaptureThread, c);
  return nullptr;
}

napi_value Stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Capture* c = Unwrap(env, info, &argc, nullptr);
  if (!c) return nullptr;
  if (!c->started || c->stopping.exchange(true)) return nullptr;
  uint64_t one = 1;
  ssize_t w = write(c->stopFd, &one, sizeof one);
  (void)w;
  {
    std::lock_guard<std::mutex> lk(c->mu);
    c->cv.notify_all();
  }
  return nullptr;
}

napi_value Stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Capture* c = Unwrap(env, info, &argc, nullptr);
  if (!c) return nullptr;
  // Before start the JS thread owns the handle; afterwards the capture thread samples it.
  if (!c->started && c->p) SampleStats(c);
  return StatsObject(env, c);
}

// Unstarted handles can be closed directly (e.g. start-up failed after opening).
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Capture* c = Unwrap(env, info, &argc, nullptr);
  if (!c) return nullptr;
  if (!c->started && c->p) {
    pcap_close(c->p);
    c->p = nullptr;
  }
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Capture* c = Unwrap(env, info, &argc, nullptr);
  if (!c) return nullptr;
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_int32(env, c->linktype, &v);
  napi_set_named_property(env, o, "linktype", v);
  napi_get_boolean(env, c->nano, &v);
  napi_set_named_property(env, o, "nanoTimestamps", v);
  napi_create_int32(env, c->p ? pcap_snapshot(c->p) : 0, &v);
  napi_set_named_property(env, o, "snaplen", v);
  napi_create_string_utf8(env, c->warning.c_str(), c->warning.size(), &v);
  napi_set_named_property(env, o, "warning", v);
  return o;
}

void SetAddr(napi_env env, napi_value obj, const char* key, const struct sockaddr* sa) {
  if (!sa) return;
  char buf[INET6_ADDRSTRLEN] = {0};
  const char* r = nullptr;
  if (sa->sa_family == AF_INET)
    r = inet_ntop(AF_INET, &reinterpret_cast<const struct sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    r = inet_ntop(AF_INET6, &reinterpret_cast<const struct sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  if (!r) return;
  napi_value v;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

// listDevices(): pcap_findalldevs as plain objects.
napi_value ListDevices(napi_env env, napi_callback_info /*info*/) {
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_if_t* all = nullptr;
  if (pcap_findalldevs(&all, errbuf) != 0) {
    ThrowCode(env, "EPCAP", errbuf);
    return nullptr;
  }
  napi_value arr, v;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (pcap_if_t* d = all; d; d = d->next) {
    napi_value o, flags, addrs;
    napi_create_object(env, &o);
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, o, "name", v);
    if (d->description) {
      napi_create_string_utf8(env, d->description, NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, o, "description", v);
    }
    napi_create_array(env, &flags);
    uint32_t nf = 0;
    auto flag = [&](const char* f) {
      napi_create_string_utf8(env, f, NAPI_AUTO_LENGTH, &v);
      napi_set_element(env, flags, nf++, v);
    };
    if (d->flags & PCAP_IF_LOOPBACK) flag("loopback");
    if (d->flags & PCAP_IF_UP) flag("up");
    if (d->flags & PCAP_IF_RUNNING) flag("running");
    if (d->flags & PCAP_IF_WIRELESS) flag("wireless");
    switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
      case PCAP_IF_CONNECTION_STATUS_CONNECTED: flag("connected"); break;
      case PCAP_IF_CONNECTION_STATUS_DISCONNECTED: flag("disconnected"); break;
      default: break;
    }
    napi_set_named_property(env, o, "flags", flags);
    napi_create_array(env, &addrs);
    uint32_t na = 0;
    for (pcap_addr_t* a = d->addresses; a; a = a->next) {
      if (!a->addr || (a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6)) continue;
      napi_value ao;
      napi_create_object(env, &ao);
      SetAddr(env, ao, "addr", a->addr);
      SetAddr(env, ao, "netmask", a->netmask);
      napi_set_element(env, addrs, na++, ao);
    }
    napi_set_named_property(env, o, "addresses", addrs);
    napi_set_element(env, arr, i++, o);
  }
  pcap_freealldevs(all);
  return arr;
}

napi_value LibVersion(napi_env env, napi_callback_info /*info*/) {
  napi_value v;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

// setThreadName(name): names the calling thread (a live worker's JavaScript thread) for top and /proc.
napi_value SetThreadName(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[16] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    ThrowCode(env, "EINVAL", "setThreadName(name) needs a string");
    return nullptr;
  }
  prctl(PR_SET_NAME, name, 0, 0, 0);
  return nullptr;
}

// dropCapabilities() -> { threads, failures, unanswered: number[], leftovers: string[] } (drop_caps.cc).
napi_value DropCapabilities(napi_env env, napi_callback_info /*info*/) {
  DropResult r = DropAllCapabilities();
  napi_value o, v, arr;
  napi_create_object(env, &o);
  napi_create_int32(env, r.threads, &v);
  napi_set_named_property(env, o, "threads", v);
  napi_create_int32(env, r.failures, &v);
  napi_set_named_property(env, o, "failures", v);
  napi_create_array_with_length(env, r.unanswered.size(), &arr);
  for (size_t i = 0; i < r.unanswered.size(); i++) {
    napi_create_int64(env, r.unanswered[i], &v);
    napi_set_element(env, arr, i, v);
  }
  napi_set_named_property(env, o, "unanswered", arr);
  napi_create_array_with_length(env, r.leftovers.size(), &arr);
  for (size_t i = 0; i < r.leftovers.size(); i++) {
    napi_create_string_utf8(env, r.leftovers[i].c_str(), NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, arr, i, v);
  }
  napi_set_named_property(env, o, "leftovers", arr);
  return o;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stop", nullptr, Stop, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stats", nullptr, Stats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  if (napi_define_class(env, "Capture", NAPI_AUTO_LENGTH, New, nullptr, sizeof methods / sizeof methods[0], methods, &cls) != napi_ok) return nullptr;
  napi_set_named_property(env, exports, "Capture", cls);
  napi_value fn;
  napi_create_function(env, "listDevices", NAPI_AUTO_LENGTH, ListDevices, nullptr, &fn);
  napi_set_named_property(env, exports, "listDevices", fn);
  napi_create_function(env, "libVersion", NAPI_AUTO_LENGTH, LibVersion, nullptr, &fn);
  napi_set_named_property(env, exports, "libVersion", fn);
  napi_create_function(env, "setThreadName", NAPI_AUTO_LENGTH, SetThreadName, nullptr, &fn);
  napi_set_named_property(env, exports, "setThreadName", fn);
  napi_create_function(env, "dropCapabilities", NAPI_AUTO_LENGTH, DropCapabilities, nullptr, &fn);
  napi_set_named_property(env, exports, "dropCapabilities", fn);
  napi_value hdr;
  napi_create_uint32(env, kHeader, &hdr);
  napi_set_named_property(env, exports, "RECORD_HEADER_BYTES", hdr);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
