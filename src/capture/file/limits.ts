/**
 * Size limits of the capture-file readers. They bound memory whatever the input claims: a record
 * header is never trusted to size an allocation beyond these.
 */

/** Default size of the read buffer ("chunk"); records are parsed in place inside it. */
export const DEFAULT_CHUNK_BYTES = 1 << 22;

/**
 * Largest captured length accepted in a classic pcap record. libpcap's max_snaplen_for_dlt() is
 * 262144 for every link type this sensor decodes; a record above it is corruption (libpcap says
 * "invalid packet capture length N, bigger than maximum of 262144").
 */
export const PCAP_MAX_CAPLEN = 262144;

/** Largest pcapng block accepted (any type). Packet blocks above it are corruption, not traffic. */
export const PCAPNG_MAX_BLOCK = 16 << 20;

/** Largest Section Header Block, as libpcap (BT_SHB_INSANE_MAX). */
export const PCAPNG_MAX_SHB = 1 << 20;

/** onProgress is called at most once per this many decompressed bytes (and once at the end). */
export const PROGRESS_EVERY_BYTES = 4 << 20;
