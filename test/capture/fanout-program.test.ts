import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fanoutProgram, flattenProgram, type BpfInsn } from '../../src/capture/live/fanout-program.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import type { Frame } from '../../src/capture/frame.js';
import { PCAPS } from '../support/run-cli.js';

/**
 * The live workers' fanout program (src/capture/live/fanout-program.ts), run here by a classic-BPF
 * interpreter on the Ethernet frames of every capture in pcaps/, as the kernel runs it: the network
 * header after the Ethernet header and the one VLAN tag the kernel strips on receive, `proto` the
 * EtherType after it. Checked: every packet between two addresses (both directions, every IPv4 and
 * IPv6 fragment, tunnels by their endpoints) goes to one worker; flows spread evenly; the program
 * is what the kernel accepts (forward jumps inside it, known opcodes, at most 4096 instructions).
 * live/workers.test.ts attaches it to a real fanout group.
 */

const SKF_NET_OFF = -0x100000;
const SKF_AD_PROTOCOL = -0x1000;

/** The kernel's view of an Ethernet frame at fanout time. */
interface KernelView {
  proto: number;
  net: Buffer;
}

function kernelView(f: Frame): KernelView | undefined {
  if (f.linktype !== 1 || f.caplen < 14) return undefined;
  const b = f.buf.subarray(f.off, f.off + f.caplen);
  let type = b.readUInt16BE(12);
  let off = 14;
  // The receive path moves one 802.1Q / 802.1ad tag out of the packet (skb_vlan_untag).
  if ((type === 0x8100 || type === 0x88a8) && b.length >= 18) {
    type = b.readUInt16BE(16);
    off = 18;
  }
  return { proto: type, net: b.subarray(off) };
}

/** A classic BPF interpreter for the opcodes the program uses; undefined when a load falls outside the packet (the kernel returns 0). */
function run(prog: BpfInsn[], v: KernelView): number {
  let a = 0;
  let x = 0;
  const m = new Uint32Array(16);
  const load = (k: number, size: 2 | 4): number | undefined => {
    if (k === SKF_AD_PROTOCOL) return v.proto;
    const at = k - SKF_NET_OFF;
    if (k < SKF_NET_OFF || at + size > v.net.length) return undefined;
    return size === 4 ? v.net.readUInt32BE(at) : v.net.readUInt16BE(at);
  };
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc];
    switch (code) {
      case 0x20:
      case 0x28: {
        const r = load(k | 0, code === 0x20 ? 4 : 2);
        if (r === undefined) return 0;
        a = r;
        break;
      }
      case 0x07: x = a; break;
      case 0x02: m[k] = a; break;
      case 0x61: x = m[k]; break;
      case 0xac: a = (a ^ x) >>> 0; break;
      case 0x74: a = a >>> k; break;
      case 0x24: a = Math.imul(a, k) >>> 0; break;
      case 0x94: a = a % k; break;
      case 0x15: pc += a === k ? jt : jf; break;
      case 0x05: pc += k; break;
      case 0x06: return k;
      case 0x16: return a;
      default: throw new Error(`unknown opcode ${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('fell off the end of the program');
}

/** The unordered address pair of an IP packet in the kernel's view (the key that must pick one worker). */
function pairOf(outer: KernelView): string | undefined {
  // A second tag (QinQ) stays in the packet; the program reads past it.
  const v = (outer.proto === 0x8100 || outer.proto === 0x88a8) && outer.net.length >= 4 ? { proto: outer.net.readUInt16BE(2), net: outer.net.subarray(4) } : outer;
  const n = v.net;
  if (v.proto === 0x0800 && n.length >= 20) {
    const s = n.subarray(12, 16).toString('hex');
    const d = n.subarray(16, 20).toString('hex');
    return s < d ? `${s}-${d}` : `${d}-${s}`;
  }
  if (v.proto === 0x86dd && n.length >= 40) {
    const s = n.subarray(8, 24).toString('hex');
    const d = n.subarray(24, 40).toString('hex');
    return s < d ? `${s}-${d}` : `${d}-${s}`;
  }
  return undefined;
}

const captures = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();

describe('the live workers fanout program', () => {
  const prog = fanoutProgram(4, [0x12345678, 0x9abcdef1]);

  it('is a program the kernel accepts: known opcodes, forward jumps inside it, within the size limit', () => {
    expect(prog.length).toBeLessThanOrEqual(4096);
    prog.forEach((ins, pc) => {
      if (ins.code === 0x15) {
        expect(pc + 1 + ins.jt).toBeLessThan(prog.length);
        expect(pc + 1 + ins.jf).toBeLessThan(prog.length);
      }
      if (ins.code === 0x05) expect(pc + 1 + ins.k).toBeLessThan(prog.length);
    });
    expect([0x06, 0x16]).toContain(prog[prog.length - 1].code);
    expect(flattenProgram(prog).length).toBe(prog.length * 4);
    expect(() => fanoutProgram(0, [1, 1])).toThrow();
  });

  it('sends every packet between two addresses to one worker, in every capture in pcaps/', async () => {
    let checked = 0;
    for (const f of captures) {
      const byPair = new Map<string, number>();
      await readCaptureFile(join(PCAPS, f), (fr) => {
        const v = kernelView(fr);
        if (v === undefined) return;
        const w = run(prog, v);
        expect(w).toBeLessThan(4);
        const pair = pairOf(v);
        if (pair === undefined) {
          expect(w, `${f}: not IP goes to worker 0`).toBe(0);
          return;
        }
        const had = byPair.get(pair);
        if (had !== undefined) expect(w, `${f}: ${pair}`).toBe(had);
        byPair.set(pair, w);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(5_000);
  });

  it('spreads host pairs evenly, also addresses next to each other', () => {
    const counts = [0, 0, 0, 0];
    const net = Buffer.alloc(20);
    for (let i = 0; i < 4000; i++) {
      net.writeUInt32BE((0x0a000000 + i) >>> 0, 12); // 10.0.x.y, consecutive
      net.writeUInt32BE((0xc6336400 + 1 + (i % 250)) >>> 0, 16); // 198.51.100.1-250
      counts[run(prog, { proto: 0x0800, net })]++;
    }
    for (const c of counts) expect(c, counts.join(' ')).toBeGreaterThan(850);
  });
});
