/**
 * The names Tor's link protocol puts in its TLS handshake, exactly as Tor generates them.
 *
 * Tor (src/lib/tls/tortls_openssl.c, tor_tls_new; earlier src/common/tortls.c) sets the client's SNI
 * to crypto_random_hostname(4, 25, "www.", ".com"), and (tor_tls_context_init_certificates, x509
 * code in src/lib/tls/) names its link certificate crypto_random_hostname(8, 20, "www.", ".net"),
 * issued by crypto_random_hostname(8, 20, "www.", ".com") (the name of its self-signed identity
 * certificate). crypto_random_hostname(min, max, prefix, suffix) picks a length in [min, max]
 * inclusive (crypto_rand_int_range(min, max + 1)), base32-encodes random bytes with Tor's alphabet
 * "abcdefghijklmnopqrstuvwxyz234567" (RFC 4648 letters, lowercase, digits 2-7) and keeps that many
 * characters. So:
 *   client SNI          ^www\.[a-z2-7]{4,25}\.com$
 *   certificate subject ^www\.[a-z2-7]{8,20}\.net$
 *   certificate issuer  ^www\.[a-z2-7]{8,20}\.com$
 * Tor never produces upper case, 0, 1, 8 or 9 there; names with them are not Tor's.
 */
const SNI = /^www\.([a-z2-7]{4,25})\.com$/;
const CERT_SUBJECT = /^www\.([a-z2-7]{8,20})\.net$/;
const CERT_ISSUER = /^www\.([a-z2-7]{8,20})\.com$/;

/** The random label of a Tor-shaped client SNI, or undefined. */
export function torSniLabel(sni: string): string | undefined {
  return SNI.exec(sni)?.[1];
}

/** Whether a certificate's subject and issuer CNs are the pair a Tor relay's link certificate carries. */
export function isTorCertificatePair(subjectCN: string | undefined, issuerCN: string | undefined): boolean {
  return subjectCN !== undefined && issuerCN !== undefined && CERT_SUBJECT.test(subjectCN) && CERT_ISSUER.test(issuerCN);
}

/** supported_groups code point of secp224r1 (NIST P-224). */
export const GROUP_P224 = 0x0015;

/**
 * Whether an SNI-only match is strong enough to alert on without the certificate (TLS 1.3 hides it, or
 * the server side was not captured). The SNI pattern alone also fits real sites (www.google.com,
 * www.bing.com are 4-25 letters), so the hello must also show Tor's own settings:
 *  - no ALPN offered: Tor sets none, while browsers and HTTP clients always offer h2/http/1.1;
 *  - and either the random label has a digit (2-7), or the client offers the P-224 group.
 *    A uniformly random base32 label of n characters has a digit with probability 1 - (26/32)^n
 *    (56% at 4 characters, 99% at 22); dictionary names rarely mix digits in. Tor sets its own
 *    group list on its TLS context (tortls_openssl.c); tor 0.4.9 on OpenSSL 3 offers P-256,
 *    X25519 and P-224, in that order (pcaps/tor-link-tls13.pcap, and a bridge run that drew the
 *    digit-free SNI www.dkru.com while this rule was written). No browser, curl, or OpenSSL
 *    default list offers P-224, so it catches the digit-free labels of modern Tor clients.
 * A digit-free label from a client without P-224 (an old Tor on TLS 1.3) is missed on that
 * connection; its other connections, which it opens several of, are caught.
 */
export function isStrongTorSni(label: string, alpnOffered: number, groups: readonly number[]): boolean {
  return alpnOffered === 0 && (/[2-7]/.test(label) || groups.includes(GROUP_P224));
}
