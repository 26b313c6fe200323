/** The hex form of peer-chosen bytes: exact, and never past the view it was given. */
import { describe, expect, it } from 'vitest';
import { hex } from '../../src/applayer/bittorrent/text.js';
import { clientFromPeerId } from '../../src/detect/rules/torrent-clients.js';

describe('hex', () => {
  it('gives lowercase hex of the bytes asked for', () => {
    expect(hex(Uint8Array.from([0x00, 0x0f, 0xab, 0xff]))).toBe('000fabff');
    expect(hex(Uint8Array.from([1, 2, 3, 4, 5]), 1, 3)).toBe('020304');
  });

  it('reads only inside its view of a larger buffer (a packet beside another)', () => {
    const whole = Uint8Array.from([0xde, 0xad, 0x01, 0x02, 0xbe, 0xef]);
    const view = whole.subarray(2, 4);
    expect(hex(view)).toBe('0102');
    expect(hex(view, 1, 5)).toBe('02');
    expect(hex(view, 3, 2)).toBe('');
  });
});

describe('clientFromPeerId, remembered', () => {
  it('gives the same answer the second time, and for ids it cannot read', () => {
    const a = clientFromPeerId('-TR3000-abcdefghijkl');
    expect(a).toMatchObject({ name: 'Transmission', version: '3.00', source: 'peer_id' });
    expect(clientFromPeerId('-TR3000-abcdefghijkl')).toEqual(a);
    expect(clientFromPeerId('%00%01%02nothing-known')).toBeUndefined();
    expect(clientFromPeerId('%00%01%02nothing-known')).toBeUndefined();
    for (let i = 0; i < 3000; i++) clientFromPeerId(`-qB4520-${String(i).padStart(12, '0')}`);
    expect(clientFromPeerId('-TR3000-abcdefghijkl')).toEqual(a);
  });
});
