import { describe, expect, it } from 'vitest';
import { AppAnomaly } from '../../src/applayer/anomalies.js';
import { decodeBencode, MAX_DEPTH, MAX_ITEMS } from '../../src/applayer/bittorrent/bencode.js';
import type { BtDhtEvent } from '../../src/applayer/bittorrent/events.js';
import { parseKrpc } from '../../src/applayer/bittorrent/krpc.js';
import { BtUdpSession } from '../../src/applayer/bittorrent/udp-session.js';
import { BITTORRENT_UDP } from '../../src/applayer/bittorrent/udp-protocols.js';
import { bytes, concat, harness } from './bt-harness.js';

const dec = (s: string | Uint8Array, whole = true) => {
  const b = typeof s === 'string' ? bytes(s) : s;
  return decodeBencode(b, 0, b.length, whole);
};

describe('bencode (BEP 3): strict and bounded', () => {
  it('reads integers, strings, lists and dictionaries, strings as views', () => {
    const r = dec('d3:agei42e4:listli-1e0:e4:name3:abce');
    expect('error' in r).toBe(false);
    if ('error' in r) return;
    const d = r.value as Map<string, unknown>;
    expect(d.get('age')).toBe(42);
    expect(d.get('list')).toEqual([-1, new Uint8Array(0)]);
    expect(Buffer.from(d.get('name') as Uint8Array).toString()).toBe('abc');
    expect(r.unsorted).toBe(false);
  });

  it.each([
    ['i03e', 'leading zero'],
    ['i-0e', 'negative zero'],
    ['ie', 'no digits'],
    ['i12', 'unterminated integer'],
    ['03:abc', 'leading zero in a length'],
    ['5:abc', 'a length past the end'],
    ['l', 'unterminated list'],
    ['d3:abci1e', 'unterminated dictionary'],
    ['di1ei2ee', 'a key that is not a string'],
    ['d1:ai1e1:ai2ee', 'a repeated key'],
    ['x', 'no such type'],
    ['i1ei2e', 'trailing bytes'],
  ])('refuses %s (%s)', (s) => {
    expect(dec(s)).toEqual({ error: 'bittorrent.bad_bencode' });
  });

  it('accepts keys out of order but says so (some clients send them)', () => {
    const r = dec('d1:bi1e1:ai2ee');
    expect('error' in r ? r : r.unsorted).toBe(true);
  });

  it('caps depth, items and integer digits (bittorrent.bencode_limit), never recursing without bound', () => {
    expect(dec('l'.repeat(MAX_DEPTH + 2) + 'e'.repeat(MAX_DEPTH + 2))).toEqual({ error: 'bittorrent.bencode_limit' });
    expect('error' in dec('l'.repeat(MAX_DEPTH) + 'e'.repeat(MAX_DEPTH))).toBe(false);
    expect(dec('l' + 'i1e'.repeat(MAX_ITEMS + 1) + 'e')).toEqual({ error: 'bittorrent.bencode_limit' });
    expect(dec(`i${'9'.repeat(16)}e`)).toEqual({ error: 'bittorrent.bencode_limit' });
    // A million nested lists: refused at MAX_DEPTH, not a stack overflow.
    expect(dec(new Uint8Array(1_000_000).fill(0x6c))).toEqual({ error: 'bittorrent.bencode_limit' });
  });

  it('reads nothing outside the range it is given', () => {
    const b = bytes('xx4:spamyy');
    const r = decodeBencode(b, 2, 8);
    expect('error' in r ? r : Buffer.from(r.value as Uint8Array).toString()).toBe('spam');
    expect(decodeBencode(b, 2, 7)).toEqual({ error: 'bittorrent.bad_bencode' });
  });
});

/** Suricata-verify's bittorrent-dht messages (its input.pcap, as bytes) and a few more. */
const PING = 'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe';
const GET_PEERS_VALUES = 'd1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:v4:UT121:y1:re';
const ERROR = 'd1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee';

function krpc(s: string | Uint8Array) {
  const b = typeof s === 'string' ? bytes(s) : s;
  return parseKrpc(b, 0, b.length);
}

describe('KRPC (BEP 5, 32, 51)', () => {
  it('a query: method, node id, transaction id', () => {
    expect(krpc(PING)).toEqual({ msg: { y: 'q', q: 'ping', t: '6161', id: '6162636465666768696a30313233343536373839', values: [], nodes: 0 }, soft: -1 });
  });

  it('a get_peers response: peers (values), token, client version', () => {
    const r = krpc(GET_PEERS_VALUES);
    expect('msg' in r && r.msg).toMatchObject({ y: 'r', v: '55543132', vCode: 'UT', values: [{ version: 4, words: [0, 0, 0, 0x61786a65], port: 0x2e75 }, { version: 4, words: [0, 0, 0, 0x69646874], port: 0x6e6d }] });
  });

  it('an error: code and message', () => {
    expect(krpc(ERROR)).toMatchObject({ msg: { y: 'e', errorCode: 201, errorMessage: 'A Generic Error Ocurred' } });
  });

  it('IPv6: values of 18 bytes, nodes6 of 38 (BEP 32); sample_infohashes (BEP 51)', () => {
    const peer6 = concat(Buffer.from('20010db8000000000000000000000061', 'hex'), [0x1a, 0xe1]);
    const node6 = concat('N'.repeat(20), peer6);
    const r = krpc(concat('d1:rd2:id20:', 'I'.repeat(20), '6:nodes638:', node6, '7:samples40:', 'S'.repeat(40), '6:valuesl18:', peer6, 'ee1:t1:x1:y1:re'));
    expect('msg' in r && r.msg).toMatchObject({ nodes: 1, samples: 2, values: [{ version: 6, words: [0x20010db8, 0, 0, 0x61], port: 6881 }] });
  });

  it('counts what is off without guessing: no transaction id, wrong-length nodes', () => {
    expect(krpc('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe')).toMatchObject({ soft: AppAnomaly['bittorrent.bad_krpc'] });
    expect(krpc('d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re')).toMatchObject({ msg: { nodes: 0 }, soft: AppAnomaly['bittorrent.bad_krpc'] });
  });

  it.each([
    ['d1:t2:aae', 'no y'],
    ['d1:t2:aa1:y1:xe', 'y of no kind'],
    ['d1:q4:ping1:t2:aa1:y1:qe', 'a query without arguments'],
    ['d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe', 'a node id that is not 20 bytes'],
    ['d1:ad2:id20:abcdefghij0123456789e1:q3:a b1:t2:aa1:y1:qe', 'a method that is not a printable token'],
    ['d1:t2:aa1:y1:re', 'a response without r'],
    ['d1:el3:abce1:t2:aa1:y1:ee', 'an error without a code'],
    ['li1ee', 'not a dictionary'],
  ])('refuses %s (%s)', (s) => {
    expect('error' in krpc(s)).toBe(true);
  });
});

describe('DHT flows', () => {
  it('a flow is claimed by a valid KRPC message only, and every message after it is reported', () => {
    const dht = BITTORRENT_UDP.find((p) => p.name === 'bittorrent-dht')!;
    const h = harness();
    const ping = bytes(PING);
    expect(dht.claims(ping, 0, ping.length, h.flow, 0)).toBe(true);
    expect(dht.claims(bytes('d1:xi1ee'), 0, 8, h.flow, 0)).toBe(false);
    const s = new BtUdpSession(h.flow, h.ctx);
    s.datagram(ping, 0, ping.length, 0);
    const resp = bytes(GET_PEERS_VALUES);
    s.datagram(resp, 0, resp.length, 1);
    expect(h.events.map((e) => (e as BtDhtEvent).y)).toEqual(['q', 'r']);
    expect((h.events[1] as BtDhtEvent).dir).toBe(1);
  });

  it('a flow of bencode-looking datagrams that are not KRPC is let go after a few', () => {
    const h = harness();
    const s = new BtUdpSession(h.flow, h.ctx);
    for (let i = 0; i < 5; i++) s.datagram(bytes('d3:foo3:bare'), 0, 12, 0);
    expect(s.finished).toBe(true);
    expect(h.events).toEqual([]);
  });
});
