// Sanfang duty console: log in, proposals and responses, the live board (SSE), manual notices,
// a person's history, acknowledging on someone's behalf.
// Talks only to this origin's JSON API; the session is an HttpOnly cookie, changes carry X-CSRF-Token.
"use strict";

const LEVELS = { watch: "防御关注", IV: "Ⅳ级", III: "Ⅲ级", II: "Ⅱ级", I: "Ⅰ级" };
const STREETS = { xinan: "新安", xixiang: "西乡", hangcheng: "航城", fuyong: "福永", fuhai: "福海",
  shajing: "沙井", xinqiao: "新桥", songgang: "松岗", yanluo: "燕罗", shiyan: "石岩" };
let csrf = "";
let me = null;
let stream = null;
let noticesTimer = null;
let units = null;
const openPending = new Set();

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const answer = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  if (answer.status === 401) { show("login"); throw new Error("请重新登录 / please log in again"); }
  const data = answer.status === 204 ? null : await answer.json();
  if (!answer.ok) throw new Error(data && data.message ? data.message : String(answer.status));
  return data;
}

function show(view) {
  for (const name of ["login", "home", "board", "notices", "person"]) $(name + "-view").hidden = name !== view;
  $("who").hidden = view === "login";
  if (view !== "board" && stream) { stream.close(); stream = null; }
  if (view !== "notices" && noticesTimer) { clearInterval(noticesTimer); noticesTimer = null; }
}

function canAct() {
  return Boolean(me && (me.role === "duty_officer" || me.role === "commander"));
}

function scopeText(scope) {
  return scope.kind === "district" ? "全区 District" : scope.streets.map((s) => STREETS[s] || s).join("、") + "街道";
}

function time(value) {
  return value ? new Date(value).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : "—";
}

async function whoAmI() {
  try {
    const answer = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
    if (!answer.ok) return false;
    const data = await answer.json();
    me = data.officer; csrf = data.csrf_token;
    $("officer").textContent = `${me.display_name}（${me.role_zh} ${me.role}）`;
    return true;
  } catch { return false; }
}

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const answer = await fetch("/api/v1/auth/login", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("username").value, password: $("password").value }),
  });
  const data = await answer.json();
  if (!answer.ok) { $("login-error").textContent = data.message || "登录失败 / login failed"; return; }
  $("password").value = "";
  await whoAmI();
  route();
}

async function logout() {
  try { await api("POST", "/api/v1/auth/logout"); } catch { /* already logged out */ }
  me = null; csrf = ""; show("login");
}

function responseCard(r, actions) {
  return el("li", { "data-response": r.response_id },
    el("div", { class: "level" }, LEVELS[r.level] || r.level, " ", r.drill ? el("span", { class: "drill" }, "【演练 Drill】") : ""),
    el("div", {}, scopeText(r.scope)),
    el("div", { class: "summary" }, r.summary),
    el("div", { class: "muted" }, `${time(r.updated_at)} · 通知 ${r.counts.notified} · 已确认 ${r.counts.acknowledged}`),
    actions);
}

function decisionForm(r) {
  const note = el("textarea", { rows: "2", placeholder: "说明 Note", "data-testid": "note" });
  const error = el("p", { class: "error" });
  const decide = async (verb) => {
    error.textContent = "";
    try {
      const out = await api("POST", `/api/v1/proposals/${encodeURIComponent(r.response_id)}/${verb}`, { note: note.value });
      if (out.status === "awaiting_second_officer") error.textContent = "已记录，等待第二位指挥长确认 / waiting for a second commander";
      else setTimeout(home, 500);
    } catch (e) { error.textContent = e.message; }
  };
  return el("div", {}, note,
    el("button", { type: "button", "data-testid": "confirm", onclick: () => decide("confirm") }, "确认启动 Confirm"),
    el("button", { type: "button", class: "secondary", "data-testid": "reject", onclick: () => decide("reject") }, "不启动 Reject"),
    error);
}

async function home() {
  show("home");
  $("home-error").textContent = "";
  try {
    const [proposals, active, drills, warnings] = await Promise.all([
      api("GET", "/api/v1/proposals"), api("GET", "/api/v1/responses?state=active"), api("GET", "/api/v1/drills"),
      // The rules service serves the warnings; a console on its own still shows the rest.
      api("GET", "/api/v1/warnings?limit=20").catch(() => []),
    ]);
    $("proposals").replaceChildren(...(proposals.length ? proposals.map((r) => responseCard(r, decisionForm(r))) : [el("li", {}, "暂无 None")]));
    $("active").replaceChildren(...(active.length ? active.map((r) => responseCard(r,
      el("a", { href: `#/responses/${encodeURIComponent(r.response_id)}`, "data-testid": "open-board" }, "查看确认情况 Open board →"))) : [el("li", {}, "暂无 None")]));
    $("drills").replaceChildren(...(drills.length ? drills.map((d) => el("li", {},
      el("span", { class: "drill" }, "【演练】"), ` ${LEVELS[d.level]} ${scopeText(d.scope)} · ${d.mode} · `,
      d.started_at ? `开始 ${time(d.started_at)} · 通知 ${d.notified} · 已确认 ${d.acknowledged}` : `窗口 ${time(d.window_start)} – ${time(d.window_end)}`)) : [el("li", {}, "暂无 None")]));
    // A stale warning (expired, or too old when received) is shown, but started nothing by itself.
    $("warnings").replaceChildren(...(warnings.length ? warnings.map((w) => el("li", { "data-testid": "warning" },
      w.stale ? el("span", { class: "drill", "data-testid": "stale" }, "【已过时 Stale】") : "",
      ` ${w.headline || `${w.hazard} ${w.colour || ""} ${w.action}`} · ${scopeText(w.scope)} · 发布 ${time(w.issued_at)} · 收到 ${time(w.received_at)}`,
      w.stale ? ` · ${w.stale_note}（未自动启动响应 / started nothing）` : "")) : [el("li", {}, "暂无 None")]));
  } catch (e) { $("home-error").textContent = e.message; }
}

function rows(table, header, items) {
  table.replaceChildren(el("tr", {}, ...header.map((h) => el("th", {}, h))), ...items);
}

function countsRow(row) {
  const c = row.counts;
  return el("tr", {}, el("td", {}, row.name), el("td", {}, c.notified), el("td", {}, c.delivered), el("td", {}, c.acknowledged), el("td", {}, c.escalated));
}

function renderBoard(board) {
  const r = board.response;
  $("board-title").textContent = `${LEVELS[r.level] || r.level} ${scopeText(r.scope)}${r.drill ? " 【演练 Drill】" : ""} · ${r.state}`;
  $("board-summary").textContent = r.summary;
  for (const key of ["notified", "delivered", "acknowledged", "escalated"]) $("t-" + key).textContent = board.totals[key];
  const head = ["名称 Name", "通知", "送达", "确认", "升级"];
  rows($("by-street"), head, board.streets.map(countsRow));
  rows($("by-unit"), head, board.units.map(countsRow));
  $("pending-total").textContent = board.pending_total;
  rows($("pending"), ["姓名 Name", "单位 Unit", "角色 Role", "下一步 Next step", ""], board.pending.map((p) => pendingRow(p, $("board-error"))));
  $("live-state").textContent = `实时更新 Live · ${time(new Date().toISOString())}`;
}

// One person who has not acknowledged (of a response's board or a manual notice), with the
// on-behalf button for those who may use it; `after` runs once the ack is recorded.
function pendingRow(p, error, after) {
  return el("tr", {},
    el("td", {}, el("a", { href: `#/persons/${encodeURIComponent(p.person_id)}` }, p.name)),
    el("td", {}, p.unit_name), el("td", {}, p.role), el("td", {}, p.next_step),
    el("td", {}, canAct() ? ackButton(p.notice_id, p.name, error, after) : ""));
}

function ackButton(noticeId, name, error, after) {
  return el("button", { type: "button", class: "secondary", "data-testid": "ack-for", onclick: () => ackFor(noticeId, name, error, after) }, "代为确认 Ack for them");
}

// Acknowledge any notice (a response's or a manual one) on its person's behalf, with a reason.
async function ackFor(noticeId, name, error, after) {
  const reason = window.prompt(`代 ${name} 确认的原因 / reason`, "电话确认 confirmed by phone");
  if (!reason || !reason.trim()) return;
  error.textContent = "";
  try {
    const out = await api("POST", `/api/v1/notices/${encodeURIComponent(noticeId)}/acks`, { reason: reason.trim() });
    if (!out.counted) error.textContent = `${name} 此前已确认，本次已记录、不重复计数 / already acknowledged: recorded, not counted`;
    if (after) after();
  } catch (e) { error.textContent = e.message; }
}

function board(responseId) {
  show("board");
  $("board-error").textContent = "";
  if (stream) stream.close();
  stream = new EventSource(`/api/v1/responses/${encodeURIComponent(responseId)}/board/stream`);
  stream.addEventListener("board", (event) => renderBoard(JSON.parse(event.data)));
  stream.onerror = () => { $("live-state").textContent = "连接中断，正在重连 / reconnecting…"; };
}

const STATUS = { awaiting_dispatch: "等待分发 Awaiting dispatch", sent: "已发送 Sent" };
const PENDING_SHOWN = 100;

async function notices() {
  show("notices");
  $("notices-error").textContent = "";
  $("notice-form").hidden = !canAct();
  if (canAct() && units === null) {
    try { units = await api("GET", "/api/v1/units"); renderUnits(); }
    catch (e) { $("notice-error").textContent = e.message; }
  }
  await loadManualNotices();
  if (!noticesTimer) noticesTimer = setInterval(loadManualNotices, 5000);
}

function renderUnits() {
  const wanted = $("unit-filter").value.trim().toLowerCase();
  const checked = new Set(chosen("unit"));
  $("unit-list").replaceChildren(...units.map((u) => {
    const box = el("input", { type: "checkbox", name: "unit", value: u.unit_id });
    box.checked = checked.has(u.unit_id);
    const label = el("label", { class: "check" }, box, ` ${u.name} `, el("small", {}, `${u.unit_id} · ${u.persons}人`));
    label.hidden = Boolean(wanted) && !`${u.name} ${u.unit_id}`.toLowerCase().includes(wanted);
    return label;
  }));
}

function chosen(name) {
  return [...document.querySelectorAll(`#notice-form input[name=${name}]:checked`)].map((box) => box.value);
}

async function sendNotice(event) {
  event.preventDefault();
  $("notice-error").textContent = ""; $("notice-result").textContent = "";
  const body = {
    units: chosen("unit"), roles: chosen("role"),
    persons: $("notice-persons").value.split(/[\s,，、;；]+/).filter(Boolean),
    title: $("notice-title").value.trim(), text: $("notice-text").value.trim(),
    drill: $("notice-drill").checked, ack_wanted: $("notice-ack").checked,
  };
  try {
    const reach = await api("POST", "/api/v1/notices/manual/preview", body);
    const what = `${body.drill ? "【演练】" : ""}「${body.title}」`;
    if (!window.confirm(`将发送${what}给 ${reach.recipient_count} 人，确认发送？\nSend ${what} to ${reach.recipient_count} persons?`)) return;
    const out = await api("POST", "/api/v1/notices/manual", body);
    $("notice-result").textContent = `已提交，发送给 ${out.recipient_count} 人 / queued for ${out.recipient_count} persons`;
    $("notice-title").value = ""; $("notice-text").value = "";
    await loadManualNotices();
  } catch (e) { $("notice-error").textContent = e.message; }
}

let shownNotices = "";
let soon = null;

async function loadManualNotices() {
  try {
    const list = await api("GET", "/api/v1/notices/manual");
    // Dispatch writes a notice's recipients within a second or so: look again sooner than every 5 s.
    if (!soon && noticesTimer && list.some((m) => m.status === "awaiting_dispatch")) {
      soon = setTimeout(() => { soon = null; if (noticesTimer) loadManualNotices(); }, 1000);
    }
    const seen = JSON.stringify(list);
    if (seen === shownNotices && $("manual-notices").childElementCount) return;  // nothing moved: leave the cards be
    shownNotices = seen;
    $("manual-notices").replaceChildren(...(list.length ? list.map(manualCard) : [el("li", {}, "暂无 None")]));
  } catch (e) { $("notices-error").textContent = e.message; }
}

function manualCard(m) {
  const c = m.counts;
  const table = el("table", { class: "pending" });
  const error = el("p", { class: "error" });
  const load = async () => {
    try {
      const pending = await api("GET", `/api/v1/notices/manual/${encodeURIComponent(m.request_id)}/pending?limit=${PENDING_SHOWN}`);
      rows(table, ["姓名 Name", "单位 Unit", "角色 Role", "下一步 Next step", ""], pending.map((p) => pendingRow(p, error, loadManualNotices)));
      if (!pending.length) table.replaceChildren(el("tr", {}, el("td", {}, m.status === "sent" ? "全部已确认 Everyone acknowledged" : "尚未分发 Not dispatched yet")));
      else if (c.notified - c.acknowledged > pending.length) table.append(el("tr", {}, el("td", { colspan: "5", class: "muted" }, `仅列出前 ${pending.length} 人 / first ${pending.length} shown`)));
    } catch (e) { error.textContent = e.message; }
  };
  const details = el("details", {}, el("summary", {}, `未确认人员 Not acknowledged (${c.notified - c.acknowledged})`), table, error);
  details.open = openPending.has(m.request_id);
  details.addEventListener("toggle", () => {
    if (details.open) { openPending.add(m.request_id); load(); } else openPending.delete(m.request_id);
  });
  return el("li", { "data-request": m.request_id },
    el("div", { class: "title" }, m.drill ? el("span", { class: "drill" }, "【演练 Drill】") : "", m.title),
    el("div", { class: "muted" }, `${time(m.created_at)} · ${m.created_by} · ${m.recipient_count} 人${m.ack_wanted ? "" : " · 无需确认 no ack asked"}`),
    el("div", { "data-testid": "status" }, STATUS[m.status] || m.status),
    el("div", {}, `通知 ${c.notified} · 送达 ${c.delivered} · 已确认 ${c.acknowledged} · 已升级 ${c.escalated}`),
    details);
}

async function person(personId) {
  show("person");
  $("person-error").textContent = "";
  try {
    const p = await api("GET", `/api/v1/persons/${encodeURIComponent(personId)}`);
    $("person-title").textContent = `${p.name} · ${p.unit_name} · ${p.role}`;
    rows($("person-notices"), ["时间 Time", "级别 Level", "确认 Acknowledged", "送达 Delivered", "变化 Change", "升级 Escalations"], p.notices.map((n) => el("tr", {},
      el("td", {}, time(n.created_at)), el("td", {}, (n.level ? LEVELS[n.level] || n.level : "人工通知 Manual") + (n.drill ? " 【演练】" : "")),
      el("td", {}, n.acked_at ? `${time(n.acked_at)} (${n.ack_channel})` : "未确认 ",
        ...n.acks.filter((a) => a.on_behalf_by).map((a) => el("div", { class: "muted" }, `代确认 ${a.on_behalf_by}：${a.reason}${a.counted ? "" : "（未计数）"}`)),
        !n.acked_at && canAct() ? ackButton(n.notice_id, p.name, $("person-error"), () => person(personId)) : ""),
      el("td", {}, time(n.delivered_at)), el("td", {}, n.change),
      el("td", {}, n.escalations.map((s) => `${s.step}:${s.action}`).join(", ")))));
  } catch (e) { $("person-error").textContent = e.message; }
}

async function route() {
  if (!me && !(await whoAmI())) { show("login"); return; }
  const hash = location.hash || "#/";
  const boardMatch = hash.match(/^#\/responses\/([^/]+)$/);
  const personMatch = hash.match(/^#\/persons\/([^/]+)$/);
  if (boardMatch) board(decodeURIComponent(boardMatch[1]));
  else if (personMatch) person(decodeURIComponent(personMatch[1]));
  else if (hash === "#/notices") notices();
  else home();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("notice-form").addEventListener("submit", sendNotice);
  $("unit-filter").addEventListener("input", renderUnits);
  $("notices-refresh").addEventListener("click", loadManualNotices);
  window.addEventListener("hashchange", route);
  route();
});
