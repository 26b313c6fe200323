/**
 * The classic BPF program that picks a live worker for each packet (PACKET_FANOUT_CBPF; the kernel
 * runs it once per packet for the whole fanout group and hands the packet to the socket whose index
 * it returns).
 *
 * Why not the kernel's own PACKET_FANOUT_HASH: it hashes the outer 5-tuple, and a tunnel's outer ports
 * differ per direction (a VXLAN endpoint picks its source port from the inner flow), so the two
 * directions of one connection reached different workers (measured: the VXLAN capture in pcaps/
 * raised two alerts for one flow); and it needs the defragment flag to keep fragments with their flow,
 * which hands torwatch reassembled datagrams instead of the fragments replay sees. This program hashes
 * the two IP addresses only, the way replay's shards do (pipeline/shard/shard-hash.ts): each address
 * mixed alone, the two XORed (symmetric), so the same for every fragment of a datagram and for both
 * directions of a tunnel (its two endpoints). It reads past one VLAN tag the kernel left in the packet (an outer
 * tag it strips itself). Not IP (ARP, MPLS...): worker 0. The mix is keyed by per-run odd multipliers,
 * so which worker gets a host pair is not known in advance; a sender that controls many addresses can
 * still load one worker more than the others, no worse than one pipeline.
 *
 * The price of hashing addresses only: one busy host pair, or a mirror port fed through one tunnel
 * (ERSPAN, VXLAN), lands on one worker.
 */

/** One classic BPF instruction (struct sock_filter). */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

// Opcodes (linux/filter.h, linux/bpf_common.h).
const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const TAX = 0x07;
const ALU_XOR_X = 0xac;
const ST = 0x02;
const LDX_MEM = 0x61;
const ALU_RSH_K = 0x74;
const ALU_MUL_K = 0x24;
const ALU_MOD_K = 0x94;
const JEQ_K = 0x15;
const JA = 0x05;
const RET_K = 0x06;
const RET_A = 0x16;

/** Loads relative to the network header (SKF_NET_OFF), and the ancillary protocol field (SKF_AD_OFF + SKF_AD_PROTOCOL). */
const NET = -0x100000;
const PROTO = -0x1000;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;

/** A tiny assembler: instructions with forward jumps to named labels, resolved at the end. */
class Program {
  private readonly out: (BpfInsn & { to?: [string | undefined, string | undefined] })[] = [];
  private readonly labels = new Map<string, number>();

  op(code: number, k = 0): this {
    this.out.push({ code, jt: 0, jf: 0, k });
    return this;
  }

  /** if (A == k) goto t else goto f (undefined: the next instruction). */
  jeq(k: number, t: string | undefined, f: string | undefined): this {
    this.out.push({ code: JEQ_K, jt: 0, jf: 0, k, to: [t, f] });
    return this;
  }

  ja(to: string): this {
    this.out.push({ code: JA, jt: 0, jf: 0, k: 0, to: [to, undefined] });
    return this;
  }

  label(name: string): this {
    this.labels.set(name, this.out.length);
    return this;
  }

  build(): BpfInsn[] {
    return this.out.map((ins, i) => {
      const off = (name: string | undefined): number => {
        if (name === undefined) return 0;
        const at = this.labels.get(name);
        if (at === undefined || at <= i) throw new Error(`fanout program: jump to ${name} is not forward`);
        return at - i - 1;
      };
      if (ins.to === undefined) return { code: ins.code, jt: ins.jt, jf: ins.jf, k: ins.k };
      if (ins.code === JA) return { code: JA, jt: 0, jf: 0, k: off(ins.to[0]) };
      const jt = off(ins.to[0]);
      const jf = off(ins.to[1]);
      if (jt > 255 || jf > 255) throw new Error('fanout program: jump too far');
      return { code: ins.code, jt, jf, k: ins.k };
    });
  }
}

/** Keys of the mix (odd multipliers, per run). */
interface MixKeys {
  k1: number;
  k2: number;
}

/**
 * A = mix(A), MurmurHash3's 32-bit finaliser with the run's multipliers: every input bit moves about
 * half the output bits, so addresses that differ in a few low bits (one subnet) spread evenly.
 */
function mix(p: Program, k: MixKeys): void {
  p.op(TAX).op(ALU_RSH_K, 16).op(ALU_XOR_X)
    .op(ALU_MUL_K, k.k1)
    .op(TAX).op(ALU_RSH_K, 13).op(ALU_XOR_X)
    .op(ALU_MUL_K, k.k2)
    .op(TAX).op(ALU_RSH_K, 16).op(ALU_XOR_X);
}

/**
 * A = f(address) for the address whose words start `at` bytes into the network header: the words
 * chained through the mix (IPv4: one word; IPv6: four).
 */
function addressHash(p: Program, words: number, at: number, k: MixKeys): void {
  p.op(LD_W_ABS, NET + at);
  mix(p, k);
  for (let w = 1; w < words; w++) {
    p.op(TAX).op(LD_W_ABS, NET + at + 4 * w).op(ALU_XOR_X);
    mix(p, k);
  }
}

/**
 * The program for `workers` sockets; `key` (two 32-bit numbers) keys the mix. The worker is
 * f(source) XOR f(destination) modulo the workers: symmetric, addresses only. The kernel checks the
 * program when it is attached (bpf_check_classic); it has no backward jumps, so it always ends.
 */
export function fanoutProgram(workers: number, key: readonly [number, number]): BpfInsn[] {
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`fanout program: ${workers} workers`);
  const k: MixKeys = { k1: ((key[0] >>> 0) | 1) >>> 0, k2: ((key[1] >>> 0) | 1) >>> 0 };
  const p = new Program();
  p.op(LD_H_ABS, PROTO)
    .jeq(ETH_IPV4, 'v4', undefined)
    .jeq(ETH_IPV6, 'v6', undefined)
    .jeq(ETH_VLAN, 'tag', undefined)
    .jeq(ETH_QINQ, 'tag', 'other')
    .label('tag')
    .op(LD_H_ABS, NET + 2)
    .jeq(ETH_IPV4, 'v4tag', undefined)
    .jeq(ETH_IPV6, 'v6tag', 'other')
    .label('other')
    .op(RET_K, 0);
  // IPv4: source at 12, destination at 16 (one word each); IPv6: at 8 and 24 (four words each).
  for (const [name, words, src, dst] of [['v4', 1, 12, 16], ['v6', 4, 8, 24], ['v4tag', 1, 16, 20], ['v6tag', 4, 12, 28]] as const) {
    p.label(name);
    addressHash(p, words, src, k);
    p.op(ST, 0);
    addressHash(p, words, dst, k);
    p.op(LDX_MEM, 0).op(ALU_XOR_X);
    p.ja('pick');
  }
  p.label('pick').op(ALU_MOD_K, workers).op(RET_A);
  return p.build();
}

/** Flattened for the addon: code, jt, jf, k per instruction (k as an unsigned 32-bit number). */
export function flattenProgram(prog: BpfInsn[]): number[] {
  return prog.flatMap((i) => [i.code, i.jt, i.jf, i.k >>> 0]);
}
