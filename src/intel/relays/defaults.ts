/**
 * What `torwatch relays update` fetches by default: the Tor Project's Onionoo details for relays
 * (addresses with ORPort/DirPort, exit addresses, flags, first/last seen; only the fields torwatch
 * reads, which cuts the download several-fold) and the bulk exit list. Use the same URLs in
 * `--relays` (config file `relays:`) so the capture daemon refreshes them and falls back to this cache.
 */
export const DEFAULT_RELAY_URLS: readonly string[] = [
  'https://onionoo.torproject.org/details?type=relay&fields=nickname,fingerprint,or_addresses,exit_addresses,dir_address,flags,first_seen,last_seen,running',
  'https://check.torproject.org/torbulkexitlist',
];
