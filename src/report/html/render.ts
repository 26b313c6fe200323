import type { ReportDocument } from '../model.js';
import { drawCharts } from './charts.client.js';
import { chartJsSource } from './chart-library.js';
import { SECTIONS, type TableSection } from './sections.js';
import { PAGE_STYLE } from './style.js';

/** Text for HTML: every value that came from traffic (an SNI, a host) is escaped, never markup. */
export function esc(v: string | number): string {
  return String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(s: TableSection, doc: ReportDocument): string {
  const rows = s.cells(doc);
  if (rows.length === 0) return `<p class="empty">${esc(s.empty)}</p>`;
  const th = s.head.map((h) => `<th${h.numeric ? ' class="num"' : ''}>${esc(h.title)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td data-key="${esc(s.head[i].key)}"${s.head[i].numeric ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table id="table-${esc(s.id)}"><thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function section(s: TableSection, doc: ReportDocument): string {
  const height = Math.max(140, 40 + 22 * Math.min(15, s.cells(doc).length));
  const chart = s.chart ? `<div class="chart" style="height:${height}px"><canvas id="${esc(s.chart)}" role="img" aria-label="${esc(s.title)}"></canvas></div>` : '';
  return `<section id="section-${esc(s.id)}"><h2>${esc(s.title)}</h2><p class="note">${esc(s.note)}</p>${chart}${table(s, doc)}</section>`;
}

function totals(doc: ReportDocument): string {
  const t = doc.totals;
  const card = (key: string, label: string, value: number | string): string => `<div class="card"><div class="value" data-total="${esc(key)}">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
  return `<section id="totals">${[
    card('connections', 'connections', t.connections),
    card('internalHosts', 'internal hosts', t.internalHosts),
    card('remotes', 'remote addresses', t.remotes),
    card('detections', 'detections', t.detections),
    card('summaries', 'summary alerts', t.summaries),
    card('repeats', 'repeats they stand for', t.repeats),
  ].join('')}</section>`;
}

/**
 * `torwatch report --html`: one self-contained page (CSS, the data, Chart.js and the page script all
 * inline; a Content-Security-Policy forbids fetching anything), drawn from the same document
 * `report --json` prints, so the page and the JSON cannot disagree and a section added to the report
 * (model.ts) and to SECTIONS appears in both.
 */
export function renderHtml(doc: ReportDocument, generatedAt: Date = new Date()): string {
  const chart = chartJsSource();
  const t = doc.totals;
  const span = t.firstSeen ? `${esc(t.firstSeen)} to ${esc(t.lastSeen ?? t.firstSeen)}` : 'no alerts';
  const inputs = doc.inputs;
  const read = `${inputs.alerts} alert(s) from ${inputs.files} file(s)` + (inputs.duplicates ? `, ${inputs.duplicates} duplicate(s) ignored` : '') + (inputs.skipped ? `, ${inputs.skipped} line(s) skipped` : '') + (inputs.errors.length ? `, ${inputs.errors.length} file(s) with errors` : '');
  const errors = inputs.errors.length ? `<ul class="errors">${inputs.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '';
  const timelineRows = new Set(doc.timeline.series.map((s) => s.host)).size;
  // The data, as JSON inside a non-executed script element: '<' escaped so no value can end the element.
  const json = JSON.stringify(doc).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="torwatch report --html (Chart.js ${esc(chart.version)})">
<title>torwatch hunt report</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>torwatch hunt report</h1><p>${esc(read)}; activity ${span}; made ${esc(generatedAt.toISOString())}.</p>${errors}</header>
<main>
${totals(doc)}
<section id="section-timeline"><h2>Timeline of Tor and torrent activity per internal host</h2><p class="note">Connections per host and rule over time (a bubble per ${esc(doc.timeline.bucketSeconds)} s; larger is more connections).</p>
<div class="chart" style="height:${Math.max(160, 70 + 28 * timelineRows)}px"><canvas id="chart-timeline" role="img" aria-label="timeline"></canvas></div></section>
${SECTIONS.map((s) => section(s, doc)).join('\n')}
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${chart.code}</script>
<script>(${drawCharts.toString()})(document, Chart, JSON.parse(document.getElementById('report-data').textContent));</script>
</body>
</html>
`;
}
