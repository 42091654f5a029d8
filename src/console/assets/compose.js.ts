// Served at /assets/compose.js: the compose page's behaviour (allowed levels per type,
// default channels per level, area search, live preview). Plain DOM, no framework; text
// is only ever set with textContent, never innerHTML.
export const COMPOSE_JS = String.raw`
(() => {
  const form = document.getElementById("compose");
  if (!form) return;
  const $ = (sel) => form.querySelector(sel);
  const levels = JSON.parse(form.dataset.levels);
  const channelsByLevel = JSON.parse(form.dataset.channels);
  const csrf = $("input[name=_csrf]").value;
  const type = $("#type"), level = $("#level");
  const touched = $("#channels-touched");
  let channelsTouched = touched.value === "1";

  function syncLevels() {
    const allowed = levels[type.value] || [];
    for (const o of level.options) { o.disabled = !allowed.includes(o.value); o.hidden = o.disabled; }
    if (!allowed.includes(level.value)) level.value = allowed[allowed.length - 1] || "";
    syncChannels();
  }
  function syncChannels() {
    if (channelsTouched) return;
    const want = channelsByLevel[level.value] || [];
    for (const c of form.querySelectorAll("input[name=channels]")) c.checked = want.includes(c.value);
  }
  type.addEventListener("change", () => { syncLevels(); schedule(); });
  level.addEventListener("change", () => { syncChannels(); schedule(); });
  for (const c of form.querySelectorAll("input[name=channels]")) c.addEventListener("change", () => { channelsTouched = true; touched.value = "1"; schedule(); });
  syncLevels();

  // Area picker: search the hierarchy by name or code; each pick becomes a chip with a hidden input.
  const q = $("#area-q"), results = $("#area-results"), chips = $("#area-chips"), pop = $("#area-pop");
  function updatePopulation() {
    let sum = 0;
    for (const li of chips.children) sum += Number(li.dataset.population || 0);
    pop.textContent = sum.toLocaleString("zh-CN");
  }
  function addArea(a) {
    if (chips.querySelector('[data-code="' + a.code + '"]')) return;
    const li = document.createElement("li");
    li.dataset.code = a.code; li.dataset.population = a.population || 0;
    li.textContent = a.label + " ";
    const hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "areas"; hidden.value = a.code;
    const rm = document.createElement("button");
    rm.type = "button"; rm.textContent = "×"; rm.title = "remove";
    rm.addEventListener("click", () => { li.remove(); updatePopulation(); schedule(); });
    li.append(hidden, rm);
    chips.append(li);
    updatePopulation();
    schedule();
  }
  for (const rm of chips.querySelectorAll("button")) rm.addEventListener("click", () => { rm.parentElement.remove(); updatePopulation(); schedule(); });
  updatePopulation();
  // Results: search hits, or one level of the hierarchy (▸ goes down, ▴ up) starting at the user's scope.
  function row(a) {
    const div = document.createElement("div");
    const b = document.createElement("button");
    b.type = "button"; b.dataset.code = a.code;
    b.textContent = a.label + " · " + a.code + " · " + a.kindLabel + " · " + (a.population || 0).toLocaleString("zh-CN");
    b.addEventListener("click", () => { addArea(a); results.replaceChildren(); q.value = ""; });
    div.append(b);
    if (a.browsable) {
      const down = document.createElement("button");
      down.type = "button"; down.className = "down"; down.textContent = "▸"; down.title = form.dataset.below;
      down.addEventListener("click", () => browse(a.code));
      div.append(down);
    }
    return div;
  }
  // Only the latest request's answer is shown (a slow browse must not replace a later search).
  let seq = 0;
  async function load(url) {
    const mine = ++seq;
    const res = await fetch(url, { headers: { accept: "application/json" } });
    const data = res.ok ? await res.json() : null;
    return mine === seq ? data : null;
  }
  async function browse(parent) {
    const data = await load("/console-api/areas" + (parent ? "?parent=" + encodeURIComponent(parent) : ""));
    if (!data) return;
    results.replaceChildren();
    const head = document.createElement("div");
    head.className = "here";
    if (data.parent.parentCode && data.parent.kind !== "city") {
      const up = document.createElement("button");
      up.type = "button"; up.className = "up"; up.textContent = "▴"; up.title = form.dataset.above;
      up.addEventListener("click", () => browse(data.parent.parentCode));
      head.append(up);
    }
    const here = document.createElement("strong");
    here.textContent = " " + data.parent.label + " · " + data.parent.code;
    head.append(here);
    results.append(head);
    for (const a of data.items) results.append(row(a));
  }
  let searchTimer = null;
  q.addEventListener("focus", () => { if (!q.value.trim() && results.children.length === 0) browse(""); });
  q.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const term = q.value.trim();
      if (!term) { browse(""); return; }
      const data = await load("/console-api/areas?q=" + encodeURIComponent(term));
      if (!data) return;
      results.replaceChildren(...data.items.map(row));
    }, 200);
  });

  // Live preview through the API (POST /api/v1/warnings/preview, via the console).
  const out = document.getElementById("preview");
  // Typed as "2026-05-03 14:30", Beijing time (the page says +08:00).
  const toIso = (raw) => {
    const v = raw ? String(raw).trim().replace(" ", "T") : "";
    return v ? (v.length === 16 ? v + ":00" : v) + "+08:00" : undefined;
  };
  function body() {
    const fd = new FormData(form);
    const b = {
      type: fd.get("type"), level: fd.get("level"), description: fd.get("description"),
      instruction: fd.get("instruction") || undefined, headline: fd.get("headline") || undefined,
      areas: { codes: fd.getAll("areas") }, audiences: fd.getAll("audiences"), channels: fd.getAll("channels"),
      expires: toIso(fd.get("expires")), onset: toIso(fd.get("onset")), sendAt: toIso(fd.get("sendAt")),
    };
    return JSON.stringify(b);
  }
  let previewTimer = null;
  function schedule() { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 400); }
  // Responses can come back out of order: only the latest request may draw, or a slow
  // answer for the old form (干旱) would overwrite the one for the new (暴雨).
  let previewSeq = 0;
  async function preview() {
    const mine = ++previewSeq;
    // An update form previews the Update (更新), not a new Alert.
    const from = $("input[name=from]").value;
    const res = await fetch("/compose/preview" + (from ? "?from=" + encodeURIComponent(from) : ""), {
      method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: body(),
    });
    const data = await res.json();
    if (mine !== previewSeq) return;
    out.replaceChildren();
    if (!res.ok) {
      const p = document.createElement("p"); p.className = "muted";
      p.textContent = (data.errors || []).map((e) => e.path + ": " + e.message).join("; ") || data.detail;
      out.append(p);
      return;
    }
    for (const item of data.items) {
      const h = document.createElement("h3");
      h.textContent = item.channel + " · " + item.requestedLanguage + (item.language !== item.requestedLanguage ? " → " + item.language : "");
      out.append(h);
      if (item.subject) { const s = document.createElement("p"); s.textContent = item.subject; s.className = "muted"; out.append(s); }
      const pre = document.createElement("pre"); pre.textContent = item.text; out.append(pre);
      if (item.segments !== undefined) {
        const seg = document.createElement("p");
        seg.textContent = form.dataset.segments + ": " + item.segments + " / " + form.dataset.budget + " " + item.maxSegments;
        if (!item.withinBudget) { seg.className = "over"; seg.textContent += " · " + form.dataset.over; }
        seg.dataset.segments = item.segments;
        out.append(seg);
      }
    }
  }
  form.addEventListener("input", (e) => { if (e.target !== q) schedule(); });
  $("#preview-button").addEventListener("click", preview);
  if (chips.children.length > 0) schedule();
})();
`;
