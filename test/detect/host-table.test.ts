import { describe, expect, it } from 'vitest';
import { HostTable } from '../../src/detect/hosts/host-table.js';

describe('HostTable', () => {
  it('keeps one record per address, ages out on the packet clock', () => {
    const t = new HostTable(10, 1000, () => ({ n: 0 }));
    t.touch(4, 0, 0, 0, 0x0a000001, 0).n++;
    t.touch(4, 0, 0, 0, 0x0a000001, 500).n++;
    expect(t.get(4, 0, 0, 0, 0x0a000001, 1400)?.n).toBe(2);
    expect(t.get(4, 0, 0, 0, 0x0a000001, 1500)).toBeUndefined();
    expect(t.touch(4, 0, 0, 0, 0x0a000001, 1600).n).toBe(0);
    expect(t.expirations).toBe(1);
    // IPv4 and an IPv6 address with the same last word are different hosts.
    expect(t.touch(6, 0x20010db8, 0, 0, 0x0a000001, 1600).n).toBe(0);
    expect(t.size).toBe(2);
  });

  it('holds at its capacity by dropping the host touched longest ago', () => {
    const t = new HostTable(3, 1e9, () => ({}));
    for (let i = 1; i <= 5; i++) t.touch(4, 0, 0, 0, i, i);
    expect(t.size).toBe(3);
    expect(t.evictions).toBe(2);
    expect(t.get(4, 0, 0, 0, 1, 10)).toBeUndefined();
    expect(t.get(4, 0, 0, 0, 5, 10)).toBeDefined();
    // Touching an old host makes it young again.
    t.touch(4, 0, 0, 0, 3, 11);
    t.touch(4, 0, 0, 0, 6, 12);
    expect(t.get(4, 0, 0, 0, 3, 13)).toBeDefined();
    expect(t.get(4, 0, 0, 0, 4, 13)).toBeUndefined();
  });
});
