import { u16, u32 } from '../../util/bytes.js';
import { AppAnomaly } from '../anomalies.js';
import { decodeName, skipName, type NameResult } from './name.js';

/**
 * One DNS message (RFC 1035 4.1): header, questions, and the answer section's A/AAAA/CNAME records.
 * Authority and additional sections are not read (nothing here needs them). Bounded: at most
 * MAX_QUESTIONS questions and MAX_ANSWERS answer records are read; a message cut short (a UDP
 * datagram's first IP fragment, a truncated capture) still yields what was complete, with an anomaly.
 */
export const DNS_HEADER_LEN = 12;
export const MAX_QUESTIONS = 16;
export const MAX_ANSWERS = 64;

export const DnsType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, HTTPS: 65 } as const;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsAnswer {
  name: string;
  type: number;
  ttl: number;
  /** A: the address in word 3; AAAA: four words. */
  version?: 4 | 6;
  words?: [number, number, number, number];
  /** CNAME target. */
  target?: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  rcode: number;
  /** TC bit: the server truncated the answer (RFC 1035 4.1.1). */
  tc: boolean;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
}

/** Where parsing stopped: the anomaly id (AppAnomaly) that ended it, or -1 when the message was whole. */
export interface DnsParseResult {
  message: DnsMessage | undefined;
  anomaly: number;
}

const nameOut: NameResult = { name: '', next: 0, error: -1 };

/**
 * Parse the message in `buf[off, end)`. Returns undefined message only when not even the header is
 * there. Never throws; every read is checked against `end`.
 */
export function parseDnsMessage(buf: Uint8Array, off: number, end: number): DnsParseResult {
  if (end - off < DNS_HEADER_LEN) return { message: undefined, anomaly: AppAnomaly['dns.truncated'] };
  const flags = u16(buf, off + 2);
  const qd = u16(buf, off + 4);
  const an = u16(buf, off + 6);
  const msg: DnsMessage = {
    id: u16(buf, off),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    rcode: flags & 0xf,
    tc: (flags & 0x0200) !== 0,
    questions: [],
    answers: [],
  };
  let pos = off + DNS_HEADER_LEN;
  let anomaly = -1;

  for (let i = 0; i < qd; i++) {
    if (i === MAX_QUESTIONS) return { message: msg, anomaly: AppAnomaly['dns.too_many_records'] };
    if (!decodeName(buf, off, end, pos, nameOut)) return { message: msg, anomaly: nameOut.error };
    pos = nameOut.next;
    if (end - pos < 4) return { message: msg, anomaly: AppAnomaly['dns.truncated'] };
    msg.questions.push({ name: nameOut.name, type: u16(buf, pos), class: u16(buf, pos + 2) });
    pos += 4;
  }

  for (let i = 0; i < an; i++) {
    if (i === MAX_ANSWERS) return { message: msg, anomaly: AppAnomaly['dns.too_many_records'] };
    const ownerAt = pos;
    const afterOwner = skipName(buf, end, pos);
    if (afterOwner < 0 || end - afterOwner < 10) return { message: msg, anomaly: AppAnomaly['dns.truncated'] };
    const type = u16(buf, afterOwner);
    const ttl = u32(buf, afterOwner + 4);
    const rdlen = u16(buf, afterOwner + 8);
    const rdata = afterOwner + 10;
    if (end - rdata < rdlen) return { message: msg, anomaly: AppAnomaly['dns.truncated'] };
    pos = rdata + rdlen;
    if (type !== DnsType.A && type !== DnsType.AAAA && type !== DnsType.CNAME) continue;
    if (!decodeName(buf, off, end, ownerAt, nameOut)) {
      anomaly = nameOut.error;
      continue;
    }
    const owner = nameOut.name;
    if (type === DnsType.A) {
      if (rdlen !== 4) { anomaly = AppAnomaly['dns.bad_rdata']; continue; }
      msg.answers.push({ name: owner, type, ttl, version: 4, words: [0, 0, 0, u32(buf, rdata)] });
    } else if (type === DnsType.AAAA) {
      if (rdlen !== 16) { anomaly = AppAnomaly['dns.bad_rdata']; continue; }
      msg.answers.push({ name: owner, type, ttl, version: 6, words: [u32(buf, rdata), u32(buf, rdata + 4), u32(buf, rdata + 8), u32(buf, rdata + 12)] });
    } else {
      // The CNAME target may be compressed, pointing anywhere in the message, but must end inside rdata.
      if (!decodeName(buf, off, end, rdata, nameOut) || nameOut.next > rdata + rdlen) {
        anomaly = nameOut.error >= 0 ? nameOut.error : AppAnomaly['dns.bad_rdata'];
        continue;
      }
      msg.answers.push({ name: owner, type, ttl, target: nameOut.name });
    }
  }
  return { message: msg, anomaly };
}
