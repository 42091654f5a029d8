// Served at /assets/board.js: keeps the live board current from server-sent events. The
// server renders the board; this only changes numbers, widths and colours in place.
export const BOARD_JS = String.raw`
(() => {
  const board = document.getElementById("board");
  if (!board || !window.EventSource) return;
  const set = (id, text) => { const el = document.getElementById(id); if (el) el.textContent = text; };
  const pct = (r) => (r === null || r === undefined ? "—" : (Math.floor(r * 1000) / 10).toFixed(1) + "%");
  // The plan is written after the approve, step by step (villages, then each channel's
  // rows): a board opened meanwhile has no row for a channel or village that appears later.
  // When the live figures name one it lacks, the page is fetched again (at most every 2 s).
  let reloadAt = 0;
  function behind(d) {
    const rows = new Set(Array.from(document.querySelectorAll("#channels tr[data-channel]"), (r) => r.dataset.channel));
    return d.channels.some((c) => !rows.has(c.channel)) || d.villages.some((v) => !document.getElementById("v-" + v.code));
  }
  function apply(d) {
    if (behind(d)) {
      if (!reloadAt) reloadAt = setTimeout(() => location.reload(), Math.max(0, 2000 - (Date.now() - performance.timeOrigin)));
      return;
    }
    set("rate", pct(d.rate));
    const rate = document.getElementById("rate");
    // An all-clear has no coverage target: its figure is progress, not a shortfall.
    rate.className = "rate " + (board.dataset.neutral ? "neutral" : d.met ? "met" : "unmet");
    rate.dataset.rate = d.rate === null ? "" : String(d.rate);
    set("reached", d.reached.toLocaleString("zh-CN"));
    const sec = board.dataset.sec || " s";
    set("t50", d.secondsTo50 === null ? "—" : d.secondsTo50 + sec);
    set("t90", d.secondsTo90 === null ? "—" : d.secondsTo90 + sec);
    for (const c of d.channels) {
      for (const k of ["targeted", "sent", "delivered", "acknowledged", "failed"]) {
        const m = document.getElementById("m-" + c.channel + "-" + k);
        if (m) { m.max = Math.max(1, c.targeted); m.value = c[k]; }
        set("n-" + c.channel + "-" + k, c[k].toLocaleString("en-US"));
      }
    }
    const line = document.getElementById("curve-line");
    if (line) line.setAttribute("d", d.curvePath);
    const s = d.curveSpan;
    const u = (board.dataset.units || " s| min| h").split("|");
    set("curve-span", s < 120 ? s + u[0] : s < 7200 ? Math.round(s / 60) + u[1] : Math.round(s / 3600) + u[2]);
    for (const v of d.villages) {
      const el = document.getElementById("v-" + v.code);
      if (el && el.dataset.state !== v.state) { el.className = "v s-" + v.state; el.dataset.state = v.state; }
    }
    for (const c of d.counties || []) {
      const shape = document.getElementById("map-" + c.code);
      if (shape && shape.getAttribute("class") !== c.cls) shape.setAttribute("class", c.cls);
      const title = shape && shape.querySelector("title");
      if (title) title.textContent = c.label;
      set("map-label-" + c.code, c.label);
    }
    board.dataset.updated = String(Date.now());
    board.dataset.status = d.status;
  }
  const es = new EventSource(board.dataset.live);
  es.addEventListener("board", (e) => apply(JSON.parse(e.data)));
  es.addEventListener("end", () => es.close());
})();
`;
