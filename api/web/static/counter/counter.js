// The clerk's page: a counter terminal's work through the public terminal API (/api/v1/pos/…)
// and, for the ID reader, counter-pos's local API on the clerk's PC.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  token: null, expiresAt: 0, terminal: null, secret: null, institution: null, refresh: null,
  card: null, appointment: null, charge: null, source: "manual", tab: "verify",
};

// What the clerk reads when something is refused: plain Chinese, what to do next.
const MESSAGES = {
  QR_MALFORMED: "这不是电子健康卡二维码", QR_FORGED: "二维码无效（可能是伪造的）",
  QR_EXPIRED: "二维码已过期，请患者刷新后再扫", QR_REPLAYED: "二维码已使用过，请患者刷新后再扫",
  CARD_LOST: "此卡已挂失，不能使用", CARD_FROZEN: "此卡已冻结，请联系卡管中心",
  CARD_CANCELLED: "此卡已注销", SLOT_FULL: "今日号源已满", DUPLICATE_BOOKING: "该患者已挂过这个号",
  BOOKING_CLOSED: "只能挂当天的号", SCHEDULE_STOPPED: "该排班已停诊",
  BOOKING_SUSPENDED: "该患者因多次爽约暂停挂号", NOT_PAYABLE: "该挂号无需付款或已经付过",
  AMOUNT_MISMATCH: "金额与应收费用不符", CONFLICT: "该挂号已有一笔收款在进行或已完成",
  REALNAME_MISMATCH: "姓名与身份证号不符", INVALID_ID_NUMBER: "身份证号码有误",
  BLACKLISTED: "此人不能办卡，请联系卡管中心", NOT_FOUND: "没有找到，请核对后再试",
  INVALID_STATE: "当前状态不能办理此业务", VALIDATION_ERROR: "输入有误，请核对",
  UNAUTHENTICATED: "登录已失效，请重新登录", BAD_SIGNATURE: "终端编号或密钥不对",
  UNKNOWN_CLIENT: "终端编号或密钥不对", CLIENT_REVOKED: "此终端已停用",
  METHOD_UNAVAILABLE: "暂不支持这种支付方式", QUEUE_EMPTY: "没有候诊的患者",
  NO_ID_CARD: "请把身份证放在读卡器上", NO_ID_READER: "连接不到身份证读卡器",
  UPSTREAM_UNAVAILABLE: "支付平台暂时无法连接，请稍后再试",
};
const STATUS = { booked: "已挂号", pending_payment: "待缴费", checked_in: "已签到", called: "就诊中" };
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

async function signIn(terminal, secret) {
  const resp = await fetch("/counter/sign-in", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ terminal_id: terminal, terminal_secret: secret }),
  });
  const body = await resp.json();
  if (!resp.ok) throw new Refused(body.error || { code: "ERROR" });
  Object.assign(state, { token: body.access_token, terminal, secret,
    institution: body.institution_code, expiresAt: Date.now() + body.expires_in * 1000 });
  clearTimeout(state.refresh);  // keep the token fresh: renew a minute before it ends
  state.refresh = setTimeout(() => signIn(terminal, secret).catch(() => {}),
    Math.max(5, body.expires_in - 60) * 1000);
  $("who").textContent = `${body.terminal_name}（${body.institution_code}）`;
}

async function api(method, path, body, raw = false) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const resp = await fetch(path, {
      method, headers: { Authorization: `Bearer ${state.token}`,
        ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (resp.status === 401 && attempt === 0 && state.secret) {
      await signIn(state.terminal, state.secret);  // a token that lapsed: renew once
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
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${tab}`;
}

// --- the flows -----------------------------------------------------------------------------

async function verify(qr) {
  const who = await api("POST", "/api/v1/pos/verify", { qr, scene: "registration" });
  state.card = who.card_id;
  $("loss-card").value = who.card_id;
  say("ok", `${who.name}（${who.gender === "2" ? "女" : "男"}）`,
    `证件号 ${who.id_number_masked}\n出生日期 ${who.birth_date || "—"}\n就诊号 ${who.patient_id}`);
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
  await loadSchedules();
}

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

async function loadSchedules() {
  const dept = $("register-dept").value;
  if (!dept) return;
  const found = await fetch(`/api/v1/schedules?department_id=${dept}&date=${today()}`);
  const list = found.ok ? (await found.json()).schedules : [];
  $("register-schedule").replaceChildren(...list.map((s) =>
    new Option(`${s.doctor.name} ${s.doctor.title} ${s.period} ${yuan(s.fee)}`, s.schedule_id)));
}

async function register(qr) {
  const scheduleId = Number($("register-schedule").value);
  if (!scheduleId) { say("bad", "请先选择科室和排班"); return; }
  const made = await api("POST", "/api/v1/pos/registrations", { qr, schedule_id: scheduleId });
  state.appointment = made;
  $("charge-appointment").value = made.appointment_id;
  $("charge-amount").value = made.fee;
  const pay = made.status === "pending_payment";
  say("ok", `挂号成功：${made.department.name} ${made.doctor.name}`,
    `${STATUS[made.status] || made.status}${pay ? "，应收 " + yuan(made.fee) + "，请扫患者付款码" : ""}\n挂号单号 ${made.appointment_id}`);
  if (pay) show("charge");
}

async function charge(code) {
  const body = { auth_code: code, amount: Number($("charge-amount").value),
    subject: $("charge-subject").value.trim() || "挂号费",
    appointment_id: $("charge-appointment").value.trim() };
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

async function callNext() {
  const scheduleId = Number($("register-schedule").value);
  const called = await api("POST", "/api/v1/pos/queue/next", { schedule_id: scheduleId });
  say("ok", `请 ${called.queue ? called.queue.number : ""} 号就诊`, `${called.doctor.name} ${called.room}`);
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

function wire() {
  $("reader-url").value = localStorage.getItem("counter.reader") || $("reader-url").value;
  $("signin-go").addEventListener("click", () => {
    $("signin-error").textContent = "";
    signIn($("signin-terminal").value.trim(), $("signin-secret").value).then(() => {
      $("signin").hidden = true; $("desk").hidden = false; $("signout").hidden = false;
      $("signin-secret").value = "";
      return loadDepartments();
    }).catch((e) => {
      $("signin-error").textContent = e instanceof Refused ? (MESSAGES[e.error.code] || e.error.code) : String(e);
    });
  });
  $("signout").addEventListener("click", () => location.reload());
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
  $("loss-go").addEventListener("click", () => run(reportLoss));
  $("queue-next").addEventListener("click", () => run(callNext));
  document.body.dataset.ready = "1";
}

wire();
