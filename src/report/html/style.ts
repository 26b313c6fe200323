/** The page's stylesheet: plain CSS, system fonts, no web fonts or images (nothing to fetch). */
export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6472; --line: #dde2ea; --band: #f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--band); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 0 0 2px; font-size: 17px; }
header p, .note { margin: 0; color: var(--muted); }
main { padding: 16px 32px 40px; max-width: 1400px; }
section { margin: 22px 0; }
#totals { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 150px; }
.card .value { font-size: 26px; font-weight: 600; }
.card .label { color: var(--muted); }
.chart { position: relative; width: 100%; margin: 10px 0; }
table { border-collapse: collapse; margin-top: 8px; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
td[data-key="rules"], td[data-key="hosts"], td[data-key="value"] { white-space: normal; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
th { background: var(--band); font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; }
.errors { color: #b2182b; }
`;
