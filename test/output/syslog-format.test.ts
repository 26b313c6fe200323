/**
 * RFC 5424 / RFC 3164 formatting, RFC 6587 framing, escaping and UTF-8, checked against the RFCs'
 * rules (and, for the whole path, by the real receivers in receivers.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { frame, FramingError } from '../../src/output/framing.js';
import { Deframer, frameAll } from '../support/deframer.js';
import { bsdTimestamp, formatRfc3164 } from '../../src/output/rfc3164.js';
import { checkHeaderField, escapeParamValue, formatRfc5424, formatStructuredData, headerField, isSdName, priority, syslogTimestamp } from '../../src/output/rfc5424.js';
import { parseFacility, SyslogFormatter } from '../../src/output/syslog-message.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('RFC 5424 header', () => {
  it('PRI is facility * 8 + severity, within 0..191', () => {
    expect(priority(0, 0)).toBe(0);
    expect(priority(16, 4)).toBe(132);
    expect(priority(23, 7)).toBe(191);
    expect(() => priority(24, 0)).toThrow(RangeError);
    expect(() => priority(1, 8)).toThrow(RangeError);
  });

  it('the RFC 5424 section 6.5 example 1 layout', () => {
    const m = formatRfc5424({ facility: 4, severity: 2, timestamp: '2003-10-11T22:14:15.003Z', hostname: 'mymachine.example.com', appName: 'su', msgId: 'ID47', msg: "'su root' failed for lonvick on /dev/pts/8" });
    expect(m.toString('utf8')).toBe("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8");
  });

  it('NILVALUE for absent fields; no MSG means no trailing space', () => {
    expect(formatRfc5424({ facility: 1, severity: 5, msg: '' }).toString()).toBe('<13>1 - - - - - -');
  });

  it('TIMESTAMP keeps at most 6 fraction digits, cut not rounded, and keeps the offset', () => {
    expect(syslogTimestamp('2026-11-23T07:12:22.143549490Z')).toBe('2026-11-23T07:12:22.143549Z');
    expect(syslogTimestamp('2026-11-23T23:59:59.9999999Z')).toBe('2026-11-23T23:59:59.999999Z');
    expect(syslogTimestamp('2026-11-23T07:12:22Z')).toBe('2026-11-23T07:12:22Z');
    expect(syslogTimestamp('2026-11-23T07:12:22.5+01:00')).toBe('2026-11-23T07:12:22.5+01:00');
    expect(syslogTimestamp('23 Nov 2026')).toBeUndefined();
    expect(formatRfc5424({ facility: 1, severity: 1, timestamp: 'yesterday', msg: 'x' }).toString()).toMatch(/^<9>1 - /);
  });

  it('header fields: PRINTUSASCII only, length caps, NILVALUE when empty', () => {
    expect(headerField('sensor 01\u00e9', 255)).toBe('sensor_01_');
    expect(headerField('a'.repeat(60), 48)).toHaveLength(48);
    expect(headerField('', 48)).toBe('-');
    expect(checkHeaderField('app-name', 'tor watch', 48)).toMatch(/printable US-ASCII/);
    expect(checkHeaderField('app-name', 'x'.repeat(49), 48)).toMatch(/longer than 48/);
    expect(checkHeaderField('hostname', 'sensor-01.example', 255)).toBeUndefined();
  });
});

describe('RFC 5424 structured data', () => {
  it('escapes ", \\ and ] in PARAM-VALUE (6.3.3) and nothing else', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
    expect(formatStructuredData([{ id: 'exampleSDID@32473', params: [['iut', '3'], ['eventSource', 'App"li]c\\ation']] }])).toBe('[exampleSDID@32473 iut="3" eventSource="App\\"li\\]c\\\\ation"]');
  });

  it('never lets a CR or LF into a message (LF framing would split it)', () => {
    expect(escapeParamValue('a\nb\rc')).toBe('a b c');
  });

  it('SD-NAMEs: 1-32 PRINTUSASCII without = space ] "', () => {
    expect(isSdName('origin')).toBe(true);
    expect(isSdName('event.id')).toBe(true);
    for (const bad of ['', 'a b', 'a=b', 'a]', 'a"', 'x'.repeat(33), 'caf\u00e9']) expect(isSdName(bad), bad).toBe(false);
    expect(() => formatStructuredData([{ id: 'bad id', params: [] }])).toThrow(RangeError);
    expect(() => formatStructuredData([{ id: 'ok', params: [['bad name', 'v']] }])).toThrow(RangeError);
  });

  it('several elements are concatenated without spaces; none gives the NILVALUE', () => {
    expect(formatStructuredData([{ id: 'a', params: [] }, { id: 'b', params: [['k', 'v']] }])).toBe('[a][b k="v"]');
    expect(formatStructuredData([])).toBe('-');
  });
});

describe('UTF-8 and the BOM', () => {
  const json = JSON.stringify({ message: 'héllo ✓ \u{1F9C5} onion', dns: { question: { name: 'пример.onion' } } });

  it('MSG-UTF8: BOM then the UTF-8 bytes, unchanged', () => {
    const m = formatRfc5424({ facility: 16, severity: 4, msg: json });
    const i = m.indexOf(BOM);
    expect(i).toBeGreaterThan(0);
    expect(m[i - 1]).toBe(0x20);
    expect(m.subarray(i + 3).toString('utf8')).toBe(json);
    expect(JSON.parse(m.subarray(i + 3).toString('utf8'))).toEqual(JSON.parse(json));
  });

  it('bom=false gives MSG-ANY: the JSON right after the space', () => {
    const m = formatRfc5424({ facility: 16, severity: 4, msg: json, bom: false });
    expect(m.includes(BOM)).toBe(false);
    expect(m.toString('utf8').endsWith(' ' + json)).toBe(true);
  });

  it('lone surrogates never reach the wire: JSON.stringify escapes them, so the message is valid UTF-8', () => {
    const line = JSON.stringify({ message: 'bad \uD800 half' });
    const m = formatRfc5424({ facility: 1, severity: 1, msg: line });
    expect(m.toString('utf8')).toContain('\\ud800');
    expect(new TextDecoder('utf-8', { fatal: true }).decode(m)).toBeTruthy();
  });
});

describe('octet-counting and LF framing (RFC 6587)', () => {
  it('MSG-LEN counts octets, not characters', () => {
    const msg = Buffer.from('<13>1 - - - - - - \uFEFFé✓\u{1F9C5}', 'utf8');
    const f = frame(msg, 'octet-counting');
    const sp = f.indexOf(0x20);
    expect(Number(f.subarray(0, sp).toString())).toBe(msg.length);
    expect(msg.length).toBeGreaterThan('<13>1 - - - - - - \uFEFFé✓\u{1F9C5}'.length);
    expect(f.subarray(sp + 1)).toEqual(msg);
  });

  it('LF framing appends one LF and refuses a message that holds one', () => {
    expect(frame(Buffer.from('abc'), 'lf').toString()).toBe('abc\n');
    expect(() => frame(Buffer.from('a\nb'), 'lf')).toThrow(FramingError);
    expect(() => frame(Buffer.alloc(0), 'octet-counting')).toThrow(FramingError);
  });

  it('a stream of framed messages splits back into the same messages at every cut position', () => {
    const msgs = ['<13>1 - - - - - - a', '<13>1 - - - - - - \uFEFF{"x":"é✓ 9 10 11"}', '<14>1 2026-01-01T00:00:00Z h a p m [x k="v \\] w"] 123 456'].map((s) => Buffer.from(s, 'utf8'));
    for (const framing of ['octet-counting', 'lf'] as const) {
      const wire = frameAll(msgs, framing);
      for (let cut = 0; cut <= wire.length; cut++) {
        const d = new Deframer(framing);
        const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
        expect(got.map((b) => b.toString('utf8')), `${framing} cut ${cut}`).toEqual(msgs.map((b) => b.toString('utf8')));
        expect(d.pending).toBe(0);
      }
    }
  });

  it('the deframer rejects a bad or oversized MSG-LEN instead of buffering without bound', () => {
    expect(() => new Deframer('octet-counting').push(Buffer.from('012 abc'))).toThrow(FramingError);
    expect(() => new Deframer('octet-counting').push(Buffer.from('1x2 abc'))).toThrow(FramingError);
    expect(() => new Deframer('octet-counting', 100).push(Buffer.from('5000 abc'))).toThrow(/exceeds/);
  });
});

describe('RFC 3164', () => {
  it('<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG, day padded with a space', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9);
    expect(bsdTimestamp(d)).toBe('Jan  5 07:08:09');
    expect(formatRfc3164({ facility: 3, severity: 4, time: d, hostname: 'sensor', tag: 'torwatch', pid: 42, msg: '{"a":1}' }).toString()).toBe('<28>Jan  5 07:08:09 sensor torwatch[42]: {"a":1}');
  });
});

describe('alert -> syslog message', () => {
  const alert = { '@timestamp': '2026-11-23T07:12:22.143549490Z', event: { id: 'ab-"]-cd', risk_score: 73 }, rule: { id: 'tor-hostname' }, torwatch: { severity: 'high' } };
  const line = JSON.stringify(alert);

  it('severity from the alert, MSGID = rule id, time from @timestamp, sequenceId counts from 1', () => {
    const f = new SyslogFormatter({ format: 'rfc5424', facility: 16, appName: 'torwatch', hostname: 'h', procId: '7', bom: true, version: '1.2.3' });
    const a = f.format(line, alert).toString('utf8');
    const b = f.format(line, alert).toString('utf8');
    expect(a).toBe(`<131>1 2026-11-23T07:12:22.143549Z h torwatch 7 tor-hostname [origin software="torwatch" swVersion="1.2.3"][meta sequenceId="1"] \uFEFF${line}`);
    expect(b).toContain('[meta sequenceId="2"]');
  });

  it('an enterprise id adds [torwatch@PEN ...] with escaped values', () => {
    const f = new SyslogFormatter({ format: 'rfc5424', facility: 16, appName: 'torwatch', hostname: 'h', procId: '7', bom: false, version: '1', enterpriseId: '32473' });
    expect(f.format(line, alert).toString()).toContain('[torwatch@32473 event.id="ab-\\"\\]-cd" rule.id="tor-hostname" event.risk_score="73"]');
  });

  it('facility names and numbers', () => {
    expect(parseFacility('local7')).toBe(23);
    expect(parseFacility('AUTHPRIV')).toBe(10);
    expect(parseFacility('5')).toBe(5);
    expect(parseFacility('24')).toBeUndefined();
    expect(parseFacility('local8')).toBeUndefined();
  });
});
