/**
 * Which BitTorrent client a peer runs, from what it says on the wire. The one table torwatch keeps,
 * after BEP 20 ("Peer ID Conventions") and the clients' own announcements:
 *
 *  - peer id, Azureus style: '-' + two-character client code + four version characters + '-' (e.g.
 *    `-TR3000-` Transmission 3.00, `-qB4520-` qBittorrent 4.5.2, `-lt0D80-` libTorrent 0.13.8);
 *    Shadow style: one letter + up to five version characters padded with '-' + "---" (`S587----`);
 *    Mainline style: `M4-3-6--` (BitTorrent 4.3.6); aria2: `A2-1-36-0-`;
 *  - the extension handshake's `v` (BEP 10): free text, "Transmission 3.00", "libtorrent/1.2.2.0";
 *  - the DHT `v` key (BEP 5): a client code from the same table and two version bytes;
 *  - a tracker request's User-Agent ("Transmission/2.94", "Deluge 1.3.15").
 *
 * Seed 003's words (`torrent`, `vuze`, `azureus`) in a client's name are reported with it.
 */
import type { ClientFact } from '../detection.js';


/** BEP 20's Azureus-style client codes, and codes clients have used since. */
export const AZUREUS_CODES: Readonly<Record<string, string>> = {
  '7T': 'aTorrent for Android', AB: 'AnyEvent::BitTorrent', AG: 'Ares', 'A~': 'Ares', AR: 'Arctic', AT: 'Artemis',
  AV: 'Avicora', AX: 'BitPump', AZ: 'Azureus/Vuze', BB: 'BitBuddy', BC: 'BitComet', BE: 'Baretorrent',
  BF: 'Bitflu', BG: 'BTG', BI: 'BiglyBT', BL: 'BitCometLite', BP: 'BitTorrent Pro', BR: 'BitRocket',
  BS: 'BTSlave', BT: 'BitTorrent', BW: 'BitWombat', BX: 'Bittorrent X', CD: 'Enhanced CTorrent',
  CT: 'CTorrent', DE: 'Deluge', DP: 'Propagate Data Client', EB: 'EBit', ES: 'electric sheep',
  FC: 'FileCroc', FD: 'Free Download Manager', FT: 'FoxTorrent', FX: 'Freebox BitTorrent', GS: 'GSTorrent',
  HK: 'Hekate', HL: 'Halite', HM: 'hMule', HN: 'Hydranode', IL: 'iLivid', JS: 'Justseed.it client',
  JT: 'JavaTorrent', KG: 'KGet', KT: 'KTorrent', LC: 'LeechCraft', LH: 'LH-ABC', LP: 'Lphant',
  LT: 'libtorrent (Rasterbar)', lt: 'rTorrent (libTorrent, rakshasa)', LW: 'LimeWire', MK: 'Meerkat', MO: 'MonoTorrent',
  MP: 'MooPolice', MR: 'Miro', MT: 'MoonlightTorrent', NB: 'Net::BitTorrent', NX: 'Net Transport',
  OS: 'OneSwarm', OT: 'OmegaTorrent', PB: 'Protocol::BitTorrent', PD: 'Pando', PI: 'PicoTorrent',
  PT: 'PHPTracker', qB: 'qBittorrent', QD: 'QQDownload', QT: 'Qt 4 Torrent example', RT: 'Retriever',
  RZ: 'RezTorrent', 'S~': 'Shareaza alpha/beta', SB: '~Swiftbit', SD: 'Thunder (XunLei)', SM: 'SoMud',
  SP: 'BitSpirit', SS: 'SwarmScope', ST: 'SymTorrent', st: 'sharktorrent', SZ: 'Shareaza', TB: 'Torch',
  TE: 'terasaur Seed Bank', TL: 'Tribler', TN: 'TorrentDotNET', TR: 'Transmission', TS: 'Torrentstorm',
  TT: 'TuoTu', TX: 'Tixati', UL: 'uLeecher!', UE: 'µTorrent Embedded', UM: 'µTorrent for Mac',
  UT: 'µTorrent', UW: 'µTorrent Web', VG: 'Vagaa', WD: 'WebTorrent Desktop', WT: 'BitLet', WW: 'WebTorrent',
  WY: 'FireTorrent', XF: 'Xfplay', XL: 'Xunlei', XS: 'XSwifter', XT: 'XanTorrent', XX: 'Xtorrent',
  ZT: 'ZipTorrent',
};

/** BEP 20's Shadow-style one-letter codes. */
export const SHADOW_CODES: Readonly<Record<string, string>> = {
  A: 'ABC', O: 'Osprey Permaseed', Q: 'BTQueue', R: 'Tribler', S: "Shadow's client", T: 'BitTornado', U: 'UPnP NAT Bit Torrent',
};

/** Version characters: 0-9, A-Z = 10-35, a-z = 36-61, '.' = 62 (BEP 20). */
function digit(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
  if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 61;
  if (c === '.') return 62;
  return -1;
}

/** The four version characters of an Azureus-style id, as the client numbers its releases. */
function azureusVersion(code: string, v: string): string | undefined {
  const d = [...v].map(digit);
  if (d.some((x) => x < 0)) return undefined;
  switch (code) {
    case 'TR':
      // Transmission: -TR294Z- = 2.94+ (development); from 4.0, major.minor.patch.
      if (v[3] === 'Z' || v[3] === 'X') return `${d[0]}.${d[1]}${d[2]}+`;
      return d[0] >= 4 ? `${d[0]}.${d[1]}.${d[2]}` : `${d[0]}.${d[1]}${d[2]}`;
    case 'UT':
    case 'UM':
    case 'UE':
    case 'UW':
      // µTorrent: three version digits and a release letter (B beta, A alpha, ...).
      return `${d[0]}.${d[1]}.${d[2]}`;
    case 'AZ':
    case 'BI':
      return d.join('.');
    default:
      return d[3] === 0 ? d.slice(0, 3).join('.') : d.join('.');
  }
}

/** %XX escapes (text.ts peerIdText) back to characters (only the first few matter here). */
function unescapePeerId(s: string): string {
  return s.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Peer ids seen lately and the client each names. A swarm repeats a handful of ids in every handshake,
 * tracker request and PEX message, and reading one takes several regular expressions and a few objects;
 * bounded (emptied when full), keyed by the id's text (Map keys are hashed with V8's per-process seed).
 * The facts are shared: nothing downstream changes a ClientFact (the alert builder copies it).
 */
const PEER_ID_CACHE_MAX = 1024;
const peerIdCache = new Map<string, ClientFact | null>();

export function clientFromPeerId(peerIdText: string): ClientFact | undefined {
  const hit = peerIdCache.get(peerIdText);
  if (hit !== undefined) return hit ?? undefined;
  const c = readPeerId(peerIdText);
  if (peerIdCache.size >= PEER_ID_CACHE_MAX) peerIdCache.clear();
  peerIdCache.set(peerIdText, c ?? null);
  return c;
}

function readPeerId(peerIdText: string): ClientFact | undefined {
  const id = unescapePeerId(peerIdText);
  let m = /^-([A-Za-z0-9~]{2})([0-9A-Za-z.]{4})-/.exec(id);
  if (m && AZUREUS_CODES[m[1]]) return withSeed({ name: AZUREUS_CODES[m[1]], version: azureusVersion(m[1], m[2]), source: 'peer_id' });
  m = /^A2-(\d{1,2})-(\d{1,2})-(\d{1,2})-/.exec(id);
  if (m) return withSeed({ name: 'aria2', version: `${m[1]}.${m[2]}.${m[3]}`, source: 'peer_id' });
  m = /^([MQ])(\d{1,2})-(\d{1,2})-(\d{1,2})-/.exec(id);
  if (m) return withSeed({ name: m[1] === 'M' ? 'BitTorrent (Mainline)' : 'Queen Bee', version: `${m[2]}.${m[3]}.${m[4]}`, source: 'peer_id' });
  m = /^([AOQRSTU])([0-9A-Za-z.]{1,5})(-*)---/.exec(id);
  if (m && m[2].length + m[3].length === 5) {
    return withSeed({ name: SHADOW_CODES[m[1]], version: [...m[2]].map(digit).join('.'), source: 'peer_id' });
  }
  return undefined;
}

/** The extension handshake's `v`: "Name 1.2.3", "Name/1.2.3" or just a name. */
export function clientFromExtension(v: string): ClientFact | undefined {
  return splitNameVersion(v, 'extension');
}

/** The DHT's `v`: a two-character client code and two version bytes (hex of the whole, as reported). */
export function clientFromDhtVersion(code: string | undefined, vHex: string | undefined): ClientFact | undefined {
  if (code === undefined || vHex === undefined || vHex.length < 8) return undefined;
  const name = AZUREUS_CODES[code];
  if (!name) return undefined;
  const a = parseInt(vHex.slice(4, 6), 16);
  const b = parseInt(vHex.slice(6, 8), 16);
  // Printable digits are a version as text ("UT01"). Other clients pack numbers their own way
  // (µTorrent a build number, libtorrent major and minor/tiny): not a version to print, so left out
  // (the raw `v` stays in the DHT facts).
  const digits = a >= 0x30 && a <= 0x39 && b >= 0x30 && b <= 0x39;
  const version = digits ? String.fromCharCode(a, b) : undefined;
  return withSeed({ name, version, source: 'dht_version' });
}

export function clientFromUserAgent(ua: string): ClientFact | undefined {
  return splitNameVersion(ua, 'user_agent');
}

function splitNameVersion(s: string, source: ClientFact['source']): ClientFact | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const m = /^([^/\s]+(?: [A-Za-z][^/\s]*)*?)[/ ]v?(\d[\w.+-]*)/.exec(t);
  if (m) return withSeed({ name: m[1].slice(0, 64), version: m[2].slice(0, 32), source });
  return withSeed({ name: t.split(/[\s/(;]/)[0].slice(0, 64) || t.slice(0, 64), source });
}

/** Seed 003's words (`InitiatingProcessFileName has "torrent"/"vuze"/"azureus"`) found in a name. */
export function seedWordsOf(name: string): string[] {
  const n = name.toLowerCase();
  return ['torrent', 'vuze', 'azureus'].filter((w) => n.includes(w));
}

function withSeed(c: ClientFact): ClientFact {
  const w = seedWordsOf(c.name);
  if (c.version === undefined) delete c.version;
  return w.length ? { ...c, seedWords: w } : c;
}

/** "Name 1.2.3" for messages and host records. */
export function clientLabel(c: ClientFact): string {
  return c.version ? `${c.name} ${c.version}` : c.name;
}
