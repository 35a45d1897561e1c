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
  if (view !== "home" && homeTimer) { clearInterval(homeTimer); homeTimer = null; }
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

// Month/day and hour:minute, Beijing time ("12/8 07:02"), for lines that have little room.
function shortTime(value) {
  return value ? new Date(value).toLocaleString("zh-CN", {
    timeZone: "Asia/Shanghai", hour12: false, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
  }) : "—";
}

async function whoAmI() {
  if (document.body.dataset.session === "none") return false;
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
  delete document.body.dataset.session;
  await whoAmI();
  route();
}

async function logout() {
  try { await api("POST", "/api/v1/auth/logout"); } catch { /* already logged out */ }
  me = null; csrf = ""; document.body.dataset.session = "none"; show("login");
}

// The schematic map: each street's tile comes with the overview (schemas/street_map.py, the
// one copy of the geometry, which the review's season map draws too). Not the real
// boundaries, and it says so.
const LEVEL_CLASS = { watch: "lv-watch", IV: "lv-4", III: "lv-3", II: "lv-2", I: "lv-1" };
const SVG = "http://www.w3.org/2000/svg";
let overviewSeen = "";
let homeTimer = null;
let chosenStreet = null;
let lastOverview = null;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

function centre(points) {
  const xy = points.split(" ").map((pair) => pair.split(",").map(Number));
  return [xy.reduce((a, p) => a + p[0], 0) / xy.length, xy.reduce((a, p) => a + p[1], 0) / xy.length];
}

// Draw the map of `view` (the overview) into `box`; `highlight` outlines the streets of one response.
function drawMap(box, view, highlight, onPick) {
  const d = view.district;
  const root = svg("svg", { viewBox: "0 0 380 420", role: "group", "aria-label": "宝安区十个街道示意图 Schematic map of the ten streets of Bao'an" });
  root.append(svg("title", {}, "示意图，非实际边界 Schematic, not the real boundaries"));
  root.append(svg("text", { x: 10, y: 330, class: "sea", transform: "rotate(-90 10 330)" }, "珠江口 Pearl River estuary"));
  if (d) root.append(svg("rect", { x: 6, y: 4, width: 368, height: 380, rx: 14, class: `district-ring ${LEVEL_CLASS[d.level] || ""}` }));
  for (const s of view.streets) {
    const { code, en, points } = s;
    const [cx, cy] = centre(points);
    const g = svg("g", { class: `street ${LEVEL_CLASS[s.level] || "lv-none"}${highlight && highlight.has(code) ? " lit" : ""}${chosenStreet === code ? " chosen" : ""}`,
      tabindex: "0", role: "button", "data-street": code,
      "aria-label": `${s.zh}街道 ${en}: ${s.level ? LEVELS[s.level] : "无响应 no response"}` });
    g.append(svg("polygon", { points }));
    g.append(svg("text", { x: cx, y: cy - 6, class: "zh" }, s.zh));
    g.append(svg("text", { x: cx, y: cy + 9, class: "en" }, en));
    g.append(svg("text", { x: cx, y: cy + 25, class: "lv" }, s.level ? LEVELS[s.level] : "—"));
    if (onPick) {
      g.addEventListener("click", () => onPick(code));
      g.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onPick(code); } });
    }
    root.append(g);
  }
  const banner = d ? `全区${LEVELS[d.level]}应急响应 District-wide level ${d.level}` : "全区：无全区响应 No district-wide response";
  root.append(svg("text", { x: 190, y: 408, class: `banner ${d ? "on" : ""}` }, banner));
  const legend = el("p", { class: "legend" }, ...["IV", "III", "II", "I"].map((lv) => el("span", {}, el("i", { class: LEVEL_CLASS[lv] }), LEVELS[lv], " ")),
    el("span", {}, el("i", { class: "lv-none" }), "无 none"), el("br"), el("small", {}, "示意图，非实际边界 Schematic map, not the real boundaries"));
  box.replaceChildren(root, legend);
}

function pickStreet(code) {
  chosenStreet = chosenStreet === code ? null : code;
  if (lastOverview) { drawMap($("district-map"), lastOverview, null, pickStreet); showStreet(lastOverview); }
  if (chosenStreet) $("street-detail").focus();
}

function bar(counts, total) {
  const pct = (n) => total ? `${(100 * n / total).toFixed(1)}%` : "0%";
  const delivered = Math.max(0, counts.delivered - counts.acknowledged);
  // Widths through the CSSOM: the page's CSP refuses style attributes.
  const ack = el("span", { class: "ack" });
  const del = el("span", { class: "del" });
  ack.style.width = pct(counts.acknowledged);
  del.style.width = pct(delivered);
  return el("span", { class: "bar", role: "img", "aria-label": `通知 ${counts.notified}，送达 ${counts.delivered}，确认 ${counts.acknowledged}` }, ack, del);
}

function showStreet(view) {
  const box = $("street-detail");
  const s = chosenStreet && view.streets.find((x) => x.code === chosenStreet);
  if (!s) { box.hidden = true; return; }
  box.hidden = false;
  box.setAttribute("tabindex", "-1");
  const byId = Object.fromEntries([...view.active, ...(view.district ? [view.district] : [])].map((r) => [r.response_id, r]));
  const props = view.groups.flatMap((g) => g.proposals).filter((q) => s.proposals.includes(q.response_id));
  const p = s.progress;
  box.replaceChildren(
    el("h3", {}, `${s.zh}街道 ${s.en} · `, s.level ? LEVELS[s.level] : "无响应 No response",
      s.district_level && s.own_level !== s.level ? el("small", {}, " （全区响应覆盖 covered by the district-wide response）") : ""),
    el("div", {}, "通知进度 Notices: ", bar(p, p.notified), ` 通知 ${p.notified} · 送达 ${p.delivered} · 已确认 ${p.acknowledged}`),
    el("h4", {}, "应急响应 Responses"),
    el("ul", { class: "plain" }, ...(s.responses.length ? s.responses.map((id) => {
      const r = byId[id];
      return el("li", {}, el("a", { href: `#/responses/${encodeURIComponent(id)}` },
        r ? `${LEVELS[r.level] || r.level} ${scopeText(r.scope)} · 通知 ${r.counts.notified} · 已确认 ${r.counts.acknowledged} →` : `${id} →`));
    }) : [el("li", {}, "暂无 None")])),
    el("h4", {}, "待确认 Proposals"),
    el("ul", { class: "plain" }, ...(props.length ? props.map((q) => el("li", {}, `${LEVELS[q.level]} ${q.scope_zh} · ${q.evidence_zh}`)) : [el("li", {}, "暂无 None")])));
}

const CHANGE = { activate: "启动 activate", raise: "提升 raise", lower: "降低 lower" };

async function decide(ids, verb, note, error) {
  error.textContent = "";
  const waiting = [];
  for (const id of ids) {
    try {
      const out = await api("POST", `/api/v1/proposals/${encodeURIComponent(id)}/${verb}`, { note: note.value });
      if (out.status === "awaiting_second_officer") waiting.push(id);
    } catch (e) { error.textContent += `${e.message} `; }
  }
  if (waiting.length) error.textContent += "Ⅰ级：已记录，等待第二位指挥长确认 / level I: waiting for a second commander";
  if (!error.textContent) { note.value = ""; setTimeout(() => refreshHome(true), 400); }
}

function proposalLine(q, note, error) {
  const why = q.summary.split(" / ");
  return el("li", { class: "line", "data-response": q.response_id },
    el("div", { class: "row" },
      el("b", { class: `badge ${LEVEL_CLASS[q.level]}` }, LEVELS[q.level]),
      el("span", { class: "scope" }, q.scope_zh),
      el("span", { class: "evidence", title: q.evidence_en }, q.evidence_zh),
      q.covered_by ? el("span", { class: "tag", "data-testid": "covered" }, `全区${LEVELS[q.covered_by]}已覆盖 covered`) : "",
      q.needs_two ? el("span", { class: "tag" }, "需两位指挥长 two commanders") : "",
      el("span", { class: "muted" }, shortTime(q.raised_at)),
      canAct() ? el("span", { class: "acts" },
        el("button", { type: "button", "data-testid": "confirm", onclick: () => decide([q.response_id], "confirm", note, error) }, "确认 Confirm"),
        el("button", { type: "button", class: "secondary", "data-testid": "reject", onclick: () => decide([q.response_id], "reject", note, error) }, "不启动 Reject")) : ""),
    el("details", {}, el("summary", {}, "依据 Why"),
      el("p", { lang: "zh-CN" }, why[0]), el("p", { lang: "en" }, why.slice(1).join(" / ")),
      el("p", { class: "muted" }, `规则 rule ${q.rule}${q.signals.length ? " · 信号 " + q.signals.join("；") : ""}`)));
}

function proposalGroup(g) {
  const note = el("input", { type: "text", placeholder: "说明（不启动时必填）Note (needed to reject)", "data-testid": "note", "aria-label": "说明 Note" });
  const error = el("p", { class: "error", role: "alert" });
  const ids = g.proposals.map((q) => q.response_id);
  const many = ids.length > 1;
  const streets = g.proposals.map((q) => q.scope_zh.replace(/街道$/, "")).join("、");
  return el("li", { class: "group", "data-group": g.group_id },
    el("div", { class: "row head" },
      el("b", { class: `badge ${LEVEL_CLASS[g.level]}` }, LEVELS[g.level]),
      el("span", {}, `${CHANGE[g.change] || g.change} · ${many ? `${ids.length}个街道 streets: ${streets}` : g.proposals[0].scope_zh}`),
      el("span", { class: "muted" }, `规则 ${g.rule}`),
      g.drill ? el("span", { class: "drill" }, "【演练 Drill】") : ""),
    el("ul", { class: "lines" }, ...g.proposals.map((q) => proposalLine(q, note, error))),
    canAct() ? el("div", { class: "row" }, note,
      many ? el("button", { type: "button", "data-testid": "confirm-group", onclick: () => decide(ids, "confirm", note, error) }, `全部确认 Confirm all ${ids.length}`) : "",
      many ? el("button", { type: "button", class: "secondary", "data-testid": "reject-group", onclick: () => decide(ids, "reject", note, error) }, "全部不启动 Reject all") : "") : "",
    error);
}

function responseLine(r) {
  return el("li", { class: "line", "data-response": r.response_id },
    el("div", { class: "row" },
      el("b", { class: `badge ${LEVEL_CLASS[r.level]}` }, LEVELS[r.level] || r.level),
      el("span", { class: "scope" }, scopeText(r.scope)), r.drill ? el("span", { class: "drill" }, "【演练 Drill】") : "",
      bar(r.counts, r.counts.notified),
      el("span", { class: "muted" }, `通知 ${r.counts.notified} · 已确认 ${r.counts.acknowledged}`),
      el("a", { href: `#/responses/${encodeURIComponent(r.response_id)}`, "data-testid": "open-board" }, "查看 Open board →")));
}

async function refreshHome(force) {
  try {
    const view = await api("GET", "/api/v1/overview");
    lastOverview = view;
    $("home-updated").textContent = `· 更新于 updated ${time(new Date().toISOString()).slice(-8)}`;
    const seen = JSON.stringify(view);
    if (!force && seen === overviewSeen) return;
    overviewSeen = seen;
    drawMap($("district-map"), view, null, pickStreet);
    showStreet(view);
    const typing = [...document.querySelectorAll("#proposals input")].some((i) => i.value || i === document.activeElement);
    const count = view.groups.reduce((n, g) => n + g.proposals.length, 0);
    $("proposal-count").textContent = count ? String(count) : "";
    if (force || !typing) $("proposals").replaceChildren(...(view.groups.length ? view.groups.map(proposalGroup) : [el("li", { class: "empty" }, "暂无 None")]));
    $("closed-count").textContent = view.closed.length;
    $("closed").replaceChildren(...view.closed.map((c) => el("li", { "data-testid": "closed" },
      `${LEVELS[c.level]} ${c.scope_zh} · 提请 ${shortTime(c.raised_at)} · 关闭 ${shortTime(c.closed_at)} · ${c.reason}`)));
    const active = view.active;
    $("active").replaceChildren(...(active.length ? active.map(responseLine) : [el("li", { class: "empty" }, "暂无 None")]));
  } catch (e) { $("home-error").textContent = e.message; }
}

async function home() {
  show("home");
  $("home-error").textContent = "";
  overviewSeen = "";
  await refreshHome(true);
  if (!homeTimer) homeTimer = setInterval(() => refreshHome(false), 3000);
  try {
    const [drills, warnings] = await Promise.all([
      api("GET", "/api/v1/drills"),
      // The rules service serves the warnings; a console on its own still shows the rest.
      api("GET", "/api/v1/warnings?limit=20").catch(() => []),
    ]);
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

function barRow(row) {
  const c = row.counts;
  return el("div", { class: "bar-row", "data-key": row.key },
    el("span", { class: "name" }, row.name),
    bar(c, c.notified),
    el("span", { class: "nums" }, `${c.acknowledged}/${c.notified} 确认 · 送达 ${c.delivered}`,
      c.escalated ? el("b", { class: "esc" }, ` · 升级 ${c.escalated}`) : ""));
}

let timelineAt = 0;
let timelineTimer = null;
let boardStreets = null;

// The timeline is read at most every 1.5 s; a change inside that window is read when it ends,
// so the last update of a burst is never left out.
function timelineSoon(responseId) {
  clearTimeout(timelineTimer);
  timelineTimer = setTimeout(() => loadTimeline(responseId), Math.max(0, 1500 - (Date.now() - timelineAt)));
}

async function loadTimeline(responseId) {
  timelineAt = Date.now();
  try {
    const lines = await api("GET", `/api/v1/responses/${encodeURIComponent(responseId)}/timeline`);
    $("timeline").replaceChildren(...lines.map((line) => el("li", { class: `t-${line.kind}` },
      el("time", {}, time(line.at).slice(5)), " ", line.what)));
  } catch (e) { $("board-error").textContent = e.message; }
}

async function boardMap(r) {
  try {
    const view = await api("GET", "/api/v1/overview");
    const lit = new Set(r.scope.kind === "district" ? view.streets.map((s) => s.code) : r.scope.streets);
    drawMap($("board-map"), view, lit, (code) => { chosenStreet = code; location.hash = "#/"; });
  } catch (e) { $("board-error").textContent = e.message; }
}

function renderBoard(board) {
  const r = board.response;
  $("board-title").textContent = `${LEVELS[r.level] || r.level} ${scopeText(r.scope)}${r.drill ? " 【演练 Drill】" : ""} · ${r.state}`;
  $("board-summary").textContent = r.summary;
  for (const key of ["notified", "delivered", "acknowledged", "escalated"]) $("t-" + key).textContent = board.totals[key];
  $("by-street").replaceChildren(...board.streets.map(barRow));
  $("by-unit").replaceChildren(...board.units.map(barRow));
  $("pending-total").textContent = board.pending_total;
  rows($("pending"), ["姓名 Name", "单位 Unit", "角色 Role", "升级 Step", "下一步 Next step", ""], board.pending.map((p) => pendingRow(p, $("board-error"))));
  $("live-state").textContent = `实时更新 Live · ${time(new Date().toISOString())}`;
  timelineSoon(r.response_id);
  const key = `${r.level}|${r.state}`;
  if (boardStreets !== key) { boardStreets = key; boardMap(r); }
}

// One person who has not acknowledged (of a response's board or a manual notice), with the
// on-behalf button for those who may use it; `after` runs once the ack is recorded.
function pendingRow(p, error, after) {
  return el("tr", {},
    el("td", {}, el("a", { href: `#/persons/${encodeURIComponent(p.person_id)}` }, p.name)),
    el("td", {}, p.unit_name), el("td", {}, p.role),
    el("td", {}, p.escalation_step ? `第${p.escalation_step}步 ${p.last_action || ""}` : "—"), el("td", {}, p.next_step),
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
  boardStreets = null; timelineAt = 0; clearTimeout(timelineTimer);
  $("timeline").replaceChildren();
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
