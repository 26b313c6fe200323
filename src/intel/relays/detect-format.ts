import { parseAddressOrCidr, parseHostPort } from '../addr.js';
import { parseJson, readCsv } from '../text.js';
import { parseBulkExitList } from './bulk-exit-list.js';
import { parseConsensus } from './consensus.js';
import { parseIpJson, parseIpList, type ListRole } from './ip-list.js';
import type { ParsedSource } from './model.js';
import { parseOnionooDoc } from './onionoo.js';
import { isRelayCsvHeader, parseRelayCsv } from './sentinel-csv.js';
import { parseTorDnsel } from './tordnsel.js';

/**
 * Which relay-list format a text is, decided from its content (SPEC.md: auto-detected):
 *   '@type network-status-(microdesc-)consensus-3' or 'network-status-version 3'  -> consensus
 *   '@type tordnsel', 'Downloaded ...' or 'ExitNode ...'                          -> TorDNSEL
 *   a JSON object with "relays"                                                   -> Onionoo
 *   a JSON array of strings                                                       -> address list
 *   a CSV header naming an address column                                         -> relay CSV
 *   an address, CIDR or address:port on the first line that is not blank or a comment -> address list
 * A plain address list carries no role. It is an exit list (the bulk exit list) when the user says so
 * with a '#exit' suffix, when its file name or URL says "exit" (torbulkexitlist, tor-exit-nodes.lst,
 * latest.exits.csv) or when its header comment does; "guard" likewise; otherwise its addresses are
 * just relays. A '#relay' suffix overrides the name.
 */
export function listRoleFor(name: string, hint: ListRole | undefined, headComments = ''): ListRole {
  if (hint) return hint;
  const base = (name.split(/[?#]/)[0].split('/').pop() ?? '').toLowerCase();
  if (base.includes('exit') || /\bexit\b/i.test(headComments)) return 'exit';
  if (base.includes('guard')) return 'guard';
  return 'relay';
}

/** First lines that are not blank, and the comment lines met before them. */
function head(text: string): { first: string; comments: string } {
  let comments = '';
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let n = 0; n < 200 && pos < text.length; n++) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (line.length === 0) continue;
    if (line.startsWith('#')) {
      comments += line + '\n';
      continue;
    }
    return { first: line, comments };
  }
  return { first: '', comments };
}

/**
 * Detect the format and parse. Returns undefined when the text is not a relay list at all, judged by
 * content (a README, a licence, another CollecTor document type, a JSON file without `relays`): the
 * caller decides, an error for a file named on the command line, a skip inside a directory. A text
 * that is recognised but malformed throws InputError.
 */
export function parseRelayText(text: string, name: string, mtimeMs: number, hint: ListRole | undefined): ParsedSource | undefined {
  const { first, comments } = head(text);
  if (first === '') {
    // Only comments: an empty address list (e.g. a bulk exit list with no exits) is still a list.
    return comments ? parseIpList(text, name, mtimeMs, listRoleFor(name, hint, comments)) : undefined;
  }
  const kw = first.split(/\s+/)[0];
  if (kw === '@type') {
    const type = first.split(/\s+/)[1] ?? '';
    if (type === 'network-status-consensus-3' || type === 'network-status-microdesc-consensus-3') return parseConsensus(text, name);
    if (type === 'tordnsel') return parseTorDnsel(text, name, mtimeMs);
    // Another CollecTor document (server descriptors, votes, bridge statuses...): not a relay list.
    return undefined;
  }
  if (kw === 'network-status-version') return parseConsensus(text, name);
  if (kw === 'Downloaded' || kw === 'ExitNode') return parseTorDnsel(text, name, mtimeMs);
  if (first.startsWith('{')) {
    const doc = parseJson(text, name);
    if (typeof doc === 'object' && doc !== null && 'relays' in doc) return parseOnionooDoc(doc, name, mtimeMs);
    return undefined;
  }
  // A JSON array ('[' then a string, ']' or the end of the line); '[2001:db8::1]:9001' is an address
  // line, and anything else in brackets (a Markdown badge, an INI section) is no relay list.
  if (first.startsWith('[') && /^\[\s*("|\]|$)/.test(first)) {
    const doc = parseJson(text, name);
    return Array.isArray(doc) ? parseIpJson(doc, name, mtimeMs, listRoleFor(name, hint)) : undefined;
  }
  if (first.includes(',')) {
    const rec = readCsv(first, name).next();
    if (!rec.done && isRelayCsvHeader(rec.value.fields)) return parseRelayCsv(text, name, mtimeMs, listRoleFor(name, hint, comments));
  }
  const token = first.split('#')[0].trim();
  if (typeof parseAddressOrCidr(token) !== 'string' || typeof parseHostPort(token) !== 'string') {
    const role = listRoleFor(name, hint, comments);
    return role === 'exit' ? parseBulkExitList(text, name, mtimeMs) : parseIpList(text, name, mtimeMs, role);
  }
  return undefined;
}
