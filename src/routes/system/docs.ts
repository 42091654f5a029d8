import { html, raw } from "hono/html";
import type { Operation } from "../operation.js";

/** A plain, self-contained API page: no CDN, works on an offline intranet. */
export function docsPage(ops: Operation[]) {
  const rows = ops.map(
    (op) =>
      html`<tr><td><code>${op.method.toUpperCase()}</code></td><td><code>${op.path.replace(/:(\w+)/g, "{$1}")}</code></td><td>${op.summary}</td><td>${op.auth}</td></tr>`,
  );
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>warncast API</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}code{font-size:13px}</style></head>
<body><h1>warncast API</h1><p>Machine-readable description: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>. Errors are <code>application/problem+json</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>auth</th></tr></thead><tbody>${raw(rows.join(""))}</tbody></table></body></html>`;
}
