/**
 * The rules torwatch knows, in one place: ids are stable (SPEC.md), and everything an alert says about
 * its rule (name, severity, risk, MITRE mapping, reference) comes from here. `torwatch rules` prints it.
 * The order fixes each rule's bit in Flow.fired; append, never reorder.
 */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Risk scores by severity, the Elastic detection-rule convention the seeds use (21/47/73/99). */
export const RISK_SCORE: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/**
 * ECS event.severity number by severity, Suricata's scale (1 = high, 2 = medium, 3 = low; SPEC.md's
 * example has 2 for medium). Critical shares 1 with high; risk_score tells them apart.
 */
export const EVENT_SEVERITY: Readonly<Record<Severity, number>> = { critical: 1, high: 1, medium: 2, low: 3 };

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

/** SPEC.md: every rule maps to TA0011 / T1090 / T1090.003; seed 002 (tor-exit) adds TA0010, T1071, T1573. */
const PROXY: ThreatMapping = { tactics: [TA0011], techniques: [T1090], subtechniques: [T1090_003] };
const EXIT: ThreatMapping = { tactics: [TA0011, TA0010], techniques: [T1090, T1071, T1573], subtechniques: [T1090_003] };

export const RULE_IDS = ['tor-relay', 'tor-exit', 'tor-port-private', 'tor-hostname', 'torrent-hostname', 'tor-link-fingerprint'] as const;
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
    reference: 'https://attack.mitre.org/techniques/T1090/003/',
    version: '1', threat: PROXY,
  },
  {
    id: 'tor-link-fingerprint',
    name: 'Tor link protocol TLS handshake',
    description: 'A TLS handshake shaped like Tor\'s link protocol: client SNI www.<4-25 base32 chars>.com, or on TLS <= 1.2 a certificate www.<base32>.net issued by www.<base32>.com. No relay list needed.',
    category: 'Tor', severity: 'high', seed: '001',
    reference: 'https://spec.torproject.org/tor-spec/negotiating-channels.html',
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
