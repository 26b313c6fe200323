import type { ParsedSource } from './model.js';
import { parseIpList } from './ip-list.js';

/**
 * The Tor Project's bulk exit list (https://check.torproject.org/torbulkexitlist): one exit address
 * per line, no ports. Its content is a plain address list; what makes it an exit list is where it
 * came from (detect-format.ts: the name, a '#exit' hint, or a header comment mentioning exits).
 */
export function parseBulkExitList(text: string, file: string, mtimeMs: number): ParsedSource {
  return parseIpList(text, file, mtimeMs, 'exit', 'bulk-exit-list');
}
