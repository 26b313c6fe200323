/**
 * Which end of a connection is the server, when the packets do not say: a TCP connection whose
 * handshake was not captured (the capture started mid-stream), or a UDP flow whose first packet seen is
 * the answer. Zeek flips such a connection when its first packet comes from a port in
 * `likely_server_ports` (marking the history with '^'); Suricata's protocol detection reverses a
 * mid-stream flow when it recognises the server's side first. torwatch decides at flow creation by
 * port, the same way: the first packet's sender is taken as the responder when its port is a likely
 * server port and the other is not.
 *
 * Likely server ports: the system ports (1-1023, assigned by IANA to services; clients do not bind them)
 * and these registered ports where the services torwatch watches listen. Not BitTorrent's 6881: a peer
 * sends from the port it listens on (DHT and uTP over UDP), so that port cannot say which end served.
 * scripts/pcaps/expected_app.py
 * reads this list from here, so the expected-alert files apply the same rule.
 */
export const LIKELY_SERVER_PORTS: readonly number[] = [
  1080, // SOCKS
  1194, // OpenVPN
  3128, // HTTP proxy (Squid)
  5222, 5223, // XMPP
  8000, 8008, 8080, 8118, 8443, 8888, // HTTP(S) alternates, Privoxy
  9001, 9030, // Tor ORPort, DirPort defaults
  9050, 9051, 9150, 9151, // Tor SOCKS and control ports (tor, Tor Browser)
];

const REGISTERED = new Set(LIKELY_SERVER_PORTS);

export function isLikelyServerPort(port: number): boolean {
  return (port > 0 && port < 1024) || REGISTERED.has(port);
}

/** The packet's source looks like the server: its port is a likely server port and the destination's is not. */
export function sourceLooksLikeServer(sport: number, dport: number): boolean {
  return isLikelyServerPort(sport) && !isLikelyServerPort(dport);
}
