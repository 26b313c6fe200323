import type { ReportDocument } from '../model.js';

/**
 * The page's script: draws the charts from the report document embedded in the page. It runs in the
 * browser, not in Node: render.ts puts its source into the page (Function.prototype.toString), so it
 * must use nothing from outside its own body (no imports at run time, no module-level names); the
 * types below only describe the little of the DOM and Chart.js it touches (torwatch is compiled
 * without the DOM library). Animations are off, so the page is final when `data-charts` says ready.
 */
export interface PageElement {
  setAttribute(name: string, value: string): void;
}
export interface PageDocument {
  getElementById(id: string): PageElement | null;
  readonly documentElement: PageElement;
}
export type ChartConstructor = new (canvas: PageElement, config: Record<string, unknown>) => unknown;

export function drawCharts(doc: PageDocument, Chart: ChartConstructor, data: ReportDocument): void {
  interface Bubble { x: number; y: number; r: number; connections: number }
  interface Tip { dataset: { label?: string }; raw: Bubble; parsed: { x: number; y: number } }
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const riskColor: Record<string, string> = { CRITICAL: '#b2182b', HIGH: '#ef8a62', MEDIUM: '#e6b800', LOW: '#67a9cf' };
  const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
  const base = { animation: false, responsive: true, maintainAspectRatio: false };
  const draw = (id: string, config: Record<string, unknown>): void => {
    const canvas = doc.getElementById(id);
    if (canvas) new Chart(canvas, config);
  };

  // Timeline: one row per internal host (in the report's order: risk, then connections), one colour
  // per rule, a bubble per time bucket sized by its connections.
  const series = data.timeline.series;
  const hosts = data.internalHosts.map((h) => h.host).filter((h) => series.some((s) => s.host === h));
  const rules = [...new Set(series.map((s) => s.rule))].sort();
  const points = series.flatMap((s) => s.points.map((p) => Date.parse(p.t)));
  const bucketMs = data.timeline.bucketSeconds * 1000;
  draw('chart-timeline', {
    type: 'bubble',
    data: {
      datasets: rules.map((rule, i) => ({
        label: rule,
        backgroundColor: palette[i % palette.length] + 'aa',
        borderColor: palette[i % palette.length],
        data: series.filter((s) => s.rule === rule).flatMap((s) => s.points.map((p): Bubble => ({
          x: Date.parse(p.t) + bucketMs / 2, y: hosts.indexOf(s.host), r: Math.min(24, 3 + 3 * Math.sqrt(p.connections)), connections: p.connections,
        }))),
      })),
    },
    options: {
      ...base,
      scales: {
        x: {
          type: 'linear',
          min: points.length ? Math.min(...points) - bucketMs : 0,
          max: points.length ? Math.max(...points) + 2 * bucketMs : 1,
          title: { display: true, text: `time (UTC), buckets of ${data.timeline.bucketSeconds} s` },
          ticks: { maxTicksLimit: 8, callback: (v: number) => when(v) },
        },
        y: {
          type: 'linear', reverse: true, min: -0.5, max: Math.max(0.5, hosts.length - 0.5),
          afterBuildTicks: (axis: { ticks: { value: number }[] }) => { axis.ticks = hosts.map((_, i) => ({ value: i })); },
          ticks: { autoSkip: false, callback: (v: number) => hosts[v] ?? '' },
        },
      },
      plugins: {
        tooltip: { callbacks: { label: (c: Tip) => `${c.dataset.label ?? ''}: ${hosts[c.raw.y]}, ${c.raw.connections} connection(s) from ${when(c.raw.x - bucketMs / 2)}` } },
      },
    },
  });

  // Top internal hosts and remotes by connections, coloured by their highest risk; rules by connections.
  const bars = (id: string, rows: { label: string; connections: number; riskLevel: string }[], axis: string): void => {
    draw(id, {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.label),
        datasets: [{ label: 'connections', data: rows.map((r) => r.connections), backgroundColor: rows.map((r) => riskColor[r.riskLevel] ?? '#999') }],
      },
      options: { ...base, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, title: { display: true, text: 'connections' }, ticks: { precision: 0 } }, y: { title: { display: true, text: axis }, ticks: { autoSkip: false } } } },
    });
  };
  const top = <T extends { connections: number }>(rows: T[]): T[] => [...rows].sort((a, b) => b.connections - a.connections).slice(0, 15);
  bars('chart-hosts', top(data.internalHosts).map((h) => ({ label: h.host, connections: h.connections, riskLevel: h.riskLevel })), 'internal host');
  bars('chart-remotes', top(data.remotes).map((r) => ({ label: r.remote, connections: r.connections, riskLevel: r.riskLevel })), 'remote address');
  bars('chart-rules', data.rules.map((r) => ({ label: r.rule, connections: r.connections, riskLevel: r.riskLevel })), 'rule');
  doc.documentElement.setAttribute('data-charts', 'ready');
}
