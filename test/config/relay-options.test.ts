import { describe, expect, it } from 'vitest';
import { applyOption, COMMON_OPTIONS } from '../../src/config/options.js';
import { defaultSettings, parseDuration } from '../../src/config/settings.js';

const spec = (key: string) => COMMON_OPTIONS.find((o) => o.key === key)!;

describe('relay options', () => {
  it('durations: units s/m/h/d, bare numbers are minutes', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('60')).toBe(3_600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('soon')).toMatch(/not a duration/);
    expect(parseDuration('5s', 10_000)).toMatch(/out of range/);
  });

  it('defaults: refresh 60m, grace 24h, max age 3h', () => {
    const s = defaultSettings();
    expect([s.relaysRefreshMs, s.relaysStaleGraceMs, s.relaysMaxAgeMs]).toEqual([3_600_000, 86_400_000, 10_800_000]);
  });

  it('each option lands in Settings; bad values name the option', () => {
    const s = defaultSettings();
    applyOption(s, spec('relays-refresh'), ['15m'], '--relays-refresh');
    applyOption(s, spec('relays-stale-grace'), ['2h'], '--relays-stale-grace');
    applyOption(s, spec('relays-max-age'), ['6h'], '--relays-max-age');
    applyOption(s, spec('relays-cache'), ['/var/cache/torwatch'], '--relays-cache');
    applyOption(s, spec('allow'), ['10.0.0.5,port:443', '192.0.2.0/24@tor-relay'], '--allow');
    expect(s).toMatchObject({ relaysRefreshMs: 900_000, relaysStaleGraceMs: 7_200_000, relaysMaxAgeMs: 21_600_000, relaysCache: '/var/cache/torwatch', allow: ['10.0.0.5', 'port:443', '192.0.2.0/24@tor-relay'] });
    expect(() => applyOption(s, spec('relays-refresh'), ['5s'], '--relays-refresh')).toThrow(/^--relays-refresh: '5s' is out of range/);
    expect(() => applyOption(s, spec('allow'), ['10.0.0.5', 'bogus'], '--allow')).toThrow(/^--allow: 'bogus' is not/);
  });
});
