import { describe, expect, it } from 'vitest';
import { normaliseHostname, torHostnameMatch, torrentHostnameMatch } from '../../src/detect/rules/hostname-match.js';
import { tor2webDomain, TOR2WEB_DOMAINS } from '../../src/detect/rules/tor2web-domains.js';
import { GROUP_P224, isStrongTorSni, isTorCertificatePair, torSniLabel } from '../../src/detect/rules/tor-link-names.js';

const tor = (n: string): string | undefined => torHostnameMatch(normaliseHostname(n));
const torrent = (n: string): string | undefined => torrentHostnameMatch(normaliseHostname(n));

/** SPEC.md's ordinary names that must never match, and a few more near misses. */
const ORDINARY = ['storage.googleapis.com', 'mentor.com', 'history.com', 'torproject.org', 'www.torproject.org', 'tor.example',
  'onion.example.com', 'exit.example.net', 'x.tor.example', 'notonion.to', 'onion.tools', 'editor.com', 'storrs.edu', 'onion', 'tor', '.'];

describe('tor-hostname names (src/detect/rules/hostname-match.ts)', () => {
  it('.onion, .exit, .tor as the whole final label, any case, trailing dot tolerated', () => {
    expect(tor('expyuzz4wqqyqhjn.onion')).toBe('.onion');
    expect(tor('2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.ONION.')).toBe('.onion');
    expect(tor('www.example.com.$abcdef0123456789abcdef0123456789abcdef01.exit')).toBe('.exit');
    expect(tor('Y.Tor')).toBe('.tor');
  });

  it('tor2web gateways: the domain itself and names under it, by whole labels', () => {
    expect(tor('abcdefghij234567.onion.to')).toBe('tor2web:onion.to');
    expect(tor('onion.link')).toBe('tor2web:onion.link');
    expect(tor('a.b.tor2web.org')).toBe('tor2web:tor2web.org');
    expect(tor2webDomain('evilonion.to')).toBeUndefined();
    for (const d of TOR2WEB_DOMAINS) {
      expect(d).toBe(d.toLowerCase());
      expect(tor(`x.${d}`)).toBe(`tor2web:${d}`);
    }
  });

  it('ordinary names never match', () => {
    for (const n of ORDINARY) expect(tor(n), n).toBeUndefined();
  });
});

describe('torrent-hostname names', () => {
  it('case-insensitive substring torrent, vuze, azureus', () => {
    expect(torrent('utorrent.com')).toBe('torrent');
    expect(torrent('tracker.TORRENT-site.example')).toBe('torrent');
    expect(torrent('Vuze.com')).toBe('vuze');
    expect(torrent('azureus-platform.example')).toBe('azureus');
  });

  it('ordinary names never match', () => {
    for (const n of [...ORDINARY, 'tracker.trackerfix.com', 'tor.rent.example']) expect(torrent(n), n).toBeUndefined();
  });
});

describe('Tor link names (src/detect/rules/tor-link-names.ts)', () => {
  it('client SNI www.<4-25 base32>.com, exactly', () => {
    expect(torSniLabel('www.ct7ctrgb6cr7.com')).toBe('ct7ctrgb6cr7');
    expect(torSniLabel('www.dkru.com')).toBe('dkru');
    expect(torSniLabel('www.' + 'a'.repeat(25) + '.com')).toBe('a'.repeat(25));
    for (const bad of ['www.abc.com', 'www.' + 'a'.repeat(26) + '.com', 'www.abcd1.com', 'www.abcd8.com', 'www.ABCD.com',
      'www.abcd.net', 'abcd.com', 'www.ab-cd.com', 'www.abcd.com.', 'mail.abcd.com']) {
      expect(torSniLabel(bad), bad).toBeUndefined();
    }
  });

  it('certificate pair: www.<8-20>.net issued by www.<8-20>.com', () => {
    expect(isTorCertificatePair('www.g6ghvisevf3ibuu5.net', 'www.xkgk7fdx362yyyxib.com')).toBe(true);
    expect(isTorCertificatePair('www.g6ghvisevf3ibuu5.com', 'www.xkgk7fdx362yyyxib.com')).toBe(false);
    expect(isTorCertificatePair('www.g6ghvisevf3ibuu5.net', 'DigiCert Global CA')).toBe(false);
    expect(isTorCertificatePair('www.abcdefg.net', 'www.abcdefgh.com')).toBe(false); // 7 < 8
    expect(isTorCertificatePair('www.abcdefgh.net', undefined)).toBe(false);
  });

  it('an SNI-only decision needs no ALPN and a digit or P-224: www.google.com is not Tor', () => {
    expect(isStrongTorSni('ct7ctrgb6cr7', 0, [])).toBe(true);
    expect(isStrongTorSni('dkru', 0, [0x17, 0x1d, GROUP_P224])).toBe(true);
    expect(isStrongTorSni('dkru', 0, [0x1d, 0x17])).toBe(false);
    expect(isStrongTorSni(torSniLabel('www.google.com')!, 2, [0x1d, 0x17])).toBe(false);
    expect(isStrongTorSni(torSniLabel('www.google.com')!, 0, [0x1d, 0x17])).toBe(false);
    expect(isStrongTorSni('ct7ctrgb6cr7', 1, [GROUP_P224])).toBe(false);
  });
});

describe('quick rejects agree with the rules', () => {
  it('never reject a name the rules match', async () => {
    const { mayMatchTor, mayMatchTorrent } = await import('../../src/detect/rules/hostname-match.js');
    const names = ['foo.onion', 'FOO.ONION.', 'x.exit', 'y.Tor', 'a.onion.to', 'onion.to', 'x.tor2web.org', 'a.onion.in.net', 'b.darknet.to',
      'utorrent.com', 'Vuze.example', 'AZUREUS', ...ORDINARY, 'onion.toolbox.example', 'www.google.com'];
    for (const n of names) {
      if (tor(n) !== undefined) expect(mayMatchTor(n), n).toBe(true);
      if (torrent(n) !== undefined) expect(mayMatchTorrent(n), n).toBe(true);
    }
    expect(mayMatchTor('storage.googleapis.com')).toBe(false);
    expect(mayMatchTorrent('mentor.com')).toBe(false);
  });
});

describe('DNS presentation escapes', () => {
  it('an escaped dot inside a label is not a label boundary', () => {
    expect(tor('foo\\.onion')).toBeUndefined();
    expect(tor('a.foo\\.onion')).toBeUndefined();
    expect(tor('a\\.b.onion')).toBe('.onion');
    expect(tor('x\\032y.onion.to')).toBe('tor2web:onion.to');
    expect(tor('x.onion\\.to')).toBeUndefined();
  });
});
