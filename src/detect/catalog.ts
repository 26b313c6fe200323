/**
 * The rules torwatch knows, in one place: ids are stable (SPEC.md), and everything an alert says about
 * its rule (name, severity, MITRE mapping, reference) comes from here. `torwatch rules` prints it. The
 * severity is a word; what it becomes in ECS (event.severity, risk_score) and syslog is alert/severity.ts.
 * The order fixes each rule's bit in Flow.fired; append, never reorder.
 */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface MitreRef {
  id: string;
  name: string;
  reference: string;
}

export interface ThreatMapping {
  tactics: MitreRef[];
  techniques: MitreRef[];
  subtechniques: MitreRef[];
}

export interface RuleDef {
  id: RuleId;
  /** Bit index in Flow.fired. */
  index: number;
  name: string;
  description: string;
  category: string;
  severity: Severity;
  /** The seed document the rule comes from (../shared/seeds/). */
  seed: string;
  reference: string;
  version: string;
  threat: ThreatMapping;
}

const TA0011: MitreRef = { id: 'TA0011', name: 'Command and Control', reference: 'https://attack.mitre.org/tactics/TA0011/' };
const TA0010: MitreRef = { id: 'TA0010', name: 'Exfiltration', reference: 'https://attack.mitre.org/tactics/TA0010/' };
const T1090: MitreRef = { id: 'T1090', name: 'Proxy', reference: 'https://attack.mitre.org/techniques/T1090/' };
const T1071: MitreRef = { id: 'T1071', name: 'Application Layer Protocol', reference: 'https://attack.mitre.org/techniques/T1071/' };
const T1573: MitreRef = { id: 'T1573', name: 'Encrypted Channel', reference: 'https://attack.mitre.org/techniques/T1573/' };
const T1090_003: MitreRef = { id: 'T1090.003', name: 'Multi-hop Proxy', reference: 'https://attack.mitre.org/techniques/T1090/003/' };

/**
 * SPEC.md: Tor rules map to TA0011 / T1090 / T1090.003; seed 002 (tor-exit) adds TA0010, T1071, T1573.
 * A rule is mapped only where the technique is defensible: BitTorrent is file sharing, not a multi-hop
 * proxy, so the torrent rules carry no ATT&CK mapping (`torwatch rules` says "none").
 */
const PROXY: ThreatMapping = { tactics: [TA0011], techniques: [T1090], subtechniques: [T1090_003] };
const EXIT: ThreatMapping = { tactics: [TA0011, TA0010], techniques: [T1090, T1071, T1573], subtechniques: [T1090_003] };
/** Pluggable transports hide Tor inside an encrypted channel that looks like something else. */
const TRANSPORT: ThreatMapping = { tactics: [TA0011], techniques: [T1090, T1573], subtechniques: [T1090_003] };
export const NO_MAPPING: ThreatMapping = { tactics: [], techniques: [], subtechniques: [] };

export const RULE_IDS = [
  'tor-relay', 'tor-exit', 'tor-port-private', 'tor-hostname', 'torrent-hostname', 'tor-link-fingerprint',
  'tor-bridge', 'tor-obfs4', 'tor-snowflake', 'tor-meek',
  'torrent-peer', 'torrent-dht', 'torrent-tracker', 'torrent-lsd',
  'tor-software',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

const DEFS: Omit<RuleDef, 'index'>[] = [
  {
    id: 'tor-relay',
    name: 'Connection with a listed Tor relay',
    description: "A flow's remote endpoint is a listed Tor relay address; High confidence when the port is that relay's ORPort/DirPort, Medium on the address only.",
    category: 'Tor', severity: 'medium', seed: '000',
    reference: 'https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/Microsoft%20365%20Defender/Command%20and%20Control/DetectTorRelayConnectivity.yaml',
    version: '1', threat: PROXY,
  },
  {
    id: 'tor-exit',
    name: 'Connection with a Tor exit node',
    description: "A flow's remote endpoint is a known Tor exit address. Risk: CRITICAL with a threat-intel hit of confidence >= 80, HIGH with any TI hit, MEDIUM outbound, LOW inbound.",
    category: 'Tor', severity: 'medium', seed: '002',
    reference: 'https://attack.mitre.org/techniques/T1090/003/',
    version: '1', threat: EXIT,
  },
  {
    id: 'tor-port-private',
    name: 'Tor activity to the Internet (TCP 9001/9030 from a private address)',
    description: 'TCP to destination port 9001 or 9030 (Tor ORPort/DirPort defaults) from 10/8, 172.16/12 or 192.168/16 to an address outside private, loopback, link-local and multicast ranges.',
    category: 'Tor', severity: 'medium', seed: '004',
    reference: 'https://www.elastic.co/guide/en/security/current/tor-activity-to-the-internet.html',
    version: '1', threat: PROXY,
  },
  {
    id: 'tor-hostname',
    name: 'Tor hostname',
    description: 'A DNS question, TLS SNI, HTTP Host or QUIC SNI ends with .onion, .exit or .tor, or is a tor2web domain.',
    category: 'Tor', severity: 'high', seed: '003',
    reference: 'https://attack.mitre.org/techniques/T1090/003/',
    version: '1', threat: PROXY,
  },
  {
    id: 'torrent-hostname',
    name: 'Torrent hostname',
    description: 'A DNS question, TLS SNI, HTTP Host or QUIC SNI contains torrent, vuze or azureus.',
    category: 'Torrent', severity: 'low', seed: '003',
    reference: 'https://www.bittorrent.org/beps/bep_0003.html',
    version: '2', threat: NO_MAPPING,
  },
  {
    id: 'tor-link-fingerprint',
    name: 'Tor link protocol TLS handshake',
    description: 'A TLS handshake shaped like Tor\'s link protocol: client SNI www.<4-25 base32 chars>.com, or on TLS <= 1.2 a certificate www.<base32>.net issued by www.<base32>.com. No relay list needed.',
    category: 'Tor', severity: 'high', seed: '001',
    reference: 'https://spec.torproject.org/tor-spec/negotiating-channels.html',
    version: '1', threat: PROXY,
  },
  {
    id: 'tor-bridge',
    name: 'Connection to a known Tor bridge',
    description: "A connection to a listed Tor bridge address:port: Tor Browser's built-in bridges (a dated list shipped with torwatch, current and past entries) or the user's --bridges; names the transport.",
    category: 'Tor', severity: 'high', seed: '001',
    reference: 'https://tb-manual.torproject.org/bridges/',
    version: '1', threat: TRANSPORT,
  },
  {
    id: 'tor-obfs4',
    name: 'obfs4-style fully encrypted connection',
    description: "TCP flows whose first payloads are fully random-looking (none of the exemptions Wu et al. measured: bits per byte, printable prefix and runs, TLS/HTTP/SSH) with obfs4's handshake sizes, raised when the evidence on the host is strong enough; High to a listed bridge.",
    category: 'Tor', severity: 'medium', seed: '002',
    reference: 'https://gitlab.com/yawning/obfs4/-/blob/master/doc/obfs4-spec.txt',
    version: '1', threat: TRANSPORT,
  },
  {
    id: 'tor-snowflake',
    name: 'Tor Snowflake pluggable transport',
    description: "Snowflake: rendezvous with its broker (current and past front domains, AMP cache), STUN to the ICE servers Tor ships, and a WebRTC DTLS handshake with a peer right after.",
    category: 'Tor', severity: 'high', seed: '001',
    reference: 'https://snowflake.torproject.org/',
    version: '1', threat: TRANSPORT,
  },
  {
    id: 'tor-meek',
    name: 'Tor meek pluggable transport',
    description: "meek: TLS to a meek front domain (current and past) with meek's shape, a long HTTPS connection of many small client records at a steady poll rhythm.",
    category: 'Tor', severity: 'high', seed: '001',
    reference: 'https://gitlab.torproject.org/legacy/trac/-/wikis/doc/meek',
    version: '1', threat: TRANSPORT,
  },
  {
    id: 'torrent-peer',
    name: 'BitTorrent peer connection',
    description: "BitTorrent's peer wire: the BEP 3 handshake over TCP or uTP (BEP 29), or an encrypted (MSE/PE) peer connection tied to the same host's BitTorrent activity; names info_hash, peer_id and the client program.",
    category: 'Torrent', severity: 'low', seed: '003',
    reference: 'https://www.bittorrent.org/beps/bep_0003.html',
    version: '1', threat: NO_MAPPING,
  },
  {
    id: 'torrent-dht',
    name: 'BitTorrent Mainline DHT',
    description: 'Mainline DHT (BEP 5) KRPC messages between nodes: ping, find_node, get_peers, announce_peer, sample_infohashes.',
    category: 'Torrent', severity: 'low', seed: '003',
    reference: 'https://www.bittorrent.org/beps/bep_0005.html',
    version: '1', threat: NO_MAPPING,
  },
  {
    id: 'torrent-tracker',
    name: 'BitTorrent tracker announce or scrape',
    description: 'A tracker announce or scrape: HTTP (info_hash=) or the UDP tracker protocol (BEP 15).',
    category: 'Torrent', severity: 'low', seed: '003',
    reference: 'https://www.bittorrent.org/beps/bep_0015.html',
    version: '1', threat: NO_MAPPING,
  },
  {
    id: 'torrent-lsd',
    name: 'BitTorrent Local Service Discovery',
    description: 'BitTorrent Local Service Discovery (BEP 14): BT-SEARCH announcements to 239.192.152.143:6771 or [ff15::efc0:988f]:6771.',
    category: 'Torrent', severity: 'low', seed: '003',
    reference: 'https://www.bittorrent.org/beps/bep_0014.html',
    version: '1', threat: NO_MAPPING,
  },
  {
    id: 'tor-software',
    name: 'Tor software download, update check or bridge request',
    description: "A DNS question, TLS/QUIC SNI or HTTP Host of the Tor Project's distribution and update hosts (dist.torproject.org, archive.torproject.org, aus1.torproject.org: Tor Browser's update check), its bridge distributor (bridges.torproject.org) or a Snowflake broker (snowflake-broker.*): the wire's view of seed 001's hunt for tor.exe. Low: evidence, not use.",
    category: 'Tor', severity: 'low', seed: '001',
    reference: 'https://www.torproject.org/download/',
    version: '1', threat: PROXY,
  },
];

export const RULES: readonly RuleDef[] = DEFS.map((d, index) => ({ ...d, index }));

const BY_ID = new Map<string, RuleDef>(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): RuleDef | undefined {
  return BY_ID.get(id);
}

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}
