// The card centre's console: sign-in (password + TOTP), then the indicators as charts, card
// lookup with history, the blacklist and the audit trail, all through /api/v1/admin.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem("ehc-admin-token"), charts: {} };

  async function call(method, path, body) {
    const resp = await fetch(path, {
      method,
      headers: Object.assign({ authorization: "Bearer " + state.token },
        body ? { "content-type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    if (resp.status === 401) { signOut(); throw new Error("请重新登录 Please sign in again"); }
    if (resp.status === 204) return null;
    const data = await resp.json();
    if (!resp.ok) throw new Error((data.error && data.error.message) || resp.statusText);
    return data;
  }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function fill(tableId, items, columns) {
    const body = $(tableId).querySelector("tbody");
    body.replaceChildren();
    for (const item of items) {
      const tr = document.createElement("tr");
      for (const col of columns) col(tr, item);
      body.appendChild(tr);
    }
  }

  // --- sign-in -------------------------------------------------------------------------
  async function signIn(event) {
    event.preventDefault();
    $("sign-in-error").textContent = "";
    const resp = await fetch("/api/v1/admin/sessions", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value,
                             totp: $("totp").value }),
    });
    const data = await resp.json();
    if (!resp.ok) { $("sign-in-error").textContent = data.error.message; return; }
    state.token = data.token;
    sessionStorage.setItem("ehc-admin-token", data.token);
    sessionStorage.setItem("ehc-admin-user", $("username").value);
    enter();
  }

  function signOut() {
    if (state.token) fetch("/api/v1/admin/sessions", { method: "DELETE",
      headers: { authorization: "Bearer " + state.token } }).catch(() => {});
    state.token = null;
    sessionStorage.removeItem("ehc-admin-token");
    $("view-sign-in").hidden = false;
    $("tabs").hidden = true; $("sign-out").hidden = true; $("who").hidden = true;
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = true; });
  }

  function enter() {
    $("view-sign-in").hidden = true;
    $("tabs").hidden = false; $("sign-out").hidden = false;
    $("who").hidden = false; $("who").textContent = sessionStorage.getItem("ehc-admin-user") || "";
    show("indicators");
  }

  function show(name) {
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== "view-" + name; });
    document.querySelectorAll("nav button").forEach((b) => {
      b.classList.toggle("active", b.dataset.tab === name);
    });
    const load = { indicators: loadIndicators, blacklist: loadBlacklist, audit: loadAudit }[name];
    if (load) load().catch((e) => { $(name + "-error").textContent = e.message; });
  }

  // --- indicators ----------------------------------------------------------------------
  function statsPath(groupBy, format) {
    const q = new URLSearchParams({ from: $("from").value, to: $("to").value, group_by: groupBy });
    if ($("region").value) q.set("region", $("region").value);
    if (format) q.set("format", format);
    return "/api/v1/admin/stats?" + q.toString();
  }

  function chart(id) {
    if (!state.charts[id]) state.charts[id] = echarts.init($(id));
    return state.charts[id];
  }

  async function loadIndicators() {
    $("indicators-error").textContent = "";
    const [byDay, byChannel, byScene, byRegion] = await Promise.all(
      ["day", "channel", "scene", "region"].map((g) => call("GET", statsPath(g))));
    const days = byDay.rows.map((r) => r.key);
    chart("chart-trend").setOption({
      title: { text: "趋势 Trend", left: 8, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" }, legend: { top: 28 },
      grid: { top: 64, left: 48, right: 16, bottom: 32 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value" },
      series: [
        { name: "领卡 issued", type: "line", data: byDay.rows.map((r) => r.issued) },
        { name: "用卡人数 used", type: "line", data: byDay.rows.map((r) => r.used) },
        { name: "用卡次数 uses", type: "line", data: byDay.rows.map((r) => r.uses) },
      ],
    }, true);
    const collected = byChannel.rows.filter((r) => r.issued > 0);
    chart("chart-channels").setOption({
      title: { text: "领卡渠道 Channels", textStyle: { fontSize: 14 } }, tooltip: {},
      series: [{ name: "issued", type: "pie", radius: ["35%", "65%"], top: 24,
                 data: collected.map((r) => ({ name: r.key, value: r.issued })) }],
    }, true);
    chart("chart-scenes").setOption({
      title: { text: "用卡环节 Scenes", textStyle: { fontSize: 14 } }, tooltip: {},
      grid: { top: 40, left: 90, right: 16, bottom: 24 },
      xAxis: { type: "value" }, yAxis: { type: "category", data: byScene.rows.map((r) => r.key) },
      series: [{ name: "uses", type: "bar", data: byScene.rows.map((r) => r.uses) }],
    }, true);
    fill("region-table", byRegion.rows, [
      (tr, r) => cell(tr, r.key), (tr, r) => cell(tr, r.issued, "num"),
      (tr, r) => cell(tr, r.used, "num"), (tr, r) => cell(tr, r.uses, "num"),
      (tr, r) => cell(tr, r.collection_rate === null ? null
        : (r.collection_rate * 100).toFixed(2) + "%", "num"),
    ]);
  }

  async function download(format) {
    const resp = await fetch(statsPath("day", format), {
      headers: { authorization: "Bearer " + state.token } });
    if (!resp.ok) { $("indicators-error").textContent = resp.statusText; return; }
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement("a");
    a.href = url; a.download = "ehc-stats-" + $("from").value + "-" + $("to").value + "." + format;
    document.body.appendChild(a); a.click(); a.remove();
    URL.revokeObjectURL(url);
  }

  // --- cards ---------------------------------------------------------------------------
  async function lookup(event) {
    event.preventDefault();
    $("lookup-error").textContent = "";
    $("lookup-card").replaceChildren();
    fill("lookup-history", [], []);
    try {
      const card = await call("POST", "/api/v1/admin/cards/lookup",
        { id_type: $("lookup-type").value, id_number: $("lookup-number").value.trim() });
      for (const [k, v] of Object.entries(card)) {
        const dt = document.createElement("dt"); dt.textContent = k;
        const dd = document.createElement("dd"); dd.textContent = String(v);
        $("lookup-card").append(dt, dd);
      }
      const history = await call("GET", "/api/v1/admin/cards/" + card.card_id + "/events");
      fill("lookup-history", history.events, [
        (tr, e) => cell(tr, e.at || e.created_at), (tr, e) => cell(tr, e.event || e.kind),
        (tr, e) => cell(tr, e.actor_id || e.actor), (tr, e) => cell(tr, e.reason),
      ]);
    } catch (e) { $("lookup-error").textContent = e.message; }
  }

  // --- blacklist -----------------------------------------------------------------------
  async function loadBlacklist() {
    const data = await call("GET", "/api/v1/admin/blacklist");
    fill("blacklist-table", data.entries, [
      (tr, e) => cell(tr, e.id), (tr, e) => cell(tr, e.id_type), (tr, e) => cell(tr, e.reason),
      (tr, e) => cell(tr, e.created_by), (tr, e) => cell(tr, e.created_at),
      (tr, e) => {
        const b = document.createElement("button");
        b.textContent = "移除 Remove";
        b.addEventListener("click", async () => {
          await call("DELETE", "/api/v1/admin/blacklist/" + e.id);
          loadBlacklist();
        });
        cell(tr, "").appendChild(b);
      },
    ]);
  }

  async function addBlacklist(event) {
    event.preventDefault();
    $("blacklist-error").textContent = "";
    try {
      await call("POST", "/api/v1/admin/blacklist", { id_type: $("bl-type").value,
        id_number: $("bl-number").value.trim(), reason: $("bl-reason").value });
      $("bl-number").value = ""; $("bl-reason").value = "";
      await loadBlacklist();
    } catch (e) { $("blacklist-error").textContent = e.message; }
  }

  // --- audit ---------------------------------------------------------------------------
  async function loadAudit(event) {
    if (event) event.preventDefault();
    const q = new URLSearchParams({ limit: "200" });
    if ($("audit-action").value) q.set("action", $("audit-action").value);
    if ($("audit-actor").value) q.set("actor_id", $("audit-actor").value);
    if ($("audit-target").value) q.set("target_id", $("audit-target").value);
    const data = await call("GET", "/api/v1/admin/audit?" + q.toString());
    fill("audit-table", data.entries, [
      (tr, e) => cell(tr, e.at), (tr, e) => cell(tr, e.actor_type + ":" + e.actor_id),
      (tr, e) => cell(tr, e.action),
      (tr, e) => cell(tr, e.target_type ? e.target_type + ":" + (e.target_id || "") : null),
    ]);
  }

  // --- start ---------------------------------------------------------------------------
  function isoDay(d) { return d.toISOString().slice(0, 10); }

  document.addEventListener("DOMContentLoaded", () => {
    const today = new Date();
    $("to").value = isoDay(today);
    $("from").value = isoDay(new Date(today.getTime() - 13 * 86400000));
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("range-form").addEventListener("submit", (e) => {
      e.preventDefault();
      loadIndicators().catch((err) => { $("indicators-error").textContent = err.message; });
    });
    $("export-csv").addEventListener("click", (e) => { e.preventDefault(); download("csv"); });
    $("export-xlsx").addEventListener("click", (e) => { e.preventDefault(); download("xlsx"); });
    $("lookup-form").addEventListener("submit", lookup);
    $("blacklist-form").addEventListener("submit", addBlacklist);
    $("audit-form").addEventListener("submit", (e) => {
      loadAudit(e).catch((err) => { $("audit-error").textContent = err.message; });
    });
    document.querySelectorAll("nav button").forEach((b) => {
      b.addEventListener("click", () => show(b.dataset.tab));
    });
    window.addEventListener("resize", () => Object.values(state.charts).forEach((c) => c.resize()));
    if (state.token) enter();
    document.body.dataset.ready = "1";
  });
})();
