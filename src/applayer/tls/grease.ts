/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. JA3 and JA4 leave them out. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >>> 8) === (v & 0xff);
}

/** TLS version numbers as ECS writes tls.version ("1.2"), with SSL 3.0 as "3.0" (version_protocol ssl). */
export function tlsVersionText(v: number): string | undefined {
  switch (v) {
    case 0x0300: return '3.0';
    case 0x0301: return '1.0';
    case 0x0302: return '1.1';
    case 0x0303: return '1.2';
    case 0x0304: return '1.3';
    default: return undefined;
  }
}

export const TlsExt = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SUPPORTED_VERSIONS: 43,
} as const;

export const HandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  SERVER_HELLO_DONE: 14,
  CLIENT_KEY_EXCHANGE: 16,
  FINISHED: 20,
} as const;
