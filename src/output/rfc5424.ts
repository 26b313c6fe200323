/**
 * RFC 5424 syslog messages (section 6):
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]
 *
 * Header fields are PRINTUSASCII (33-126) with length caps (255/48/128/32) or the NILVALUE `-`.
 * TIMESTAMP is RFC 3339 with at most 6 fraction digits (6.2.3). In SD-PARAM values `"`, `\` and `]`
 * MUST be escaped with a backslash (6.3.3); SD-NAMEs are 1-32 PRINTUSASCII without `=`, space, `]`
 * and `"`. A UTF-8 MSG starts with the BOM EF BB BF (6.4); without it the MSG is MSG-ANY, which the
 * RFC also allows and which suits receivers that hand the message text to a JSON parser.
 * Pure functions: the transports frame and send what these return.
 */

export const NILVALUE = '-';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export const HEADER_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32 } as const;

export interface SdElement {
  /** SD-ID: an IANA name (`origin`, `meta`, `timeQuality`) or `name@<private enterprise number>`. */
  id: string;
  params: ReadonlyArray<readonly [name: string, value: string]>;
}

export interface Rfc5424Message {
  /** 0-23 (kern .. local7). */
  facility: number;
  /** 0-7 (emerg .. debug). */
  severity: number;
  /** RFC 3339 time; undefined gives the NILVALUE. Fractions beyond 6 digits are cut. */
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  structuredData?: readonly SdElement[];
  /** The message text (for torwatch, one ECS JSON document). */
  msg: string;
  /** Prefix MSG with the UTF-8 BOM (MSG-UTF8); default true. */
  bom?: boolean;
}

/** PRI value: facility * 8 + severity (6.2.1). */
export function priority(facility: number, severity: number): number {
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new RangeError(`syslog facility ${facility} is not 0-23`);
  if (!Number.isInteger(severity) || severity < 0 || severity > 7) throw new RangeError(`syslog severity ${severity} is not 0-7`);
  return facility * 8 + severity;
}

/** Whether every character is PRINTUSASCII (%d33-126). */
export function isPrintUsAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/**
 * A header field as the RFC allows it: NILVALUE when empty, other characters than PRINTUSASCII
 * replaced by `_`, cut to the field's length. Configured values are validated up front
 * (checkHeaderField); this is the last line of defence for values from the system (os.hostname()).
 */
export function headerField(v: string | undefined, max: number): string {
  if (v === undefined || v.length === 0) return NILVALUE;
  let out = '';
  for (let i = 0; i < v.length && out.length < max; i++) {
    const c = v.charCodeAt(i);
    out += c >= 33 && c <= 126 ? v[i] : '_';
  }
  return out;
}

/** Validation for configured header values; returns an error phrase or undefined. */
export function checkHeaderField(what: string, v: string, max: number): string | undefined {
  if (v.length === 0) return `${what} must not be empty`;
  if (v.length > max) return `${what} '${v}' is longer than ${max} characters (RFC 5424 6.2)`;
  if (!isPrintUsAscii(v)) return `${what} '${v}' may only hold printable US-ASCII without spaces (RFC 5424 6.2)`;
  return undefined;
}

/** SD-NAME (SD-ID and PARAM-NAME): 1-32 PRINTUSASCII except `=`, space, `]`, `"`. */
export function isSdName(s: string): boolean {
  return s.length >= 1 && s.length <= 32 && isPrintUsAscii(s) && !/[=\]"]/.test(s);
}

/**
 * PARAM-VALUE escaping (6.3.3): `"`, `\` and `]` get a backslash. CR and LF become spaces so that
 * a message can never break LF framing (the RFC does not forbid them, but no receiver expects them).
 */
export function escapeParamValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => '\\' + c).replace(/[\r\n]/g, ' ');
}

export function formatStructuredData(sd: readonly SdElement[] | undefined): string {
  if (!sd || sd.length === 0) return NILVALUE;
  let out = '';
  for (const el of sd) {
    if (!isSdName(el.id.split('@')[0]) || el.id.length > 32 || !isPrintUsAscii(el.id)) throw new RangeError(`invalid SD-ID '${el.id}'`);
    out += '[' + el.id;
    for (const [name, value] of el.params) {
      if (!isSdName(name)) throw new RangeError(`invalid SD PARAM-NAME '${name}'`);
      out += ` ${name}="${escapeParamValue(value)}"`;
    }
    out += ']';
  }
  return out;
}

/**
 * RFC 3339 time as RFC 5424 wants it: fraction cut to 6 digits (never rounded: rounding could move
 * the time into the next second), `Z` or a numeric offset kept. Undefined when `iso` is not RFC 3339.
 */
export function syslogTimestamp(iso: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return undefined;
  return m[1] + (m[2] ? '.' + m[2].slice(0, 6) : '') + m[3];
}

/** The whole message as bytes (UTF-8), ready for framing. */
export function formatRfc5424(m: Rfc5424Message): Buffer {
  const ts = m.timestamp === undefined ? NILVALUE : syslogTimestamp(m.timestamp) ?? NILVALUE;
  const header = `<${priority(m.facility, m.severity)}>1 ${ts} ${headerField(m.hostname, HEADER_LIMITS.hostname)} ${headerField(m.appName, HEADER_LIMITS.appName)} ${headerField(m.procId, HEADER_LIMITS.procId)} ${headerField(m.msgId, HEADER_LIMITS.msgId)} ${formatStructuredData(m.structuredData)}`;
  if (m.msg.length === 0) return Buffer.from(header, 'utf8');
  const head = Buffer.from(header + ' ', 'utf8');
  const body = Buffer.from(m.msg, 'utf8');
  return m.bom === false ? Buffer.concat([head, body]) : Buffer.concat([head, BOM, body]);
}
