import { pageScript } from './page-script.js';

/** What the page is rendered with. */
export interface PageOptions {
  readonly title: string;
  /** The CSP nonce of the inline style and script. */
  readonly nonce: string;
  /** Whether to show the trip/reset/disable buttons. */
  readonly canAct: boolean;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

// Colours: green closed, red open, amber half-open, purple forced open, grey disabled; readable on dark and light.
const style = `
:root{color-scheme:light dark;--bg:#0f1419;--card:#182028;--line:#2a3541;--text:#e6edf3;--muted:#8b98a5;
--closed:#2ea043;--open:#f85149;--half_open:#d29922;--forced_open:#a371f7;--disabled:#6e7781;--calls:#58a6ff}
@media (prefers-color-scheme:light){:root{--bg:#f6f8fa;--card:#fff;--line:#d0d7de;--text:#1f2328;--muted:#656d76}}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--text)}
header{display:flex;gap:16px;align-items:baseline;padding:14px 20px;border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0}#summary,#conn{color:var(--muted)}#conn{margin-left:auto}#conn.live::before{content:"\\25CF ";color:var(--closed)}
main{display:grid;grid-template-columns:1fr 340px;gap:16px;padding:16px 20px}@media (max-width:900px){main{grid-template-columns:1fr}}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:12px;align-content:start}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--state);border-radius:8px;padding:10px 12px}
.card[data-state=closed]{--state:var(--closed)}.card[data-state=open]{--state:var(--open)}.card[data-state=half_open]{--state:var(--half_open)}
.card[data-state=forced_open]{--state:var(--forced_open)}.card[data-state=disabled]{--state:var(--disabled)}
.top{display:flex;justify-content:space-between;gap:8px;align-items:center}.name{font-weight:600;overflow-wrap:anywhere}
.badge{background:var(--state);color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap}
.figs{display:grid;grid-template-columns:repeat(4,1fr);gap:4px;margin:8px 0 4px}.fig b{display:block;font-size:16px}.fig span{color:var(--muted);font-size:11px}
.det,.retry{color:var(--muted);font-size:12px}.retry{color:var(--open);font-weight:600}svg.spark{width:100%;height:36px;display:block}
.spark .c{stroke:var(--calls);fill:none;stroke-width:1.5}.spark .f{stroke:var(--open);fill:none;stroke-width:1.5}
.actions{display:flex;gap:6px;margin-top:6px}button{font:inherit;font-size:12px;padding:2px 10px;border-radius:6px;border:1px solid var(--line);background:transparent;color:var(--text);cursor:pointer}
button:hover{border-color:var(--muted)}aside{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;align-self:start}
h2{font-size:14px;margin:0 0 8px}ol{list-style:none;margin:0;padding:0}li{padding:5px 0;border-top:1px solid var(--line);font-size:12px}
li .to{font-weight:600}li time{color:var(--muted);margin-right:6px}.empty{color:var(--muted)}#notice{color:var(--muted);font-size:12px;padding:0 20px}
`;

/** The dashboard page: HTML, CSS and script in one response, nothing fetched from anywhere else. */
export function renderPage(options: PageOptions): string {
  const title = escapeHtml(options.title);
  const config = JSON.stringify({ canAct: options.canAct }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,">
<style nonce="${options.nonce}">${style}</style></head>
<body><header><h1>${title}</h1><span id="summary"></span><span id="conn">connecting…</span></header>
<p id="notice"></p>
<main><section id="grid" aria-label="circuits"></section>
<aside><h2>Recent transitions</h2><ol id="transitions"><li class="empty">none yet</li></ol></aside></main>
<script nonce="${options.nonce}">const CONFIG = ${config};
${pageScript}</script></body></html>`;
}
