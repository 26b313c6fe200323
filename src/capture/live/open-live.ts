import { createRequire } from 'node:module';
import { UserError } from '../../util/errors.js';
import type { CapabilityDropReport, CapModule, DeviceInfo, PcapBatchAddon } from './addon-types.js';
import { BatchSource } from './batch-source.js';
import { CapSource } from './cap-source.js';
import type { BackendName, LiveOptions, LiveSource } from './live-source.js';

/**
 * The one seam between torwatch and native capture code. Nothing else imports a native module, and
 * this file is only reached from `torwatch capture` / `interfaces`, so replay never loads native code
 * and works where neither backend could be built.
 */
export interface Backend {
  name: BackendName;
  /** libpcap's version string, for the start-up log. */
  libVersion: string;
  open(iface: string, opts: LiveOptions, ifIndex: number): LiveSource;
  listDevices(): DeviceInfo[];
}

const require = createRequire(import.meta.url);

function loadPcapBatch(): Backend {
  const addon = require('torwatch-pcap-batch') as PcapBatchAddon;
  return {
    name: 'pcap-batch',
    libVersion: addon.libVersion(),
    open: (iface, opts, ifIndex) => new BatchSource(addon, iface, opts, ifIndex),
    listDevices: () => addon.listDevices(),
  };
}

function loadCap(): Backend {
  const mod = require('cap') as CapModule;
  return {
    name: 'cap',
    libVersion: 'libpcap (through cap)',
    open: (iface, opts, ifIndex) => new CapSource(mod, iface, opts, ifIndex),
    listDevices: () =>
      mod.Cap.deviceList().map((d) => ({
        name: d.name,
        description: d.description,
        flags: d.flags === 'PCAP_IF_LOOPBACK' ? ['loopback'] : [],
        addresses: d.addresses ?? [],
      })),
  };
}

const LOADERS: Record<BackendName, () => Backend> = { 'pcap-batch': loadPcapBatch, cap: loadCap };

const WHY: Record<BackendName, string> = {
  'pcap-batch': 'the pcap-batch addon (native/pcap-batch) is not built; `npm ci` builds it when libpcap-dev, g++ and make are installed',
  cap: 'the optional `cap` package is not installed or did not build (it needs libpcap-dev, g++ and make)',
};

/** Load a capture backend: 'auto' prefers pcap-batch (batches, pcap_stats) and falls back to cap. */
export function loadBackend(choice: BackendName | 'auto'): Backend {
  const order: BackendName[] = choice === 'auto' ? ['pcap-batch', 'cap'] : [choice];
  const problems: string[] = [];
  for (const name of order) {
    try {
      return LOADERS[name]();
    } catch (err) {
      problems.push(`${WHY[name]} (${firstLine(err)})`);
    }
  }
  throw new UserError(`live capture is not available: ${problems.join('; ')}`);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

/**
 * The pcap-batch addon's capability drop (native/pcap-batch/src/drop_caps.cc), or undefined when the
 * addon is not built (the cap backend has no such function).
 */
export function loadCapabilityDropper(): (() => CapabilityDropReport) | undefined {
  try {
    return (require('torwatch-pcap-batch') as PcapBatchAddon).dropCapabilities;
  } catch {
    return undefined;
  }
}

/** Name the calling thread for top and /proc (a live worker's), when the addon is there. */
export function nameThisThread(name: string): void {
  try {
    (require('torwatch-pcap-batch') as PcapBatchAddon).setThreadName(name);
  } catch {
    // the cap backend or no addon: the thread keeps its name
  }
}

/** What openInterface's error says when the handle could not join its fanout group (live workers retry those). */
export const FANOUT_JOIN_FAILED = "cannot join the workers' fanout group";

/**
 * Open one interface, turning libpcap's complaints into one line that says what to do. Needs root or
 * CAP_NET_RAW (promiscuous mode is PACKET_ADD_MEMBERSHIP on the packet socket: no CAP_NET_ADMIN).
 */
export function openInterface(backend: Backend, iface: string, opts: LiveOptions, ifIndex: number): LiveSource {
  try {
    return backend.open(iface, opts, ifIndex);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const msg = firstLine(err);
    const code = e.code ?? classify(msg);
    switch (code) {
      case 'EPERM':
        throw new UserError(`-i ${iface}: permission denied (${msg}); run as root, with CAP_NET_RAW, or under systemd/torwatch.service`);
      case 'ENODEV':
        throw new UserError(`-i ${iface}: no such interface (see \`torwatch interfaces\`)`);
      case 'ENETDOWN':
        throw new UserError(`-i ${iface}: the interface is down`);
      case 'EBPF':
        throw new UserError(`--bpf: ${msg}`);
      case 'EFANOUT':
        throw new UserError(`-i ${iface}: ${FANOUT_JOIN_FAILED} (${msg})`);
      default:
        throw new UserError(`-i ${iface}: cannot capture: ${msg}`);
    }
  }
}

/** cap only gives libpcap's message text; sort it into the same codes as the addon. */
function classify(msg: string): string {
  if (/permission|not permitted/i.test(msg)) return 'EPERM';
  if (/no such device|doesn't exist/i.test(msg)) return 'ENODEV';
  if (/syntax error|filter|parse/i.test(msg)) return 'EBPF';
  if (/is not up|went down/i.test(msg)) return 'ENETDOWN';
  return 'EPCAP';
}
