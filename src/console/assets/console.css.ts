// Served at /assets/console.css. A string module so the Worker bundle carries it too.
export const CONSOLE_CSS = `
:root { --red:#d7191c; --orange:#f28e2b; --yellow:#e8c61a; --blue:#2b83ba; --ok:#2e9d4d; --warn:#e8a317; --bad:#c0392b; --off:#7d3c98; --esc:#e67e22; --ink:#1d2430; --mute:#667085; --line:#d9dee7; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif; color:var(--ink); background:var(--bg); }
header.top { display:flex; align-items:center; gap:1rem; padding:.5rem 1rem; background:#12324f; color:#fff; flex-wrap:wrap; }
header.top a { color:#dbe7f3; text-decoration:none; }
header.top a.on, header.top a:hover { color:#fff; text-decoration:underline; }
header.top nav { display:flex; gap:1rem; }
.brand { font-weight:700; color:#fff !important; }
.spacer { flex:1; }
.who { font-size:.85em; margin-right:.5rem; color:#b9cde0; }
form.inline { display:inline; }
main { padding:1rem 1.5rem; max-width:1400px; margin:0 auto; }
h1 { font-size:1.4rem; margin:.2rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.2rem 0 .5rem; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { border-bottom:1px solid var(--line); padding:.35rem .5rem; text-align:left; vertical-align:top; }
th { background:#eef1f5; font-weight:600; }
button, .button { font:inherit; padding:.35rem .9rem; border:1px solid #12324f; background:#12324f; color:#fff; border-radius:4px; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:#12324f; }
button.danger { background:var(--bad); border-color:var(--bad); }
input, select, textarea { font:inherit; padding:.3rem .4rem; border:1px solid #b8c0cc; border-radius:4px; background:#fff; }
textarea, input#headline { width:100%; }
textarea { min-height:4.5em; }
label { display:block; font-weight:600; margin:.6rem 0 .2rem; }
.field-error { color:var(--bad); font-size:.9em; margin:.15rem 0; }
.error { background:#fdecea; border:1px solid #f5c2bd; padding:.5rem .8rem; color:#8a1c12; }
.flash { background:#e8f5ec; border:1px solid #b7dfc2; padding:.5rem .8rem; }
.grid2 { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:1.5rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; margin-bottom:1rem; }
.chips { display:flex; flex-wrap:wrap; gap:.3rem; list-style:none; padding:0; margin:.3rem 0; }
.chips li { background:#e7eef6; border-radius:12px; padding:.1rem .6rem; }
.chips button { padding:0 .3rem; margin-left:.3rem; background:transparent; color:var(--bad); border:none; }
.checks label { display:inline-block; font-weight:400; margin-right:1rem; }
.lvl { display:inline-block; padding:0 .5rem; border-radius:3px; color:#fff; font-weight:600; }
.lvl-red { background:var(--red); } .lvl-orange { background:var(--orange); } .lvl-yellow { background:var(--yellow); color:#222; } .lvl-blue { background:var(--blue); }
.preview pre { white-space:pre-wrap; background:#f9fafb; border:1px solid var(--line); padding:.5rem; margin:.2rem 0 .6rem; }
.over { color:var(--bad); font-weight:700; }
details.previews { margin:.5rem 0; } details.previews summary { cursor:pointer; color:var(--mute); }
details.previews h3 { font-size:.95rem; margin:.6rem 0 .2rem; }
.rate { font-size:2rem; font-weight:700; }
.rate.met { color:var(--ok); } .rate.unmet { color:var(--bad); }
meter { width:100%; height:1.1rem; }
.channel-row { display:grid; grid-template-columns: 7rem repeat(4, minmax(0,1fr)); gap:.5rem; align-items:center; margin:.3rem 0; }
.channel-row small { color:var(--mute); display:block; }
svg.curve { width:100%; height:180px; background:#fff; border:1px solid var(--line); }
svg.curve .axis { stroke:#98a2b3; stroke-width:1; }
svg.curve .target { stroke:var(--bad); stroke-dasharray:4 3; stroke-width:1; }
svg.curve .line { fill:none; stroke:#12324f; stroke-width:2; }
svg.curve text { font-size:10px; fill:var(--mute); }
.legend span { display:inline-block; margin-right:1rem; }
.legend i, .v { display:inline-block; width:.9rem; height:.9rem; border-radius:2px; vertical-align:middle; }
.v { width:1.1rem; height:1.1rem; margin:1px; }
.s-reached { background:var(--ok); } .s-progress { background:var(--warn); } .s-notreached { background:var(--bad); } .s-offline { background:var(--off); } .s-escalated { background:var(--esc); } .s-idle { background:#cfd6e0; }
.county { margin:.6rem 0; }
.county > h3 { font-size:1rem; margin:.2rem 0; }
.township { display:flex; align-items:flex-start; gap:.5rem; margin:.15rem 0; }
.township > span { width:9rem; flex:none; font-size:.85em; color:var(--mute); }
.villages { display:flex; flex-wrap:wrap; }
.muted { color:var(--mute); }
.rate.neutral { color:#12324f; }
dl.facts { display:grid; grid-template-columns: 7rem 1fr; gap:.2rem .8rem; margin:.4rem 0; }
dl.facts dt { color:var(--mute); } dl.facts dd { margin:0; }
ul.plain { list-style:none; padding:0; margin:0; }
.area { margin-right:.6rem; } small.code { color:var(--mute); font-size:.75em; }
details.confirm { display:inline-block; vertical-align:top; margin:.3rem .5rem .3rem 0; }
details.confirm > summary { list-style:none; } details.confirm > summary::-webkit-details-marker { display:none; }
details.confirm[open] > form { border:2px solid var(--bad); border-radius:6px; padding:.6rem; margin-top:.4rem; background:#fffafa; }
summary.button.danger { background:var(--bad); border-color:var(--bad); }
.badge { display:inline-block; min-width:1.6rem; text-align:center; padding:0 .4rem; border-radius:10px; background:#eef1f5; }
.alarm { border:2px solid var(--off); } .alarm h2 { color:var(--off); } .alarm .badge { background:var(--off); color:#fff; }
td.bad, .bad { color:var(--bad); font-weight:700; }
tr.overdue td { background:#fdecea; } tr.done td { color:var(--mute); }
.status-offline { color:#fff; background:var(--bad); font-weight:700; padding:0 .4rem; border-radius:3px; }
.status-online { color:var(--ok); }
#channels td meter { display:block; height:.5rem; }
.hidden { display:none; }
.results { max-height:14rem; overflow:auto; background:#fff; border:1px solid var(--line); }
.results button { display:block; width:100%; text-align:left; background:#fff; color:var(--ink); border:none; border-bottom:1px solid var(--line); border-radius:0; }
.results button:hover { background:#eef4fb; }
.results > div { display:flex; border-bottom:1px solid var(--line); }
.results > div > button { border-bottom:none; }
.results button.down, .results button.up { width:auto; flex:none; padding:0 .8rem; color:var(--mute); }
.results .here { padding:.25rem .4rem; background:#f3f5f8; align-items:center; }
`;
