// The clerk's page: a counter terminal's work through the public terminal API (/api/v1/pos/…)
// and, for the ID reader, counter-pos's local API on the clerk's PC.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  token: null, expiresAt: 0, terminal: null, secret: null, clerk: null, institution: null,
  refresh: null, mode: "clerk", card: null, appointment: null, charge: null, source: "manual",
  tab: "verify", queueTimer: null,
};
const QUEUE_EVERY_MS = 5000;  // how often the waiting list is read again while it is shown

// What the clerk reads when something is refused: plain Chinese, what to do next.
const MESSAGES = {
  QR_MALFORMED: "这不是电子健康卡二维码", QR_FORGED: "二维码无效（可能是伪造的）",
  QR_EXPIRED: "二维码已过期，请患者刷新后再扫", QR_REPLAYED: "二维码已使用过，请患者刷新后再扫",
  CARD_LOST: "此卡已挂失，不能使用", CARD_FROZEN: "此卡已冻结，请联系卡管中心",
  CARD_CANCELLED: "此卡已注销", SLOT_FULL: "今日号源已满", DUPLICATE_BOOKING: "该患者已挂过这个号",
  BOOKING_CLOSED: "只能挂当天的号", SCHEDULE_STOPPED: "该排班已停诊",
  BOOKING_SUSPENDED: "该患者因多次爽约暂停挂号", NOT_PAYABLE: "该挂号或账单无需付款、已经付过或正在付款",
  AMOUNT_MISMATCH: "金额与应收费用不符", CONFLICT: "该挂号已有一笔收款在进行或已完成",
  REALNAME_MISMATCH: "姓名与身份证号不符", INVALID_ID_NUMBER: "身份证号码有误",
  BLACKLISTED: "此人不能办卡，请联系卡管中心", NOT_FOUND: "没有找到，请核对后再试",
  INVALID_STATE: "当前状态不能办理此业务", VALIDATION_ERROR: "输入有误，请核对",
  UNAUTHENTICATED: "登录已失效，请重新登录", BAD_SIGNATURE: "终端编号或密钥不对",
  BAD_CREDENTIALS: "用户名、密码或动态验证码不对", ACCOUNT_LOCKED: "错误次数过多，账号已暂时锁定",
  FORBIDDEN: "此账号不能办理柜台业务", CANCEL_CLOSED: "已过退号时间",
  UPSTREAM_ERROR: "支付平台没有受理退款，请稍后再试", REFUND_EXCEEDS_PAID: "已全部退款",
  UNKNOWN_CLIENT: "终端编号或密钥不对", CLIENT_REVOKED: "此终端已停用",
  METHOD_UNAVAILABLE: "暂不支持这种支付方式", QUEUE_EMPTY: "没有候诊的患者",
  NO_ID_CARD: "请把身份证放在读卡器上", NO_ID_READER: "连接不到身份证读卡器",
  UPSTREAM_UNAVAILABLE: "支付平台暂时无法连接，请稍后再试",
};
const STATUS = { booked: "已挂号", pending_payment: "待缴费", checked_in: "已签到", called: "就诊中",
  cancelled: "已退号" };
const QUEUE_STATUS = { called: "就诊中", checked_in: "候诊", booked: "已挂号（未签到）",
  pending_payment: "待缴费" };
const KINDS = { temporary: "临时卡", newborn: "新生儿卡" };
const PERIODS = { morning: "上午", afternoon: "下午", evening: "晚间", night: "夜间" };
const CHARGE = {
  paid: "收款成功", paying: "等待患者付款…", failed: "收款失败", reversed: "已撤销，未扣款",
  refunded: "已退款",
};
const yuan = (fen) => "¥" + (fen / 100).toFixed(2);

function say(kind, title, detail = "") {
  $("answer").className = kind;
  $("answer-title").textContent = title;
  $("answer-detail").textContent = detail;
}

function refused(error) {
  const code = (error && error.code) || "ERROR";
  say("bad", MESSAGES[code] || "办理失败", `${code}${error && error.message ? "：" + error.message : ""}`);
}

class Refused extends Error {
  constructor(error) { super(error.code); this.error = error; }
}

// Signing in: as a clerk (password + TOTP, at a window) or with the window's own secret.
async function signIn(credentials) {
  const resp = await fetch("/counter/sign-in", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(credentials),
  });
  const body = await resp.json();
  if (!resp.ok) throw new Refused(body.error || { code: "ERROR" });
  const clerk = body.clerk || null;
  Object.assign(state, { terminal: body.terminal_id, clerk, institution: body.institution_code,
    secret: clerk ? null : credentials.terminal_secret });
  localStorage.setItem("counter.terminal", body.terminal_id);
  holdToken(body);
  $("who").textContent = `${clerk ? "收费员 " + clerk + " · " : ""}${body.terminal_name}（${body.institution_code}）`;
}

// Keep the token fresh: renew it a minute before it ends (a clerk's is renewed until the shift
// ends; a window signed in with its secret simply signs in again).
function holdToken(answer) {
  state.token = answer.access_token;
  state.expiresAt = Date.now() + answer.expires_in * 1000;
  document.body.dataset.tokenExpiresIn = String(answer.expires_in);
  clearTimeout(state.refresh);
  state.refresh = setTimeout(() => renew().catch(() => {}), Math.max(5, answer.expires_in - 60) * 1000);
}

async function renew() {
  if (state.secret) {
    await signIn({ terminal_id: state.terminal, terminal_secret: state.secret });
    return;
  }
  const resp = await fetch("/counter/renew", { method: "POST",
    headers: { Authorization: `Bearer ${state.token}` } });
  const body = await resp.json();
  if (!resp.ok) {
    say("bad", "登录已失效，请重新登录", (body.error && body.error.message) || "");
    throw new Refused(body.error || { code: "UNAUTHENTICATED" });
  }
  holdToken(body);
  document.body.dataset.renewed = String(Number(document.body.dataset.renewed || 0) + 1);
}

async function api(method, path, body, raw = false) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = state.token;
    const resp = await fetch(path, {
      method, headers: { Authorization: `Bearer ${token}`,
        ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (resp.status === 401 && attempt === 0) {
      if (token === state.token) await renew();  // a token that lapsed: renew once
      continue;
    }
    if (raw && resp.ok) return resp;
    const answer = resp.headers.get("content-type")?.includes("json") ? await resp.json() : {};
    if (!resp.ok) throw new Refused(answer.error || { code: String(resp.status) });
    return answer;
  }
  throw new Refused({ code: "UNAUTHENTICATED" });
}

async function local(path, body) {
  const base = $("reader-url").value.replace(/\/$/, "");
  localStorage.setItem("counter.reader", base);
  let resp;
  try {
    resp = await fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}) });
  } catch (e) {
    throw new Refused({ code: "NO_ID_READER", message: base });
  }
  const answer = await resp.json();
  if (!resp.ok) throw new Refused(answer.error || { code: "NO_ID_READER" });
  return answer;
}

async function run(work) {
  try { await work(); } catch (e) {
    if (e instanceof Refused) refused(e.error); else say("bad", "出错了", String(e));
  }
}

function show(tab) {
  state.tab = tab;
  if (tab === "queue") run(refreshQueue);
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${tab}`;
}

// --- the flows -----------------------------------------------------------------------------

const kindMark = (kind) => (Object.hasOwn(KINDS, kind || "") ? KINDS[kind] : "");  // ordinary: no mark

async function verify(qr) {
  const who = await api("POST", "/api/v1/pos/verify", { qr, scene: "registration" });
  state.card = who.card_id;
  $("loss-card").value = who.card_id;
  const gender = { 1: "男", 2: "女" }[who.gender] || "性别未知";
  const age = who.age === null || who.age === undefined ? "" : `，${who.age} 岁`;
  say("ok", `${who.new_patient ? "新患者" : "老患者"}：${who.name || who.name_masked}（${gender}${age}）`,
    `证件号 ${who.id_number_masked}\n就诊号 ${who.patient_id}${who.new_patient ? "（本次新建档）" : ""}`);
  showKind(who.kind);
}

// A card of another kind than the ordinary one (临时卡, 新生儿卡) is marked on the answer.
function showKind(kind) {
  const mark = kindMark(kind);
  if (!mark) return;
  const tag = document.createElement("span");
  tag.className = "kind";
  tag.id = "answer-kind";
  tag.textContent = mark;
  $("answer-title").append(tag);
}

async function readIdCard() {
  const doc = await local("/id-card/read");
  $("issue-name").value = doc.name;
  $("issue-id").value = doc.id_number;
  state.source = "id_reader";
  $("issue-source").textContent = "身份证读卡器";
  say("info", `已读取身份证：${doc.name}`, "核对无误后请按“发卡”");
}

async function issue() {
  const body = { name: $("issue-name").value.trim(), id_type: "01",
    id_number: $("issue-id").value.trim().toUpperCase(), document_source: state.source };
  if ($("issue-phone").value.trim()) body.phone = $("issue-phone").value.trim();
  const card = await api("POST", "/api/v1/pos/cards", body);
  state.card = card.card_id;
  $("loss-card").value = card.card_id;
  $("print-go").disabled = false;
  say("ok", card.issued ? `新卡已发：${card.name_masked}` : `老患者，已有健康卡：${card.name_masked}`,
    `证件号 ${card.id_number_masked}\n就诊号 ${card.patient_id}`);
  showKind(card.kind);
}

async function printCode() {
  const resp = await api("GET", `/api/v1/pos/cards/${state.card}/static-code?format=pdf`, null, true);
  const url = URL.createObjectURL(await resp.blob());
  const link = $("print-link");
  link.href = url;
  link.download = "health-card-code.pdf";
  link.hidden = false;
  window.open(url, "_blank");
  say("ok", "静态码已生成，请打印", "打印件上有二维码、持卡人姓名（部分隐藏）和发卡机构");
}

async function loadDepartments() {
  const found = await fetch(`/api/v1/hospitals/${state.institution}/departments`);
  const list = found.ok ? (await found.json()).departments : [];
  $("register-dept").replaceChildren(...list.map((d) => new Option(d.name, d.department_id)));
  $("queue-dept").replaceChildren(...list.map((d) => new Option(d.name, d.department_id)));
  const mine = localStorage.getItem("counter.department");  // the clerk's department
  if (mine && list.some((d) => String(d.department_id) === mine)) {
    $("register-dept").value = mine;
    $("queue-dept").value = mine;
  }
  await loadSchedules();
  await loadQueueSchedules();
}

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

async function todaysSchedules(dept) {
  if (!dept) return [];
  const found = await fetch(`/api/v1/schedules?department_id=${dept}&date=${today()}`);
  return found.ok ? (await found.json()).schedules : [];
}

const scheduleName = (s) => `${s.doctor.name} ${s.doctor.title} ${PERIODS[s.period] || s.period} ${yuan(s.fee)}`;

async function loadSchedules() {
  const list = await todaysSchedules($("register-dept").value);
  $("register-schedule").replaceChildren(...list.map((s) => new Option(scheduleName(s), s.schedule_id)));
}

async function loadQueueSchedules() {
  const list = await todaysSchedules($("queue-dept").value);
  $("queue-schedule").replaceChildren(...list.map((s) => new Option(scheduleName(s), s.schedule_id)));
}

async function register(qr) {
  const scheduleId = Number($("register-schedule").value);
  if (!scheduleId) { say("bad", "请先选择科室和排班"); return; }
  const made = await api("POST", "/api/v1/pos/registrations", { qr, schedule_id: scheduleId });
  state.appointment = made;
  $("charge-appointment").value = made.appointment_id;
  $("charge-amount").value = made.fee;
  $("charge-subject").value = "挂号费";
  const pay = made.status === "pending_payment";
  localStorage.setItem("counter.department", String(made.department.department_id));
  say("ok", `挂号成功：${made.department.name} ${made.doctor.name}`,
    `${STATUS[made.status] || made.status}${pay ? "，应收 " + yuan(made.fee) + "，请扫患者付款码" : ""}\n挂号单号 ${made.appointment_id}`);
  if (pay) show("charge");
}

// What a charge pays: a registration (AP…) or an HIS bill (B…), told apart by the number.
const isBillId = (text) => /^B[0-9a-f]+$/i.test(text);

async function lookUpBill() {
  const billId = $("charge-appointment").value.trim();
  if (!isBillId(billId)) return;
  const bill = await api("GET", `/api/v1/pos/bills/${billId}`);
  $("charge-amount").value = bill.amount;
  $("charge-subject").value = `门诊缴费 ${bill.visit_no}`;
  if (bill.status !== "unpaid") { say("bad", MESSAGES.NOT_PAYABLE, `账单号 ${bill.bill_id}`); return; }
  say("info", `应收 ${yuan(bill.amount)}，请扫患者付款码`, `账单号 ${bill.bill_id}（${bill.items.length} 项）`);
}

async function charge(code) {
  const paid = $("charge-appointment").value.trim();
  const bill = isBillId(paid);
  const body = { auth_code: code, amount: Number($("charge-amount").value),
    subject: $("charge-subject").value.trim() || (bill ? "门诊缴费" : "挂号费"),
    [bill ? "bill_id" : "appointment_id"]: paid };
  say("info", "正在收款，请患者在手机上确认…", `${yuan(body.amount)}`);
  const done = await api("POST", "/api/v1/pos/charges", body);
  state.charge = done;
  $("charge-reverse").disabled = !["paid", "paying"].includes(done.status);
  const method = done.method === "wechat" ? "微信支付" : "支付宝";
  say(done.status === "paid" ? "ok" : "bad", `${CHARGE[done.status]}：${yuan(done.amount)}`,
    `${method}\n收款单号 ${done.charge_id}${done.reason ? "\n" + done.reason : ""}`);
}

async function reverse() {
  const done = await api("POST", `/api/v1/pos/charges/${state.charge.charge_id}/reverse`);
  state.charge = done;
  $("charge-reverse").disabled = true;
  say("ok", `${CHARGE[done.status]}：${yuan(done.amount)}`, `收款单号 ${done.charge_id}`);
}

async function reportLoss() {
  const card = $("loss-card").value.trim();
  const done = await api("POST", `/api/v1/pos/cards/${card}/loss`,
    { id_type: "01", id_number: $("loss-id").value.trim().toUpperCase() });
  say("ok", "已挂失", `卡号 ${done.card_id.slice(0, 8)}…，找回后可在手机上解除挂失`);
}

async function cancelRegistration(appointmentId) {
  if (!appointmentId) { say("bad", "请先填写挂号单号"); return; }
  const done = await api("POST", `/api/v1/pos/registrations/${appointmentId}/cancel`);
  say("ok", `已退号：${done.department.name} ${done.doctor.name}`,
    `挂号单号 ${done.appointment_id}${done.fee ? "\n已付的挂号费原路退回" : ""}`);
  if (state.tab === "queue") await refreshQueue();
}

async function callNext() {
  const scheduleId = Number($("queue-schedule").value);
  if (!scheduleId) { say("bad", "请先选择医生排班"); return; }
  const called = await api("POST", "/api/v1/pos/queue/next", { schedule_id: scheduleId });
  say("ok", `请 ${called.queue ? called.queue.number : ""} 号就诊`, `${called.doctor.name} ${called.room}`);
  await refreshQueue();
}

// The waiting list of the clerk's department: read now, and again every few seconds while shown.
async function refreshQueue() {
  clearTimeout(state.queueTimer);
  const dept = $("queue-dept").value;
  if (!dept || !state.token) return;
  try {
    const list = await api("GET", `/api/v1/pos/queue?department_id=${dept}`);
    drawQueue(list);
  } finally {
    if (state.tab === "queue") state.queueTimer = setTimeout(() => run(refreshQueue), QUEUE_EVERY_MS);
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function drawQueue(list) {
  const rows = list.patients.map((p) => {
    const tr = document.createElement("tr");
    tr.className = p.status;
    tr.dataset.appointment = p.appointment_id;
    const time = p.slot_start.slice(11, 16);
    const action = document.createElement("td");
    if (p.status !== "called") {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "退号";
      b.addEventListener("click", () => run(() => cancelRegistration(p.appointment_id)));
      action.append(b);
    }
    const status = QUEUE_STATUS[p.status] + (p.status === "checked_in" ? `（前面 ${p.ahead} 人）` : "");
    tr.append(cell(status), cell(p.queue_number ?? "—"), cell(p.name_masked), cell(p.patient_id || "—"),
      cell(`${p.doctor_name} ${p.room}`), cell(time), action);
    return tr;
  });
  $("queue-rows").replaceChildren(...rows);
  const called = list.patients.filter((p) => p.status === "called").length;
  $("queue-summary").textContent =
    `${list.department_name} · ${list.date}：候诊 ${list.waiting} 人，就诊中 ${called} 人，共 ${list.patients.length} 人未就诊完`;
  $("queue-summary").dataset.updated = String(Date.now());
}

// --- the scanner: a keyboard wedge types a line and Enter, wherever the focus is ----------

const isPaymentCode = (text) => /^(1[0-5]\d{16}|(2[5-9]|30)\d{14,22})$/.test(text);

function scanned(text) {
  const line = text.trim();
  if (!line) return;
  if (isPaymentCode(line)) { show("charge"); run(() => charge(line)); return; }
  if (state.tab === "register") { run(() => register(line)); return; }
  show("verify");
  run(() => verify(line));
}

let buffer = "";
document.addEventListener("keydown", (event) => {
  const field = event.target.closest && event.target.closest("input, select, textarea");
  if (field) {
    if (event.key === "Enter" && field.classList.contains("scan")) {
      const text = field.value;
      field.value = "";
      if (field.id === "charge-code") run(() => charge(text.trim()));
      else if (field.id === "register-qr") run(() => register(text.trim()));
      else run(() => verify(text.trim()));
    }
    return;
  }
  if (event.key === "Enter") { const text = buffer; buffer = ""; scanned(text); return; }
  if (event.key.length === 1) buffer += event.key;
});

// --- wiring ----------------------------------------------------------------------------------

function signInMode(mode) {
  state.mode = mode;
  for (const b of document.querySelectorAll(".mode")) b.classList.toggle("active", b.dataset.mode === mode);
  $("signin-clerk").hidden = mode !== "clerk";
  $("signin-window").hidden = mode !== "terminal";
  $("signin-terminal-hint").hidden = mode !== "clerk";
}

function credentials() {
  const terminal = $("signin-terminal").value.trim();
  if (state.mode === "terminal") return { terminal_id: terminal, terminal_secret: $("signin-secret").value };
  const body = { username: $("signin-user").value.trim(), password: $("signin-password").value,
    totp: $("signin-totp").value.trim() };
  return terminal ? { ...body, terminal_id: terminal } : body;
}

function wire() {
  $("reader-url").value = localStorage.getItem("counter.reader") || $("reader-url").value;
  $("signin-terminal").value = localStorage.getItem("counter.terminal") || "";
  for (const b of document.querySelectorAll(".mode")) b.addEventListener("click", () => signInMode(b.dataset.mode));
  $("signin-go").addEventListener("click", () => {
    $("signin-error").textContent = "";
    signIn(credentials()).then(() => {
      $("signin").hidden = true; $("desk").hidden = false; $("signout").hidden = false;
      for (const id of ["signin-secret", "signin-password", "signin-totp"]) $(id).value = "";
      return loadDepartments();
    }).catch((e) => {
      $("signin-error").textContent = e instanceof Refused ? (MESSAGES[e.error.code] || e.error.code) : String(e);
    });
  });
  $("signout").addEventListener("click", () => {
    const ended = state.token ? fetch("/counter/sign-out", { method: "POST",
      headers: { Authorization: `Bearer ${state.token}` } }) : Promise.resolve();
    ended.catch(() => {}).finally(() => location.reload());  // the token ends with the shift
  });
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => show(b.dataset.tab));
  $("verify-go").addEventListener("click", () => run(() => verify($("verify-qr").value.trim())));
  $("issue-read").addEventListener("click", () => run(readIdCard));
  for (const id of ["issue-name", "issue-id"]) {
    $(id).addEventListener("input", () => { state.source = "manual"; $("issue-source").textContent = "手工录入"; });
  }
  $("issue-go").addEventListener("click", () => run(issue));
  $("print-go").addEventListener("click", () => run(printCode));
  $("register-dept").addEventListener("change", () => run(loadSchedules));
  $("register-go").addEventListener("click", () => run(() => register($("register-qr").value.trim())));
  $("charge-go").addEventListener("click", () => run(() => charge($("charge-code").value.trim())));
  $("charge-reverse").addEventListener("click", () => run(reverse));
  $("charge-appointment").addEventListener("change", () => run(lookUpBill));
  $("loss-go").addEventListener("click", () => run(reportLoss));
  $("queue-next").addEventListener("click", () => run(callNext));
  $("queue-dept").addEventListener("change", () => {
    localStorage.setItem("counter.department", $("queue-dept").value);
    run(async () => { await loadQueueSchedules(); await refreshQueue(); });
  });
  $("charge-cancel").addEventListener("click", () => run(() => cancelRegistration($("charge-appointment").value.trim())));
  document.body.dataset.ready = "1";
}

wire();
