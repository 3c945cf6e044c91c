// The card centre's console: sign-in (password + TOTP), then the indicators as charts, card
// lookup with history, the blacklist, the audit trail, the institutions by region and the staff,
// all through /api/v1/admin. What is offered comes from GET /api/v1/admin/me (the server's
// policy): an element marked data-needs="<action>" is shown only when the role grants it.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem("ehc-admin-token"), charts: {}, me: null };

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

  // An instant as a reader expects it: local date and time to the second.
  function when(iso) {
    return iso ? new Date(iso).toLocaleString("sv-SE", { hour12: false }) : null;
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
    enter().catch((e) => { $("sign-in-error").textContent = e.message; });
  }

  function signOut() {
    if (state.token) fetch("/api/v1/admin/sessions", { method: "DELETE",
      headers: { authorization: "Bearer " + state.token } }).catch(() => {});
    state.token = null; state.me = null;
    sessionStorage.removeItem("ehc-admin-token");
    $("view-sign-in").hidden = false;
    $("tabs").hidden = true; $("sign-out").hidden = true; $("who").hidden = true;
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = true; });
  }

  const ROLE_NAMES = { centre_admin: "中心管理员", region_admin: "地区管理员",
    institution_admin: "机构管理员", auditor: "审计员", clerk: "窗口人员" };

  function may(action) { return !!state.me && state.me.actions.includes(action); }

  // Show only what the role may use: the server's list of actions decides, never a copy here.
  function offer() {
    document.querySelectorAll("[data-needs]").forEach((el) => { el.hidden = !may(el.dataset.needs); });
    $("new-role").replaceChildren(...state.me.grantable_roles.map((role) => {
      const o = document.createElement("option");
      o.value = role; o.textContent = (ROLE_NAMES[role] || role) + " " + role;
      return o;
    }));
    const reach = state.me.reach;
    $("new-scope").value = reach.institution_code || (reach.region_prefix
      ? state.me.scope || "" : "");
  }

  async function enter() {
    $("view-sign-in").hidden = true;
    state.me = await call("GET", "/api/v1/admin/me");
    $("tabs").hidden = false; $("sign-out").hidden = false;
    const scope = state.me.scope ? " · " + state.me.scope : "";
    $("who").hidden = false;
    $("who").textContent = state.me.username + " · " + (ROLE_NAMES[state.me.role] || "")
      + " " + state.me.role + scope;
    document.body.dataset.role = state.me.role;
    offer();
    const first = document.querySelector("nav button:not([hidden])");
    if (first) show(first.dataset.tab);
  }

  function show(name) {
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== "view-" + name; });
    document.querySelectorAll("nav button").forEach((b) => {
      b.classList.toggle("active", b.dataset.tab === name);
    });
    const load = { indicators: loadIndicators, blacklist: loadBlacklist, audit: loadAudit,
                   institutions: loadInstitutions, users: loadUsers }[name];
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
      legend: { bottom: 4, itemWidth: 12, textStyle: { fontSize: 11 } },
      series: [{ name: "issued", type: "pie", radius: ["32%", "62%"], center: ["50%", "50%"],
                 label: { position: "inside", formatter: "{d}%", fontSize: 10, color: "#fff" },
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
        (tr, e) => cell(tr, when(e.at || e.created_at)), (tr, e) => cell(tr, e.event || e.kind),
        (tr, e) => cell(tr, e.actor_id || e.actor), (tr, e) => cell(tr, e.reason),
      ]);
    } catch (e) { $("lookup-error").textContent = e.message; }
  }

  // --- blacklist -----------------------------------------------------------------------
  async function loadBlacklist() {
    const data = await call("GET", "/api/v1/admin/blacklist");
    fill("blacklist-table", data.entries, [
      (tr, e) => cell(tr, e.id), (tr, e) => cell(tr, e.id_type), (tr, e) => cell(tr, e.reason),
      (tr, e) => cell(tr, e.created_by), (tr, e) => cell(tr, when(e.created_at)),
      (tr, e) => {
        if (!may("blacklist.manage")) { cell(tr, ""); return; }
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
      (tr, e) => cell(tr, when(e.at)), (tr, e) => cell(tr, e.actor_type + ":" + e.actor_id),
      (tr, e) => cell(tr, e.action),
      (tr, e) => cell(tr, e.target_type ? e.target_type + ":" + (e.target_id || "") : null),
    ]);
  }

  // --- institutions, as a tree of regions (province → city → district) -------------------
  function confirmThen(button, label, act) {
    // A second click confirms: nothing is changed by one stray click.
    button.textContent = label;
    button.addEventListener("click", async () => {
      if (!button.dataset.armed) {
        button.dataset.armed = "1"; button.textContent = "确认 Confirm: " + label; return;
      }
      button.disabled = true;
      await act();
    });
    return button;
  }

  function regionNode(nodes, code, names) {
    if (!nodes[code]) {
      const li = document.createElement("li");
      li.className = "region"; li.dataset.region = code;
      const label = document.createElement("span");
      label.className = "region-name";
      label.textContent = code + " " + (names[code] || "");
      const ul = document.createElement("ul");
      li.append(label, ul);
      nodes[code] = { li, ul };
    }
    return nodes[code];
  }

  function institutionItem(inst) {
    const li = document.createElement("li");
    li.className = "institution" + (inst.active ? "" : " inactive");
    li.dataset.code = inst.code;
    const name = document.createElement("b"); name.textContent = inst.name;
    const facts = document.createElement("span");
    facts.className = "facts";
    facts.textContent = [inst.code, inst.kind, inst.level, inst.parent_code && "↑ " + inst.parent_code,
      inst.active ? "启用 active" : "停用 deactivated"].filter(Boolean).join(" · ");
    li.append(name, " ", facts);
    if (inst.active && may("institution.deactivate")) {
      const b = document.createElement("button");
      b.className = "deactivate";
      li.append(" ", confirmThen(b, "停用 Deactivate", async () => {
        try {
          await call("POST", "/api/v1/admin/institutions/" + encodeURIComponent(inst.code)
            + "/deactivate");
          await loadInstitutions();
        } catch (e) { $("institutions-error").textContent = e.message; }
      }));
    }
    return li;
  }

  async function loadInstitutions() {
    $("institutions-error").textContent = "";
    const q = new URLSearchParams();
    if ($("inst-region").value) q.set("region", $("inst-region").value);
    if ($("inst-kind").value) q.set("kind", $("inst-kind").value);
    if ($("inst-active").value) q.set("active", $("inst-active").value);
    const [found, regions] = await Promise.all([
      call("GET", "/api/v1/admin/institutions?" + q.toString()),
      call("GET", "/api/v1/admin/regions")]);
    const names = Object.fromEntries(regions.regions.map((r) => [r.code, r.name]));
    const root = document.createElement("ul");
    const nodes = {};
    const sorted = found.institutions.slice().sort((a, b) =>
      (a.region_code || "").localeCompare(b.region_code || "") || a.code.localeCompare(b.code));
    for (const inst of sorted) {
      const code = inst.region_code || "";
      let parent = { ul: root };
      if (code) {
        for (const level of [code.slice(0, 2) + "0000", code.slice(0, 4) + "00", code]) {
          const fresh = !nodes[level];
          const node = regionNode(nodes, level, names);
          if (fresh) parent.ul.appendChild(node.li);
          parent = node;
        }
      }
      parent.ul.appendChild(institutionItem(inst));
    }
    $("inst-tree").replaceChildren(root);
    if (!found.institutions.length) $("inst-tree").textContent = "没有机构 No institutions";
  }

  async function addInstitution(event) {
    event.preventDefault();
    $("institutions-error").textContent = "";
    const body = { code: $("new-inst-code").value.trim(), name: $("new-inst-name").value.trim(),
      kind: $("new-inst-kind").value, region_code: $("new-inst-region").value.trim() };
    if ($("new-inst-parent").value.trim()) body.parent_code = $("new-inst-parent").value.trim();
    if ($("new-inst-level").value.trim()) body.level = $("new-inst-level").value.trim();
    try {
      await call("POST", "/api/v1/admin/institutions", body);
      $("inst-form").reset();
      await loadInstitutions();
    } catch (e) { $("institutions-error").textContent = e.message; }
  }

  // --- users and roles -----------------------------------------------------------------
  async function loadUsers() {
    $("users-error").textContent = "";
    const data = await call("GET", "/api/v1/admin/users");
    fill("users-table", data.users, [
      (tr, u) => { tr.dataset.username = u.username; cell(tr, u.username); },
      (tr, u) => cell(tr, (ROLE_NAMES[u.role] || "") + " " + u.role),
      (tr, u) => cell(tr, u.scope || "全中心 whole centre"),
      (tr, u) => cell(tr, u.active ? "启用 active" : "停用 disabled"),
      (tr, u) => cell(tr, u.created_by), (tr, u) => cell(tr, when(u.created_at)),
      (tr, u) => {
        const td = cell(tr, "");
        if (!u.active || !may("user.manage") || u.username === state.me.username) return;
        td.appendChild(confirmThen(document.createElement("button"), "停用 Disable", async () => {
          try {
            await call("POST", "/api/v1/admin/users/" + encodeURIComponent(u.username)
              + "/disable");
            await loadUsers();
          } catch (e) { $("users-error").textContent = e.message; }
        }));
      },
    ]);
  }

  async function addUser(event) {
    event.preventDefault();
    $("users-error").textContent = "";
    $("user-made").hidden = true;
    const body = { username: $("new-username").value.trim(), role: $("new-role").value };
    if ($("new-scope").value.trim()) body.scope = $("new-scope").value.trim();
    try {
      const made = await call("POST", "/api/v1/admin/users", body);
      $("made-username").textContent = made.username;
      $("made-password").textContent = made.password;
      $("made-uri").textContent = made.totp_uri;
      $("made-qr").innerHTML = made.totp_qr_svg;  // our own server's SVG (segno)
      $("user-made").hidden = false;
      $("new-username").value = "";
      await loadUsers();
    } catch (e) { $("users-error").textContent = e.message; }
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
    $("inst-filter").addEventListener("submit", (e) => {
      e.preventDefault();
      loadInstitutions().catch((err) => { $("institutions-error").textContent = err.message; });
    });
    $("inst-form").addEventListener("submit", addInstitution);
    $("user-form").addEventListener("submit", addUser);
    $("audit-form").addEventListener("submit", (e) => {
      loadAudit(e).catch((err) => { $("audit-error").textContent = err.message; });
    });
    document.querySelectorAll("nav button").forEach((b) => {
      b.addEventListener("click", () => show(b.dataset.tab));
    });
    window.addEventListener("resize", () => Object.values(state.charts).forEach((c) => c.resize()));
    if (state.token) enter().catch(() => signOut());
    document.body.dataset.ready = "1";
  });
})();
