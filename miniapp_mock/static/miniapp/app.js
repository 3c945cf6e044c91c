// The mini-program simulator: talks only to the public API and to the stand-ins under /mock,
// the way a partner's WeChat or Alipay mini-program would.
"use strict";

const S = { cfg: null, platform: "wechat", token: null, userId: null, cards: [], card: null,
  qrTimer: null, hold: null, holdTimer: null, smsPhone: null, payment: null, face: null,
  ids: {}, phones: {}, // card_id → ID number and phone of the cards collected here
  patientId: null, bill: null, report: null };

const ERRORS = {
  OTP_INVALID: "验证码错误或已过期", REALNAME_MISMATCH: "姓名与证件号码不一致",
  INVALID_ID_NUMBER: "证件号码不正确", CARD_LIMIT: "一个账号最多绑定 5 张卡",
  TOO_MANY_REQUESTS: "操作太频繁，请稍后再试", BLACKLISTED: "该证件不能领卡，请联系发卡机构",
  SLOT_FULL: "该时段已约满", DUPLICATE_BOOKING: "同一就诊人同一排班只能预约一次",
  BOOKING_CLOSED: "该时段已停止预约", BOOKING_NOT_OPEN: "尚未开放预约",
  BOOKING_SUSPENDED: "因多次爽约，暂停预约", SCHEDULE_STOPPED: "医生已停诊",
  CARD_LOST: "该卡已挂失", CARD_FROZEN: "该卡已冻结", CARD_CANCELLED: "该卡已注销",
  QR_REPLAYED: "二维码已使用，请刷新", QR_EXPIRED: "二维码已过期，请刷新",
  QR_FORGED: "无效的二维码", QR_MALFORMED: "无法识别的二维码",
  CANCEL_CLOSED: "已过取消时限", NOT_PAID: "尚未支付挂号费", CHECKIN_CLOSED: "当前不在签到时间",
  QUEUE_EMPTY: "没有候诊的患者", CARD_MISMATCH: "二维码与预约的就诊人不一致",
  VALIDATION_ERROR: "请检查填写的内容", CHANNEL_AUTH_FAILED: "登录失败，请重试",
  NOT_PAYABLE: "该预约无需支付", METHOD_UNAVAILABLE: "该支付方式不可用",
  UNAUTHENTICATED: "登录已过期，请重新登录", NOT_FOUND: "没有找到",
  STEP_UP_REQUIRED: "请先验证身份", REFUND_NOT_PARTIAL: "医保结算的账单只能整单退费",
  PROOF_REQUIRED: "请验证身份：用登记在本人名下的手机号接收验证码，或刷脸核验",
  FACE_CHECK_FAILED: "刷脸核验未通过，请重新刷脸",
  GUARDIAN_CARD_REQUIRED: "请先领取本人的健康卡，再为新生儿领卡",
  CARD_EXISTS: "该证件号已有健康卡（一人一卡）",
};
const KINDS = { newborn: "新生儿卡", temporary: "临时卡" };  // standard cards carry no label
const kindLabel = (kind) => (KINDS[kind] ? `<span class="kind kind-${kind}">${KINDS[kind]}</span>` : "");
const CARD_STATUS = { active: "正常", lost: "已挂失", frozen: "已冻结", cancelled: "已注销" };
const STATUS = { pending_payment: "待支付", booked: "已预约", checked_in: "已签到",
  called: "已叫号", completed: "已就诊", cancelled: "已取消", expired: "已过期", missed: "爽约" };
// Every message event's title and one line of text from its payload (as the templates in
// api/messages/templates.py word them); an event this page does not know yet still reads as a
// notice, never as its raw name.
const METHODS = { wechat: "微信支付", alipay: "支付宝", insurance: "医保", insu: "医保" };
const RELATIONS = { self: "本人", child: "子女", parent: "父母", spouse: "配偶", other: "其他" };
const when = (p) => (p.start ? p.start.slice(5, 16).replace("T", " ") : "");
const visit = (p) => [p.department, p.doctor, when(p)].filter(Boolean).join(" ");
const money = (p) => (Number.isInteger(p.amount) ? "¥" + (p.amount / 100).toFixed(2) : "");
const via = (p) => (METHODS[p.method] ? `（${METHODS[p.method]}）` : "");
const EVENTS = {
  card_collected: ["领卡成功", (p) => `已领取${RELATIONS[p.relation] ? RELATIONS[p.relation] + "的" : ""}电子健康卡，可出示二维码就医`],
  card_bound: ["健康卡已绑定", (p) => `${RELATIONS[p.relation] ? RELATIONS[p.relation] + "的" : ""}电子健康卡已添加到本账号`],
  booking_held: ["预约待支付", (p) => `${visit(p)}，请在 ${p.pay_before ? p.pay_before.slice(11, 16) : "时限"} 前支付`],
  booking_confirmed: ["预约成功", (p) => [p.hospital, visit(p), p.room].filter(Boolean).join(" ")],
  payment_received: ["支付成功", (p) => `已收到挂号费 ${money(p)}${via(p)}`],
  bill_paid: ["缴费成功", (p) => `已缴费 ${money(p)}${via(p)}${p.detail ? "：" + p.detail : ""}`],
  refund_made: ["退款成功", (p) => `${money(p)} 已原路退回${via(p)}`],
  cancelled: ["预约已取消", (p) => `${visit(p)} 的预约已取消`],
  hold_expired: ["预约已释放", (p) => `未在时限内支付，${when(p)} 的预约已释放`],
  visit_reminder: ["就诊提醒", (p) => `您预约了 ${visit(p)}，请按时就诊`],
  checked_in: ["签到成功", (p) => `排队号 ${p.queue_number}，请在 ${p.room || "诊室"} 附近候诊`],
  called: ["请到诊室就诊", (p) => `请 ${p.queue_number} 号到 ${p.room || "诊室"} 就诊`],
  missed: ["爽约记录", (p) => `您未按时就诊（${when(p)}），多次爽约将暂停预约`],
  schedule_stopped: ["医生停诊通知", (p) => `${p.doctor || ""} ${when(p)} 停诊${p.reason ? "：" + p.reason : ""}，已取消预约，费用原路退回`],
  report_ready: ["报告已出", (p) => `${p.hospital || ""} 的检查报告已出${p.detail ? "：" + p.detail : ""}`],
  medicine_ready: ["取药通知", (p) => `请到 ${p.hospital || ""} ${p.detail || "药房"} 取药`],
};
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const NOTICE = ["医院通知", (p) => p.detail || p.text || "请在小程序中查看详情"];

const $ = (id) => document.getElementById(id);
const SUBSCRIBE = ["booking_confirmed", "payment_received", "checked_in", "called"];

async function call(method, path, body, token = S.token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const resp = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await resp.text();
  const data = text ? JSON.parse(text) : {};
  if (!resp.ok) {
    const err = (data && data.error) || { code: "HTTP_" + resp.status, message: text };
    throw Object.assign(new Error(err.message), { ...err, status: resp.status });
  }
  return data;
}

function clearToast() {
  clearTimeout(toast.timer);
  $("toast").hidden = true;
}

function toast(text, isError = false) {
  const t = $("toast");
  t.textContent = text;
  t.className = "toast" + (isError ? " error" : "");
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 3500);
}

function explain(err) {
  let text = ERRORS[err.code] || err.message || "出错了";
  if (err.code === "PROOF_REQUIRED" && err.phone_masked) {
    text = `该卡已由他人领取：请用卡上登记的手机 ${err.phone_masked} 接收验证码，或刷脸核验`;
  }
  return text + (err.code ? `（${err.code}）` : "");
}

async function guarded(fn) {
  try { await fn(); } catch (err) { toast(explain(err), true); }
}

function show(view) {
  clearToast(); // a notice belongs to the screen it was said on (say it after show())
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== "view-" + view));
  document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.go === view));
  if (view !== "card") clearTimeout(S.qrTimer);
  const loaders = { cards: loadCards, book: loadBooking, appointments: loadAppointments,
    messages: loadMessages, bills: loadBills, reports: loadReports };
  if (loaders[view]) guarded(loaders[view]);
}

const fen = (n) => "¥" + (n / 100).toFixed(2);
const hhmm = (iso) => iso.slice(11, 16);
const localDate = (offsetDays) => {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(d);
};

// ---- login -------------------------------------------------------------------------------
async function login() {
  S.platform = $("login-platform").value;
  const user = $("login-user").value.trim() || "demo-resident";
  let session;
  if (S.platform === "wechat") {
    const appId = S.cfg.wechat_app_id;
    const { code, openid } = await call("POST", `/mock/wechat/users/${encodeURIComponent(user)}/code`, { appid: appId }, null);
    session = await call("POST", `/api/v1/channels/${appId}/sessions`, { code }, null);
    // wx.requestSubscribeMessage: the user allows these notices once each (one grant, one send)
    const templateIds = SUBSCRIBE.map((name) => S.cfg.wechat_templates[name]);
    await call("POST", "/mock/wechat/subscriptions", { openid, template_ids: templateIds }, null);
    await call("POST", "/api/v1/messages/subscriptions", { templates: SUBSCRIBE }, session.token);
  } else {
    const appId = S.cfg.alipay_app_id;
    const { auth_code } = await call("POST", `/mock/alipay/users/${encodeURIComponent(user)}/auth_code`, null, null);
    session = await call("POST", `/api/v1/channels/${appId}/sessions`, { auth_code }, null);
  }
  S.token = session.token;
  S.userId = session.user_id;
  $("phone").classList.toggle("alipay", S.platform === "alipay");
  $("bar-title").textContent = S.platform === "wechat" ? "微信 · 电子健康卡" : "支付宝 · 电子健康卡";
  $("bar-user").textContent = user;
  $("tabs").hidden = false;
  show("cards");
}

// ---- cards -------------------------------------------------------------------------------
async function loadCards() {
  S.cards = (await call("GET", "/api/v1/cards")).cards;
  const list = $("card-list");
  list.innerHTML = "";
  if (!S.cards.length) list.innerHTML = "<li>还没有健康卡，先领取一张吧。</li>";
  for (const c of S.cards) {
    const li = document.createElement("li");
    li.className = "card-item";
    li.innerHTML = `<b>${esc(c.name_masked)}</b>${kindLabel(c.kind)} <span class="status st-${c.status}">${CARD_STATUS[c.status] || c.status}</span><br>
      <small>${c.id_number_masked || "暂无证件号"} · ${RELATIONS[c.relation]}</small>`;
    li.onclick = () => openCard(c);
    list.appendChild(li);
  }
}

async function sendOtp(input = "c-phone", said = "验证码已发送") {
  const phone = $(input).value.trim();
  await call("POST", "/api/v1/realname/otp", { phone });
  if (S.smsPhone !== phone) $("sms-list").innerHTML = "";
  S.smsPhone = phone;
  pollSms();
  toast(said);
}

function claimed() {
  return { name: $("c-name").value.trim(), id_type: $("c-idtype").value,
    id_number: $("c-idnum").value.trim() };
}

async function registerIfAsked() {
  // the simulator's own person, in the stand-in register with the phone in their name
  if (!$("c-register").checked) return;
  const { name, id_number } = claimed();
  const phone = $("c-phone").value.trim();
  await call("POST", "/mock/idcheck/people", phone ? { name, id_number, phone } : { name, id_number }, null);
}

// 刷脸: the API opens a face check; the stand-in's camera (two buttons) decides it.
async function startFace() {
  await registerIfAsked();
  const opened = await call("POST", "/api/v1/realname/face", claimed());
  S.face = { session: opened.face_session, passed: false };
  $("face-panel").hidden = false;
  $("face-state").textContent = "请正对屏幕，完成刷脸";
}

async function takeFace(outcome) {
  if (!S.face) return;
  const answer = await call("POST", `/mock/face/${S.face.session}/${outcome}`, null, null);
  S.face.passed = answer.status === "passed";
  $("face-state").textContent = S.face.passed ? "刷脸通过，可以领取" : "刷脸未通过";
  $("face-panel").dataset.state = answer.status;
  if (!S.face.passed) S.face = null;
}

async function collect() {
  const body = { ...claimed(), relation: $("c-relation").value };
  const phone = $("c-phone").value.trim();
  if (phone) body.phone = phone;
  if (S.face && S.face.passed) body.face_session = S.face.session;
  else if ($("c-otp").value.trim()) body.otp = $("c-otp").value.trim();
  await registerIfAsked();
  let card;
  try {
    card = await call("POST", "/api/v1/cards", body);
  } finally {
    if (body.face_session) { S.face = null; $("face-panel").hidden = true; }
  }
  S.ids[card.card_id] = body.id_number;
  S.phones[card.card_id] = body.phone;
  show("cards");
  toast("领卡成功");
}

// ---- a newborn's card, collected by a guardian holding their own ----------------------
function openNewborn() {
  const own = S.cards.find((c) => c.relation === "self");
  if (own && S.phones[own.card_id]) $("n-phone").value = S.phones[own.card_id];
  if (!$("n-birth").value) $("n-birth").value = localDate(0);
  show("newborn");
}

async function collectNewborn() {
  const body = {
    relation: "child",
    newborn: { name: $("n-name").value.trim(), gender: $("n-gender").value, birth_date: $("n-birth").value },
    phone: $("n-phone").value.trim(),
    otp: $("n-otp").value.trim(),
  };
  const card = await call("POST", "/api/v1/cards", body);
  S.births = { ...(S.births || {}), [card.card_id]: body.newborn };
  show("cards");
  toast("新生儿卡领取成功");
}

async function upgradeIdentity() {
  const idNumber = $("u-idnum").value.trim();
  const baby = (S.births || {})[S.card.card_id];
  if ($("u-register").checked && baby) {
    await call("POST", "/mock/idcheck/people", { name: baby.name, id_number: idNumber }, null);
  }
  const updated = await call("POST", `/api/v1/cards/${S.card.card_id}/identity`, { id_type: "01", id_number: idNumber });
  S.ids[updated.card_id] = idNumber;
  await openCard(updated);
  toast("已补录证件号，升级为正式健康卡");
}

async function pollSms() {
  clearTimeout(pollSms.timer);
  if (!S.smsPhone) return;
  try {
    const { messages } = await call("GET", `/mock/sms/inbox?phone=${encodeURIComponent(S.smsPhone)}`, null, null);
    $("sms-list").innerHTML = messages.map((m) => `<li>${S.smsPhone}：${m.text}</li>`).join("");
  } catch (err) { /* the panel just waits */ }
  pollSms.timer = setTimeout(pollSms, 1500);
}

// ---- the card's QR code ------------------------------------------------------------------
async function openCard(card) {
  S.card = card;
  show("card");
  $("qr-title").innerHTML = `${esc(card.name_masked)} 的健康卡${kindLabel(card.kind)}`;
  $("upgrade").hidden = card.kind !== "newborn";
  $("qr-mode").textContent = card.display_mode === "dynamic" ? "切换为静态码" : "切换为动态码";
  $("qr-loss").textContent = card.status === "lost" ? "解除挂失" : "挂失";
  await refreshQr();
}

async function refreshQr() {
  clearTimeout(S.qrTimer);
  const card = S.card;
  if (card.status !== "active") {
    $("qr-box").innerHTML = `<p>该卡${card.status === "lost" ? "已挂失" : "不可用"}，不能出示二维码</p>`;
    $("qr-countdown").textContent = "";
    $("qr-payload").textContent = "";
    return;
  }
  const qr = await call("GET", `/api/v1/cards/${card.card_id}/qrcode?with_svg=true`);
  $("qr-box").innerHTML = qr.svg;
  $("qr-payload").textContent = qr.payload;
  if (qr.mode === "dynamic") {
    let left = Math.max(1, qr.refresh_in);
    const tick = () => {
      $("qr-countdown").textContent = `动态码 · ${left} 秒后自动刷新`;
      if (left-- <= 0) return guarded(refreshQr);
      S.qrTimer = setTimeout(tick, 1000);
    };
    tick();
  } else {
    $("qr-countdown").textContent = "静态码 · 可打印";
  }
}

async function toggleMode() {
  const mode = S.card.display_mode === "dynamic" ? "static" : "dynamic";
  const updated = await call("PUT", `/api/v1/cards/${S.card.card_id}/display`, { mode });
  await openCard(updated);
}

async function toggleLoss() {
  const action = S.card.status === "lost" ? "restore" : "loss";
  const updated = await call("POST", `/api/v1/cards/${S.card.card_id}/${action}`);
  toast(action === "loss" ? "已挂失" : "已解除挂失");
  await openCard(updated);
}

async function handToCounter() {
  $("k-qr").value = $("qr-payload").textContent;
  toast("已出示给柜台");
  if (S.card.display_mode === "dynamic") await refreshQr();  // a shown code is spent
}

// ---- booking -----------------------------------------------------------------------------
async function loadBooking() {
  if (!S.cards.length) S.cards = (await call("GET", "/api/v1/cards")).cards;
  $("b-card").innerHTML = S.cards.map((c) => `<option value="${c.card_id}">${c.name_masked}</option>`).join("");
  const { departments } = await call("GET", `/api/v1/hospitals/${S.cfg.hospital_code}/departments`, null, null);
  $("b-dept").innerHTML = departments.map((d) => `<option value="${d.department_id}">${d.name}</option>`).join("");
  $("b-date").innerHTML = [0, 1, 2, 3, 4, 5, 6].map((i) => `<option>${localDate(i)}</option>`).join("");
  $("b-date").selectedIndex = 1;
  await loadSchedules();
}

async function loadSchedules() {
  const q = `department_id=${$("b-dept").value}&date=${$("b-date").value}`;
  const { schedules } = await call("GET", `/api/v1/schedules?${q}`, null, null);
  const box = $("b-schedules");
  box.innerHTML = schedules.length ? "" : "<p>当天没有排班</p>";
  const now = Date.now();
  for (const s of schedules) {
    const div = document.createElement("div");
    div.className = "sched";
    div.innerHTML = `<b>${s.doctor.name}</b> ${s.doctor.title} · ${{ morning: "上午", afternoon: "下午", evening: "晚上", night: "夜间" }[s.period]} · ${s.fee ? fen(s.fee) : "免费"}<br>`;
    for (const slot of s.slots) {
      const b = document.createElement("button");
      b.className = "slot";
      b.textContent = `${hhmm(slot.start)} 余${slot.remaining}`;
      b.disabled = slot.remaining === 0 || Date.parse(slot.start) <= now;
      b.onclick = () => guarded(() => book(slot.slot_id));
      div.appendChild(b);
    }
    box.appendChild(div);
  }
}

async function book(slotId) {
  const made = await call("POST", "/api/v1/appointments", { card_id: $("b-card").value, slot_id: slotId });
  if (made.status === "pending_payment") return openHold(made);
  show("appointments");
  toast("预约成功");
}

function describe(a) {
  return `${a.hospital_name} ${a.department.name}<br>${a.doctor.name} ${a.doctor.title}<br>${a.date} ${hhmm(a.slot.start)}-${hhmm(a.slot.end)} · ${a.room}`;
}

function openHold(appt) {
  S.hold = appt;
  show("hold");
  $("hold-info").innerHTML = describe(appt) + `<br>挂号费 <b>${fen(appt.fee)}</b>`;
  clearInterval(S.holdTimer);
  const tick = () => {
    const left = Math.max(0, Math.round((Date.parse(appt.pay_before) - Date.now()) / 1000));
    $("hold-countdown").textContent = `请在 ${Math.floor(left / 60)} 分 ${left % 60} 秒内完成支付`;
    if (!left) clearInterval(S.holdTimer);
  };
  tick();
  S.holdTimer = setInterval(tick, 1000);
}

async function startPay(extra = {}) {
  const started = await call("POST", "/api/v1/payments", { appointment_id: S.hold.appointment_id, method: S.platform, ...extra });
  openSheet(started, "挂号费 · " + S.hold.department.name);
}

function openSheet(started, subject) {
  S.payment = started;
  const split = started.insurance;
  if (started.status === "paid") return afterPaid(); // the insurance paid it all
  $("pay-title").textContent = S.platform === "wechat" ? "微信支付" : "支付宝";
  $("pay-amount").textContent = fen(started.amount);
  $("pay-subject").textContent = subject + (split
    ? `（医保统筹 ${fen(split.fund)} · 个人账户 ${fen(split.account)} · 自付 ${fen(split.self_pay)}）` : "");
  $("paysheet").hidden = false;
}

const afterPaid = () => (S.payment && S.payment.bill_id ? awaitBillPaid() : awaitBooked());

// 医保移动支付: the resident authorises in the insurance app (the stand-in hands the code over),
// the platform splits the fee, and only the self-pay part goes through WeChat Pay or Alipay.
async function startInsurancePay() {
  const idNumber = S.ids[S.hold.card_id];
  if (!idNumber) return toast("请先在本机领取该就诊人的健康卡，再使用医保支付");
  const { auth_code } = await call("POST", `/mock/insurance/users/${encodeURIComponent(idNumber)}/auth_code`, null, null);
  await startPay({ insurance_auth_code: auth_code });
}

async function confirmPay() {
  const p = S.payment;
  if (S.platform === "wechat") {
    const prepayId = p.params.package.replace("prepay_id=", "");
    await call("POST", "/mock/wechat/pay/confirm", { prepay_id: prepayId }, null);
  } else {
    await call("POST", "/mock/alipay/pay/confirm", { trade_no: p.params.trade_no }, null);
  }
  $("paysheet").hidden = true;
  await afterPaid();
}

async function awaitBooked() {
  for (let i = 0; i < 50; i++) {
    const a = await call("GET", `/api/v1/appointments/${S.hold.appointment_id}`);
    if (a.status === "booked") { clearInterval(S.holdTimer); show("appointments"); return toast("支付成功，预约已确认"); }
    await new Promise((r) => setTimeout(r, 200));
  }
  toast("支付结果确认中，请稍后查看");
}

async function cancelAppointment(id) {
  const a = await call("POST", `/api/v1/appointments/${id}/cancel`);
  clearInterval(S.holdTimer);
  show("appointments");
  toast(a.fee ? "已取消，挂号费将原路退回" : "已取消");
}

// ---- appointments and messages -----------------------------------------------------------
async function loadAppointments() {
  const { appointments } = await call("GET", "/api/v1/appointments");
  const list = $("appt-list");
  list.innerHTML = appointments.length ? "" : "<li>暂无预约</li>";
  for (const a of appointments) {
    const li = document.createElement("li");
    li.className = "appt-item";
    li.dataset.id = a.appointment_id;
    const queue = a.queue ? `<br>排队号 <b>${a.queue.number}</b>，前面还有 <b class="ahead">${a.queue.ahead}</b> 人` : "";
    li.innerHTML = `<span class="status st-${a.status}">${STATUS[a.status] || a.status}</span>${describe(a)}${queue}<br>`;
    const actions = [];
    if (a.status === "pending_payment") actions.push(["去支付", () => openHold(a)]);
    if (["pending_payment", "booked"].includes(a.status)) actions.push(["取消预约", () => guarded(() => cancelAppointment(a.appointment_id))]);
    // only a booking still to be checked in is worth handing to the counter
    if (["pending_payment", "booked", "checked_in"].includes(a.status)) {
      actions.push(["交给柜台", () => { $("k-appt").value = a.appointment_id; $("k-schedule").value = a.schedule_id; toast("预约号已填入柜台"); }]);
    }
    for (const [label, fn] of actions) {
      const b = document.createElement("button");
      b.textContent = label;
      b.onclick = fn;
      li.appendChild(b);
    }
    list.appendChild(li);
  }
}

async function loadMessages() {
  const { messages } = await call("GET", "/api/v1/messages");
  $("msg-list").innerHTML = messages.length ? messages.map((m) => {
    const p = m.payload || {};
    const [title, line] = EVENTS[m.event] || NOTICE;
    return `<li class="msg-item" data-event="${esc(m.event)}"><b class="msg-title">${esc(title)}</b><br><small class="msg-text">${esc(line(p))}</small></li>`;
  }).join("") : "<li>暂无消息</li>";
}

// ---- bills (诊间结算) ---------------------------------------------------------------------
const BILL_STATUS = { unpaid: "待缴费", paid: "已缴费", cancelled: "已作废", refunded: "已退费" };

async function loadBills() {
  const { bills } = await call("GET", "/api/v1/bills");
  $("bill-list").innerHTML = bills.length ? bills.map((b) => `<li class="bill-item" data-bill="${esc(b.bill_id)}">
    <b>就诊号 ${esc(b.visit_no)}</b><span class="status st-${esc(b.status)}">${BILL_STATUS[b.status] || esc(b.status)}</span><br>
    ${b.items.map((i) => `<small>${esc(i.name)} × ${i.quantity}　${fen(i.amount * i.quantity)}</small>`).join("<br>")}
    <p class="amount-line">合计 <b>${fen(b.amount)}</b>${b.refunded ? `（已退 ${fen(b.refunded)}）` : ""}</p>
    ${b.status === "unpaid" ? `<div class="row"><button class="bill-pay">${S.platform === "wechat" ? "微信支付" : "支付宝"}</button><button class="bill-insu">医保支付</button></div>` : ""}
  </li>`).join("") : "<li>暂无待缴费账单</li>";
  for (const li of document.querySelectorAll(".bill-item")) {
    const bill = bills.find((b) => b.bill_id === li.dataset.bill);
    const pay = li.querySelector(".bill-pay");
    if (pay) pay.onclick = () => guarded(() => payBill(bill));
    const insu = li.querySelector(".bill-insu");
    if (insu) insu.onclick = () => guarded(() => payBill(bill, true));
  }
}

async function payBill(bill, insured = false) {
  const extra = {};
  if (insured) {
    const idNumber = S.ids[bill.card_id];
    if (!idNumber) return toast("请先在本机领取该就诊人的健康卡，再使用医保支付");
    const { auth_code } = await call("POST", `/mock/insurance/users/${encodeURIComponent(idNumber)}/auth_code`, null, null);
    extra.insurance_auth_code = auth_code;
  }
  S.bill = bill;
  const started = await call("POST", "/api/v1/payments", { bill_id: bill.bill_id, method: S.platform, ...extra });
  openSheet(started, "门诊缴费 · 就诊号 " + bill.visit_no);
}

async function awaitBillPaid() {
  for (let i = 0; i < 50; i++) {
    const { bills } = await call("GET", "/api/v1/bills");
    const bill = bills.find((b) => b.bill_id === S.payment.bill_id);
    if (bill && bill.status === "paid") { show("bills"); return toast("缴费成功"); }
    await new Promise((r) => setTimeout(r, 200));
  }
  toast("支付结果确认中，请稍后查看");
}

const REPORT_KINDS = { lab: "检验", imaging: "影像", pathology: "病理", exam: "检查" };

// ---- reports (download after a fresh proof: an SMS code to the card's phone) --------------
async function loadReports() {
  const { reports } = await call("GET", "/api/v1/reports");
  $("report-list").innerHTML = reports.length ? reports.map((r) => `<li class="report-item" data-report="${esc(r.report_id)}">
    <b>${esc(r.title)}</b><span class="status">${esc(REPORT_KINDS[r.kind] || r.kind)}</span><br>
    <small>${esc(r.institution_code)} · ${esc(r.created_at.slice(0, 16).replace("T", " "))}</small>
    <button class="report-get">查看报告</button></li>`).join("") : "<li>暂无报告</li>";
  for (const li of document.querySelectorAll(".report-item")) {
    li.querySelector(".report-get").onclick = () => guarded(() => downloadReport(li.dataset.report));
  }
}

async function downloadReport(reportId) {
  S.report = reportId;
  const resp = await fetch(`/api/v1/reports/${reportId}/pdf`, { headers: { Authorization: "Bearer " + S.token } });
  if (resp.status === 403) {
    $("stepup").hidden = false;
    return toast("查看报告前请先验证身份");
  }
  if (!resp.ok) throw Object.assign(new Error("下载失败"), { code: "HTTP_" + resp.status });
  const pdf = await resp.blob();
  $("stepup").hidden = true;
  $("report-out").innerHTML = `已下载报告（PDF，${pdf.size} 字节）：<a href="${URL.createObjectURL(pdf)}" target="_blank">打开</a>`;
}

async function sendStepUp() {
  const sent = await call("POST", "/api/v1/realname/step-up", {});
  toast(`验证码已发送至 ${sent.phone_masked}`);
  // the code goes to the phone on record of your own card (else the first): show that inbox
  const card = S.cards.find((c) => c.relation === "self") || S.cards[0];
  if (card && S.phones[card.card_id]) { S.smsPhone = S.phones[card.card_id]; pollSms(); }
}

async function proveStepUp() {
  await call("POST", "/api/v1/realname/step-up", { otp: $("su-otp").value.trim() });
  await downloadReport(S.report);
}

// ---- the hospital's information system (a terminal, for the last patient verified) -----
async function his(path, body, says) {
  const out = $("h-out");
  try {
    if (!S.patientId) throw Object.assign(new Error("请先在柜台核验患者"), { code: "" });
    const answer = await call("POST", path, { patient_id: S.patientId, ...body }, S.cfg.terminal_token);
    out.textContent = says(answer);
    out.dataset.ok = "1";
  } catch (err) {
    out.textContent = explain(err);
    out.dataset.ok = "0";
  }
}

const DEMO_ITEMS = [
  { code: "250101001", name: "血常规", quantity: 1, amount: 2000 },
  { code: "XA01AAA", name: "阿莫西林胶囊", quantity: 3, amount: 1250 },
  { code: "120100001", name: "肌肉注射", quantity: 2, amount: 500 },
];
// A one-page PDF the demo's HIS posts as a report.
const DEMO_PDF = btoa("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

// ---- the hospital counter (a terminal) ---------------------------------------------------
function counterSays(path, a) {
  if (path.endsWith("/verify")) {
    const sex = a.gender === "1" ? "男" : a.gender === "2" ? "女" : "未知";
    const age = a.age == null ? "" : `，${a.age} 岁`;
    const kind = KINDS[a.kind] ? `【${KINDS[a.kind]}】` : "";
    let text = `核验通过${kind}：${a.name || a.name_masked}（${sex}${age}）\n证件 ${a.id_number_masked || "暂无"}\n本院患者号 ${a.patient_id}${a.new_patient ? "（新建档）" : ""}`;
    if (a.identity) text += `\n身份信息（已记录调阅）：${a.identity.id_number || "暂无证件号"}，出生 ${a.identity.birth_date || "不详"}，手机 ${a.identity.phone_masked || "无"}`;
    return text;
  }
  if (path.endsWith("/checkin")) return `签到成功：排队号 ${a.queue_number}，前面还有 ${a.ahead} 人`;
  return `叫号：请 ${a.queue.number} 号到 ${a.room} 就诊（${a.doctor.name}）\n预约号 ${a.appointment_id}`;
}

async function counter(path, body) {
  const out = $("k-out");
  try {
    const answer = await call("POST", path, body, S.cfg.terminal_token);
    if (answer.patient_id) S.patientId = answer.patient_id;
    out.textContent = counterSays(path, answer);
    out.dataset.ok = "1";
  } catch (err) {
    out.textContent = explain(err);
    out.dataset.ok = "0";
  }
}

// ---- wiring ------------------------------------------------------------------------------
async function main() {
  S.cfg = await call("GET", "config.json", null, null);
  $("login-go").onclick = () => guarded(login);
  $("to-collect").onclick = () => show("collect");
  $("to-newborn").onclick = () => openNewborn();
  $("n-send").onclick = () => guarded(() => sendOtp("n-phone", "验证码已发送到监护人手机"));
  $("n-submit").onclick = () => guarded(collectNewborn);
  $("u-go").onclick = () => guarded(upgradeIdentity);
  $("c-send").onclick = () => guarded(() => sendOtp());
  $("c-submit").onclick = () => guarded(collect);
  $("c-face").onclick = () => guarded(startFace);
  $("face-pass").onclick = () => guarded(() => takeFace("pass"));
  $("face-fail").onclick = () => guarded(() => takeFace("fail"));
  $("qr-mode").onclick = () => guarded(toggleMode);
  $("qr-loss").onclick = () => guarded(toggleLoss);
  $("qr-to-counter").onclick = () => guarded(handToCounter);
  $("b-dept").onchange = () => guarded(loadSchedules);
  $("b-date").onchange = () => guarded(loadSchedules);
  $("hold-pay").onclick = () => guarded(() => startPay());
  $("hold-insurance").onclick = () => guarded(startInsurancePay);
  $("hold-cancel").onclick = () => guarded(() => cancelAppointment(S.hold.appointment_id));
  $("pay-confirm").onclick = () => guarded(confirmPay);
  $("pay-close").onclick = () => ($("paysheet").hidden = true);
  $("k-verify").onclick = () => counter("/api/v1/pos/verify", { qr: $("k-qr").value.trim(), scene: "registration",
    with_identity: $("k-identity").checked });
  $("k-checkin").onclick = () => counter("/api/v1/pos/checkin", { qr: $("k-qr").value.trim(), appointment_id: $("k-appt").value.trim() });
  $("k-next").onclick = () => counter("/api/v1/pos/queue/next", { schedule_id: Number($("k-schedule").value) });
  $("su-send").onclick = () => guarded(sendStepUp);
  $("su-go").onclick = () => guarded(proveStepUp);
  $("h-bill").onclick = () => his("/api/v1/pos/bills", { visit_no: "MZ" + Date.now(), items: DEMO_ITEMS },
    (a) => `账单已开具：${a.bill_id}\n合计 ${fen(a.amount)}（${a.status === "unpaid" ? "待缴费" : a.status}）`);
  $("h-report").onclick = () => his("/api/v1/pos/reports", { title: "血常规检验报告", kind: "lab", pdf_base64: DEMO_PDF },
    (a) => `报告已发布：${a.report_id}`);
  document.querySelectorAll("[data-go]").forEach((b) => (b.onclick = () => show(b.dataset.go)));
  document.body.dataset.ready = "1"; // every button is wired: tests (and people) may start
}

main().catch((err) => toast(explain(err), true));
