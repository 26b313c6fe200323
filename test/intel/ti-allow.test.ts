import { describe, expect, it } from 'vitest';
import { ruleById } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/detection.js';
import { Flow } from '../../src/flow/flow.js';
import { parseAddress } from '../../src/intel/addr.js';
import { AllowList, checkAllowEntries } from '../../src/detect/allow.js';
import { loadIndicators, parseIntelFile } from '../../src/intel/ti/load.js';
import { patternAtoms } from '../../src/intel/ti/stix.js';
import { InputError } from '../../src/util/errors.js';
import { STIX_BUNDLE } from './fixtures.js';
import { memoryLogger, tempFile } from './helpers.js';

const ip = (s: string): number[] => parseAddress(s)!.words;


describe('threat-intel loaders (seed 002)', () => {
  it('CSV indicator,type,confidence,threat_type,tlp,tags', () => {
    const f = tempFile('ti.csv', 'indicator,type,confidence,threat_type,tlp,tags\n' +
      '203.0.113.31,ipv4-addr,90,c2,amber,"tor;apt"\n' +
      '2001:db8::31,ipv6-addr,high,c2,TLP:RED,tor\n' +
      '198.51.100.0/24,ip,20,scanner,green,\n' +
      'bad.example,domain,,phishing,clear,\n' +
      'http://x.example/a,url,50,phishing,clear,\n');
    const r = parseIntelFile(f);
    expect(r.format).toBe('csv');
    expect(r.indicators.map((i) => [i.type, i.value, i.confidence, i.tlp, i.threatType])).toEqual([
      ['ipv4-addr', '203.0.113.31', 90, 'AMBER', 'c2'],
      ['ipv6-addr', '2001:db8::31', 85, 'RED', 'c2'],
      ['ipv4-addr', '198.51.100.0/24', 20, 'GREEN', 'scanner'],
      ['domain-name', 'bad.example', undefined, 'CLEAR', 'phishing'],
    ]);
    expect(r.indicators[0].tags).toEqual(['tor', 'apt']);
    expect(r.skipped).toEqual({ url: 1 });
    expect(r.indicators[0].source).toBe(`${f}:2`);
  });

  it('MISP attribute CSV export: types, to_ids, confidence and TLP from tags', () => {
    const f = tempFile('misp.csv', 'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category\n' +
      '5f4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c,42,Network activity,ip-dst,203.0.113.31,exit used by actor,1,1763856000,,"tlp:amber,misp:confidence-level=""usually-confident""",,,\n' +
      '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d,42,Network activity,ip-dst|port,198.51.100.9|9001,,1,1763856000,,tlp:green,,,\n' +
      '7b6c5d4e-3f2a-4b1c-8d9e-0f1a2b3c4d5e,42,Network activity,domain|ip,bad.example|192.0.2.5,,True,20261123,,,,,\n' +
      '8c7d6e5f-4a3b-4c2d-9e0f-1a2b3c4d5e6f,42,Payload delivery,sha256,aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f,,1,1763856000,,,,,\n' +
      '9d8e7f6a-5b4c-4d3e-8f0a-2b3c4d5e6f7a,42,Network activity,ip-src,192.0.2.200,noise,0,1763856000,,,,,\n');
    const r = parseIntelFile(f);
    expect(r.format).toBe('misp-csv');
    expect(r.indicators.map((i) => [i.value, i.port, i.confidence, i.tlp])).toEqual([
      ['203.0.113.31', undefined, 75, 'AMBER'],
      ['198.51.100.9', 9001, undefined, 'GREEN'],
      ['bad.example', undefined, undefined, undefined],
      ['192.0.2.5', undefined, undefined, undefined],
    ]);
    expect(r.indicators[0]).toMatchObject({ provider: 'MISP', name: 'MISP event 42', threatType: 'Network activity', description: 'exit used by actor', modifiedMs: 1763856000000 });
    expect(r.skipped).toEqual({ sha256: 1, 'to_ids=0': 1 });
  });

  it('STIX 2.1 bundle: address and domain patterns, markings, creator, validity; other patterns skipped', () => {
    const f = tempFile('bundle.json', JSON.stringify(STIX_BUNDLE, null, 2));
    const r = parseIntelFile(f);
    expect(r.format).toBe('stix');
    expect(r.indicators.map((i) => [i.type, i.value, i.confidence, i.tlp, i.provider])).toEqual([
      ['ipv4-addr', '203.0.113.31', 85, 'AMBER', 'Example CTI'],
      ['ipv6-addr', '2001:db8::31', 85, 'AMBER', 'Example CTI'],
      ['domain-name', 'bad.example', 40, undefined, 'STIX'],
      ['domain-name', 'worse.example', 40, undefined, 'STIX'],
    ]);
    expect(r.indicators[0]).toMatchObject({ name: 'Tor exit used for C2', threatType: 'malicious-activity', validFromMs: Date.UTC(2026, 10, 1) });
    expect(r.skipped).toEqual({ 'pattern not a disjunction of address/domain equalities': 2, revoked: 1 });
  });

  it('STIX patterns: equality, IN, network-traffic refs; anything else is not ours', () => {
    expect(patternAtoms("[ipv4-addr:value='192.0.2.1']")).toEqual([{ object: 'ipv4-addr', value: '192.0.2.1' }]);
    expect(patternAtoms("([ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')])")?.map((a) => a.value)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(patternAtoms("[network-traffic:dst_ref.value = '198.51.100.1']")).toEqual([{ object: 'network-traffic', value: '198.51.100.1' }]);
    expect(patternAtoms("[domain-name:value = 'it\\'s.example']")).toEqual([{ object: 'domain-name', value: "it's.example" }]);
    expect(patternAtoms("[ipv4-addr:value != '192.0.2.1']")).toBeUndefined();
    expect(patternAtoms("[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']")).toBeUndefined();
    expect(patternAtoms("[ipv4-addr:value = '192.0.2.1'] WITHIN 5 SECONDS")).toBeUndefined();
    expect(() => patternAtoms("[ipv4-addr:value = '192.0.2.1'")).toThrow(/unbalanced/);
    expect(() => patternAtoms("[ipv4-addr:value = '192.0.2.1]")).toThrow(/unterminated/);
  });

  it.each([
    ['ti.csv', 'indicator,type,confidence\n203.0.113.999,ip,50\n', /ti\.csv: line 2: '203\.0\.113\.999' is not/],
    ['ti.csv', 'indicator,type,confidence\n203.0.113.9,ip,150\n', /line 2: confidence '150' is not 0-100/],
    ['ti.csv', 'indicator,type,tlp\n203.0.113.9,ip,orange\n', /line 2: 'orange' is not a TLP level/],
    ['ti.csv', 'indicator,type\n203.0.113.9\n', /line 2: 1 fields, the header has 2/],
    ['misp.csv', 'uuid,event_id,category,type,value,to_ids\nu,1,Network activity,ip-dst|port,203.0.113.9,1\n', /line 2: ip-dst\|port: '203\.0\.113\.9' is not address\|port/],
    ['b.json', '{"type":"bundle","objects":[{"type":"indicator","id":"indicator--x","pattern":"[ipv4-addr:value = \'1.2.3\']","pattern_type":"stix"}]}', /objects\[0\] \(indicator--x\): '1\.2\.3' is not/],
    ['b.json', '{"type":"bundle","objects":[{"type":"indicator","id":"indicator--x","pattern":"[ipv4-addr:value = \'192.0.2.1\']","confidence":"high"}]}', /objects\[0\] \(indicator--x\)\.confidence: "high" is not 0-100/],
    ['b.json', '{"type":"report"}', /type: "report" is not "bundle"/],
    ['b.json', '{"type":"bundle",\n"objects":[}', /b\.json: line 2: not valid JSON/],
    ['x.txt', 'hello,world\n1,2\n', /x\.txt: line 1: not an indicator file torwatch reads/],
  ])('malformed %s is a clear error', (name, text, re) => {
    const f = tempFile(name, text);
    let msg = '';
    try {
      parseIntelFile(f);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      msg = (err as Error).message;
    }
    expect(msg).toMatch(re);
  });

  it('the index answers by address, CIDR and domain, most confident first, inside validity', () => {
    const { log } = memoryLogger();
    const csv = tempFile('ti.csv', 'indicator,type,confidence\n203.0.113.31,ip,60\n203.0.113.0/24,ip,10\n');
    const stix = tempFile('bundle.json', JSON.stringify(STIX_BUNDLE));
    const idx = loadIndicators([csv, stix], log);
    const w = ip('203.0.113.31');
    const t = Date.UTC(2026, 10, 23);
    expect(idx.lookupIp(4, w[0], w[1], w[2], w[3], 443, t)?.confidence).toBe(85);
    // Before the STIX indicator's valid_from only the CSV ones apply.
    expect(idx.lookupIp(4, w[0], w[1], w[2], w[3], 443, Date.UTC(2026, 9, 1))?.confidence).toBe(60);
    const n = ip('203.0.113.7');
    expect(idx.lookupIp(4, n[0], n[1], n[2], n[3], 443, t)?.value).toBe('203.0.113.0/24');
    expect(idx.lookupDomain('www.bad.example', t)?.value).toBe('bad.example');
    // An address|port indicator (MISP ip-dst|port) answers for that port only.
    const misp = tempFile('misp.csv', 'uuid,event_id,category,type,value,to_ids\nu,1,Network activity,ip-dst|port,198.51.100.9|9001,1\n');
    const byPort = loadIndicators([misp], log);
    const m = ip('198.51.100.9');
    expect(byPort.lookupIp(4, m[0], m[1], m[2], m[3], 9001, t)?.port).toBe(9001);
    expect(byPort.lookupIp(4, m[0], m[1], m[2], m[3], 443, t)).toBeUndefined();
    expect(idx.lookupDomain('bad.example', Date.UTC(2026, 11, 2))).toBeUndefined();
    expect(idx.lookupDomain('example', t)).toBeUndefined();
  });
});

function det(src: string, sport: number, dst: string, dport: number, rule = 'tor-relay', hostname?: string): Detection {
  const a = parseAddress(src)!;
  const b = parseAddress(dst)!;
  const flow = new Flow(1, 0, a.version, 6, a.words[0], a.words[1], a.words[2], a.words[3], sport, b.words[0], b.words[1], b.words[2], b.words[3], dport, 0, 0, 0);
  return { rule: ruleById(rule)!, flow, tsSec: 0, tsNsec: 0, packet: 1, input: 'x', message: 'm', hostname: hostname ? { name: hostname, source: 'dns' } : undefined };
}

describe('exclusions (--allow)', () => {
  const allow = AllowList.parse(['10.0.0.5', '192.0.2.0/24', '198.51.100.7:9001', '[2001:db8::7]:443', 'port:8000-8100', 'domain:updates.example', '10.9.9.9@tor-exit']);

  it.each([
    ['10.0.0.5', 40000, '203.0.113.1', 9001, 'tor-relay', '10.0.0.5'],
    ['203.0.113.1', 40000, '192.0.2.44', 22, 'tor-relay', '192.0.2.0/24'],
    ['10.1.1.1', 40000, '198.51.100.7', 9001, 'tor-relay', '198.51.100.7:9001'],
    ['2001:db8::9', 40000, '2001:db8::7', 443, 'tor-relay', '[2001:db8::7]:443'],
    ['10.1.1.1', 40000, '203.0.113.1', 8080, 'tor-relay', 'port:8000-8100'],
    ['10.9.9.9', 40000, '203.0.113.1', 9001, 'tor-exit', '10.9.9.9@tor-exit'],
  ])('%s:%i -> %s:%i (%s) is excluded by %s', (s, sp, d, dp, rule, by) => {
    expect(allow.match(det(s, sp, d, dp, rule))).toBe(by);
  });

  it.each([
    ['10.1.1.1', 40000, '198.51.100.7', 9002, 'tor-relay'],
    ['10.1.1.1', 8080, '203.0.113.1', 443, 'tor-relay'],
    ['10.9.9.9', 40000, '203.0.113.1', 9001, 'tor-relay'],
    ['10.0.0.50', 40000, '203.0.113.1', 9001, 'tor-relay'],
  ])('%s:%i -> %s:%i (%s) is not excluded', (s, sp, d, dp, rule) => {
    expect(allow.match(det(s, sp, d, dp, rule))).toBeUndefined();
  });

  it('domains match the name and its subdomains', () => {
    expect(allow.match(det('10.1.1.1', 1, '203.0.113.1', 53, 'tor-hostname', 'dl.updates.example'))).toBe('domain:updates.example');
    expect(allow.match(det('10.1.1.1', 1, '203.0.113.1', 53, 'tor-hostname', 'notupdates.example'))).toBeUndefined();
  });

  it('bad entries are named', () => {
    expect(checkAllowEntries(['10.0.0.0/33'])).toMatch(/invalid prefix/);
    expect(checkAllowEntries(['port:70000'])).toMatch(/not port:N/);
    expect(checkAllowEntries(['port:90-80'])).toMatch(/not port:N/);
    expect(checkAllowEntries(['10.0.0.5@no-such-rule'])).toMatch(/unknown rule id 'no-such-rule'/);
    expect(checkAllowEntries(['scanner.example'])).toMatch(/is not an address, CIDR, address:port, port:N or domain:NAME/);
    expect(checkAllowEntries(['domain:bad..name'])).toMatch(/not a domain name/);
    expect(checkAllowEntries(['10.0.0.5', 'port:443'])).toBeUndefined();
  });
});
