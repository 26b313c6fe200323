import type { ClientHelloFacts } from './client-hello-facts.js';
import type { ClientHello } from './client-hello.js';
import { isGrease } from './grease.js';
import { ja3, type Ja3 } from './ja3.js';
import { ja4 } from './ja4.js';

/**
 * A ClientHello as events report it. The fingerprints (an MD5 and two SHA-256 over sorted lists) are
 * computed on first use and kept: most hellos never reach an alert, and computing them for every TLS
 * connection was most of the app layer's cost on a busy link.
 */
export class ClientHelloInfo implements ClientHelloFacts {
  private j3: Ja3 | undefined;
  private j4: string | undefined;
  private vers: number[] | undefined;

  constructor(private readonly hello: ClientHello, private readonly quic: boolean) {}

  /** The parsed hello itself (plain data): what a sharded worker sends, so fingerprints stay lazy at the merge point. */
  get parsed(): ClientHello {
    return this.hello;
  }

  get sni(): string | undefined {
    return this.hello.sni;
  }

  get alpn(): string[] {
    return this.hello.alpn;
  }

  get versions(): number[] {
    return (this.vers ??= this.hello.supportedVersions.filter((v) => !isGrease(v)));
  }

  get legacyVersion(): number {
    return this.hello.legacyVersion;
  }

  get groups(): number[] {
    return this.hello.groups;
  }

  get ja3(): string {
    return (this.j3 ??= ja3(this.hello)).md5;
  }

  get ja3String(): string {
    return (this.j3 ??= ja3(this.hello)).text;
  }

  get ja4(): string {
    return (this.j4 ??= ja4(this.hello, this.quic));
  }

  /** The facts as plain data (logs, tests, JSON). */
  toJSON(): ClientHelloFacts {
    return { sni: this.sni, alpn: this.alpn, versions: this.versions, legacyVersion: this.legacyVersion, groups: this.groups, ja3: this.ja3, ja3String: this.ja3String, ja4: this.ja4 };
  }
}

export class TlsClientHelloEvent extends ClientHelloInfo {
  readonly kind = 'tls-client-hello' as const;

  constructor(hello: ClientHello) {
    super(hello, false);
  }

  override toJSON(): ClientHelloFacts & { kind: 'tls-client-hello' } {
    return { kind: this.kind, ...super.toJSON() };
  }
}

export class QuicClientHelloEvent extends ClientHelloInfo {
  readonly kind = 'quic-client-hello' as const;

  constructor(hello: ClientHello, readonly quicVersion: number) {
    super(hello, true);
  }

  override toJSON(): ClientHelloFacts & { kind: 'quic-client-hello'; quicVersion: number } {
    return { kind: this.kind, quicVersion: this.quicVersion, ...super.toJSON() };
  }
}
