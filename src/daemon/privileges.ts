import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadCapabilityDropper } from '../capture/live/open-live.js';
import { UserError } from '../util/errors.js';

export interface Identity {
  user: string;
  uid: number;
  gid: number;
  group: string;
}

/** One NSS database entry through getent(1), so LDAP/sssd users work as well as /etc/passwd ones. */
function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    const line = execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n')[0];
    return line ? line.split(':') : undefined;
  } catch {
    return undefined;
  }
}

/** Resolve `user` or `user:group` (names or numbers) to ids; the group defaults to the user's own. */
export function resolveIdentity(spec: string): Identity {
  const [userPart, groupPart] = spec.split(':');
  const pw = getent('passwd', userPart);
  if (!pw || pw.length < 4) throw new UserError(`--user ${spec}: no such user '${userPart}'`);
  const uid = Number(pw[2]);
  let gid = Number(pw[3]);
  let group = String(gid);
  if (groupPart !== undefined) {
    const gr = getent('group', groupPart);
    if (!gr || gr.length < 3) throw new UserError(`--user ${spec}: no such group '${groupPart}'`);
    gid = Number(gr[2]);
    group = gr[0];
  } else {
    const gr = getent('group', String(gid));
    if (gr) group = gr[0];
  }
  if (uid === 0) throw new UserError(`--user ${spec}: '${pw[0]}' is root; name an unprivileged user`);
  return { user: pw[0], uid, gid, group };
}

/**
 * Become `spec` for good: the chosen group as the only group (no supplementary groups: least
 * privilege; give the user access to outputs and caches through that group or ownership), then the
 * group ids, then the user (this order: after setuid the process could no longer change its groups). On
 * Linux, setuid away from root clears every capability; open capture sockets keep working. Verified by
 * trying to get root back, which must fail.
 */
export function dropPrivileges(spec: string, log: Logger): Identity {
  if (typeof process.getuid !== 'function' || typeof process.setuid !== 'function' || typeof process.setgroups !== 'function') {
    throw new UserError('--user is not supported on this platform');
  }
  if (process.geteuid!() !== 0) throw new UserError(`--user ${spec}: torwatch is not running as root, so there is nothing to drop (run it as root, or as the user directly with CAP_NET_RAW; capabilities are dropped once capture is open)`);
  const id = resolveIdentity(spec);
  process.setgroups!([id.gid]);
  process.setgid!(id.gid);
  process.setegid!(id.gid);
  process.setuid(id.uid);
  process.seteuid!(id.uid);
  let regained = false;
  try {
    process.setuid(0);
    regained = true;
  } catch {
    // expected: root is gone for good
  }
  if (regained || process.getuid() !== id.uid || process.geteuid!() !== id.uid || process.getgid!() !== id.gid) {
    throw new Error(`privilege drop to ${spec} did not stick (uid ${process.getuid()}, euid ${process.geteuid!()}, gid ${process.getgid!()})`);
  }
  log.info({ user: id.user, uid: id.uid, group: id.group, gid: id.gid, groups: process.getgroups!() }, 'dropped privileges');
  return id;
}

/** This thread's inheritable, permitted, effective and ambient capabilities, OR-ed (Linux; 0 elsewhere). */
export function heldCapabilities(status = readStatus()): bigint {
  let held = 0n;
  for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) {
    const m = new RegExp(`^${k}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    if (m) held |= BigInt('0x' + m[1]);
  }
  return held;
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Once every capture handle is open, nothing torwatch does needs a capability (reading an open packet
 * socket, files, syslog, HTTP do not), so give them all up, with or without --user: a parser bug must
 * not be able to open new raw sockets or reconfigure interfaces. Capabilities are per thread in Linux
 * and Node has many threads; the pcap-batch addon clears every thread's sets, the bounding set and sets
 * no_new_privs (native/pcap-batch/src/drop_caps.cc), then reads them back. Node's SIGUSR1 watchdog
 * thread blocks every signal and cannot be reached; it only waits on a semaphore, and is reported.
 * Anything else left over is a failure: the daemon does not start.
 */
export function dropCapabilities(log: Logger): void {
  if (process.platform !== 'linux') return;
  const drop = loadCapabilityDropper();
  if (!drop) {
    if (heldCapabilities() !== 0n) log.warn('capabilities are kept for the whole run: the pcap-batch addon (native/pcap-batch), which drops them, is not built');
    return;
  }
  const r = drop();
  const kept = r.leftovers.filter((l) => !r.unanswered.includes(Number(l.split(':')[0])));
  if (r.failures > 0 || kept.length > 0) {
    throw new Error(`could not drop capabilities (${r.failures} of ${r.threads} threads failed; still held: ${kept.join(' ') || 'none'})`);
  }
  log.info({ threads: r.threads, keptBySignalBlockingThreads: r.leftovers.length }, 'dropped capabilities');
}
