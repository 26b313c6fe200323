import { describe, expect, it } from 'vitest';
import { ByteCursor } from '../../src/util/bytes.js';

describe('ByteCursor (src/util/bytes.ts)', () => {
  it('reads big-endian fields and moves on', () => {
    const c = new ByteCursor(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(c.u8()).toBe(1);
    expect(c.u16()).toBe(0x0203);
    expect(c.u24()).toBe(0x040506);
    expect(c.u32()).toBe(0x0708090a);
    expect(c.remaining).toBe(0);
    expect(c.err).toBe(false);
  });

  it('a read past the end returns 0, does not move, and the error sticks', () => {
    const c = new ByteCursor(Uint8Array.from([0xff, 0xee, 0xdd]));
    expect(c.u32()).toBe(0);
    expect(c.err).toBe(true);
    expect(c.pos).toBe(0);
    expect(c.u8()).toBe(0); // sticky: even a read that would fit fails now
    expect(c.has(1)).toBe(false);
  });

  it('enter/leave narrow to a length-prefixed field and skip whatever the inner parser left', () => {
    const c = new ByteCursor(Uint8Array.from([3, 0xaa, 0xbb, 0xcc, 0x42]));
    const outer = c.enter(c.u8());
    expect(c.u8()).toBe(0xaa);
    expect(c.remaining).toBe(2);
    c.leave(outer);
    expect(c.u8()).toBe(0x42);
    expect(c.err).toBe(false);
  });

  it('a field length that lies (beyond the buffer) is an error, not a wild read', () => {
    const c = new ByteCursor(Uint8Array.from([200, 1, 2]));
    expect(c.enter(c.u8())).toBe(-1);
    expect(c.err).toBe(true);
    expect(c.view(2).length).toBe(0);
    expect(c.latin1(2)).toBe('');
  });

  it('respects an end offset inside a larger buffer (views, not copies)', () => {
    const buf = Uint8Array.from([9, 9, 0x61, 0x62, 0x63, 9]);
    const c = new ByteCursor(buf, 2, 5);
    expect(c.latin1(3)).toBe('abc');
    expect(c.u8()).toBe(0);
    expect(c.err).toBe(true);
    const v = new ByteCursor(buf, 2, 5).view(2);
    expect(v.buffer).toBe(buf.buffer);
  });
});
