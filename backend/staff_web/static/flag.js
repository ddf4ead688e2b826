// One flag: the evidence, what was scanned and seen, and the actions (claim, release, resolve).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("flag");
  const flagId = Number(root.dataset.flagId);
  const errorBox = document.getElementById("action-error");
  const form = document.getElementById("resolve-form");
  let flag = null;
  let me = null;
  let resolveKey = null;  // one Idempotency-Key per resolution attempt, reused if it is retried

  const $ = (id) => document.getElementById(id);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  // The cameras' views (#17): one panel each, with its own photo, boxes and zoom; tabs switch between them.
  // The primary view (a one-camera unit's only one) keeps the ids photo-viewport, photo-img, photo-boxes.
  const LABEL_PX = 20;  // box labels on screen at full size: readable on a tablet, whatever the photo's resolution
  let views = [];       // [{ view, panel, tab, viewport, img, boxes, zoomer }]
  let viewsKey = null;
  let selected = null;  // the camera shown

  const cameraName = (camera) => staff.t(`camera.${camera}`, {}, camera);
  const suffix = (v) => (v.view.primary ? "" : `-${v.view.camera}`);
  const current = () => views.find((v) => v.view.camera === selected) || null;

  function downText(view) {
    return staff.t("flag.camera_down", { camera: cameraName(view.camera).toLocaleLowerCase(staff.locale()),
      problem: view.problem || staff.t("flag.camera_no_picture") });
  }

  // Labels and lines in the photo's own pixels, so they come out the same size on screen for every camera;
  // they grow slower than the photo when zoomed, so a close look shows the goods, not only the names.
  function fitLabels(v) {
    if (!v.img || !v.img.naturalWidth || !v.viewport.clientWidth) return;
    const perPx = v.img.naturalWidth / v.viewport.clientWidth, scale = v.zoomer.scale;
    v.boxes.style.setProperty("--label-size", `${(LABEL_PX * perPx / Math.sqrt(scale)).toFixed(1)}px`);
    v.boxes.style.setProperty("--box-stroke", `${(3 * perPx / Math.sqrt(scale)).toFixed(1)}`);
  }

  function drawBoxes(v) {
    const img = v.img, boxes = v.boxes;
    boxes.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
    boxes.replaceChildren();
    const label = LABEL_PX * img.naturalWidth / (v.viewport.clientWidth || img.naturalWidth);
    for (const d of v.view.detections) {
      const [x1, y1, x2, y2] = d.box;
      const unexpected = d.gtin14 === null || !flag.scanned.some((l) => l.gtin14 === d.gtin14);
      const group = staff.svg("g", { class: unexpected ? "box unexpected" : "box" });
      group.append(staff.svg("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }));
      // Above the box, or inside it at the photo's top edge.
      const text = staff.svg("text", { x: x1 + 4, y: y1 - 6 >= label ? y1 - 6 : y1 + label + 2 });
      text.textContent = `${d.label} ${Math.round(d.confidence * 100)}%`;
      group.append(text);
      boxes.append(group);
    }
    fitLabels(v);
  }

  function thumbnail(v) {
    const canvas = v.tab.querySelector("canvas");
    if (!canvas || !v.img.naturalWidth) return;
    canvas.width = 96;
    canvas.height = Math.round(96 * v.img.naturalHeight / v.img.naturalWidth);
    canvas.getContext("2d").drawImage(v.img, 0, 0, canvas.width, canvas.height);
  }

  function select(camera, focus) {
    selected = camera;
    for (const v of views) {
      const on = v.view.camera === camera;
      v.panel.hidden = !on;
      v.tab.setAttribute("aria-selected", String(on));
      v.tab.tabIndex = on ? 0 : -1;
      if (on && focus) v.tab.focus();
    }
    const v = current();
    for (const id of ["zoom-in", "zoom-out", "zoom-reset"]) $(id).disabled = !(v && v.zoomer);
    if (v && v.zoomer) { v.zoomer.refresh(); fitLabels(v); }
    $("zoom-level").textContent = `${staff.number((v && v.zoomer ? v.zoomer.scale : 1) * 100)} %`;
  }

  function buildView(view, index, all) {
    const v = { view, img: null, boxes: null, viewport: null, zoomer: null };
    const id = suffix(v);
    v.panel = staff.el("div", { class: "view", id: `view-panel-${view.camera}`, "data-camera": view.camera });
    v.panel.setAttribute("role", "tabpanel");
    v.panel.setAttribute("aria-labelledby", `view-tab-${view.camera}`);
    v.tab = staff.el("button", { type: "button", class: "view-tab", id: `view-tab-${view.camera}`, "data-camera": view.camera });
    v.tab.setAttribute("role", "tab");
    v.tab.setAttribute("aria-controls", v.panel.id);
    v.tab.append(view.url ? staff.el("canvas", { class: "thumb" }) : staff.el("span", { class: "thumb down" }, "⚠"),
      staff.el("span", { class: "name" }, cameraName(view.camera)));
    if (!view.ok || !view.url) {
      const note = staff.el("p", { class: view.url ? "view-problem" : "view-down" }, downText(view));
      note.setAttribute("role", "status");
      v.panel.append(note);
      v.tab.append(staff.el("span", { class: "visually-hidden" }, ` — ${downText(view)}`));
    }
    if (index < 8) v.tab.append(" ", staff.el("kbd", {}, String(index + 1)));
    if (view.url) {
      v.viewport = staff.el("div", { class: "viewport", id: `photo-viewport${id}` });
      const frame = staff.el("div", { class: "frame", id: `photo-frame${id}` });
      v.img = staff.el("img", { id: `photo-img${id}`, alt: all.length === 1
        ? staff.t("flag.photo_alt") : staff.t("flag.view_alt", { camera: cameraName(view.camera) }) });
      v.boxes = staff.svg("svg", { id: `photo-boxes${id}`, class: "boxes", "aria-hidden": "true" });
      frame.append(v.img, v.boxes);
      v.viewport.append(frame);
      v.panel.append(v.viewport);
      v.zoomer = zoom.attach(v.viewport, frame, (scale) => {
        fitLabels(v);
        if (selected === view.camera) $("zoom-level").textContent = `${staff.number(scale * 100)} %`;
      });
      v.img.onload = () => { drawBoxes(v); thumbnail(v); };
      v.img.src = view.url;
    }
    v.tab.addEventListener("click", () => select(view.camera));
    return v;
  }

  function drawPhoto() {
    const shown = flag.views || [];
    $("photo").hidden = !shown.length;
    $("no-photo").hidden = Boolean(shown.length);
    const key = JSON.stringify(shown.map((w) => [w.camera, w.url, w.ok, w.problem]));
    if (key === viewsKey) return;  // a reload of the same flag keeps each view's zoom
    viewsKey = key;
    views = shown.map(buildView);
    $("views").replaceChildren(...views.map((v) => v.tab));
    $("views").hidden = views.length < 2;
    $("view-panels").replaceChildren(...views.map((v) => v.panel));
    const primary = views.find((v) => v.view.primary) || views[0];
    if (primary) select(views.some((v) => v.view.camera === selected) ? selected : primary.view.camera);
  }

  function selectNth(n) {
    if (views[n]) select(views[n].view.camera, document.activeElement && document.activeElement.closest(".views"));
  }

  // Arrow keys, Home and End move between the tabs (the WAI-ARIA tabs pattern).
  $("views").addEventListener("keydown", (event) => {
    const at = views.findIndex((v) => v.view.camera === selected);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: views.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    select(views[(to + views.length) % views.length].view.camera, true);
  });

  function toggleBoxes() {
    const button = $("toggle-boxes");
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    button.querySelector("span").textContent = staff.t(on ? "flag.boxes_on" : "flag.boxes_off");
    $("photo").classList.toggle("boxes-off", !on);
  }

  function drawWeight() {
    const w = flag.verdict.weight;
    const n = (g) => staff.number(g);
    $("weight-summary").textContent = w
      ? staff.t("flag.weight_summary", { expected: n(w.expected_g), band: n(2 * w.sigma_g), measured: n(w.measured_g),
        difference: n(w.measured_g - w.expected_g), tare: n(w.tare_g) })
      : staff.t("flag.no_weight");
    // The unit's own plot has axes, the acceptance band and the stable reading: show it large when it came.
    const plot = flag.evidence.find((e) => e.name === "weight_trace");
    const link = $("weight-chart-link");
    link.hidden = !plot;
    if (plot && link.getAttribute("href") !== plot.url) { link.href = plot.url; $("weight-chart").src = plot.url; }
    const trace = flag.verdict.weight_trace || [];
    const chart = $("weight-trace");
    chart.replaceChildren();
    if (plot || trace.length < 2) { chart.style.display = "none"; return; }
    chart.style.display = "";
    const width = 600, height = 200, pad = 32;
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const ts = trace.map((p) => p[0]), gs = trace.map((p) => p[1]);
    if (w) gs.push(w.expected_g);
    const t0 = Math.min(...ts), t1 = Math.max(...ts), g0 = Math.min(0, ...gs), g1 = Math.max(...gs) * 1.05 || 1;
    const x = (t) => pad + ((t - t0) / (t1 - t0 || 1)) * (width - 2 * pad);
    const y = (g) => height - pad - ((g - g0) / (g1 - g0)) * (height - 2 * pad);
    if (w) {
      chart.append(staff.svg("rect", { class: "band", x: pad, width: width - 2 * pad,
        y: y(w.expected_g + 2 * w.sigma_g), height: Math.max(1, y(w.expected_g - 2 * w.sigma_g) - y(w.expected_g + 2 * w.sigma_g)) }));
    }
    chart.append(staff.svg("polyline", { class: "line", points: trace.map((p) => `${x(p[0])},${y(p[1])}`).join(" ") }));
    const axis = staff.svg("text", { x: pad, y: height - 8 });
    axis.textContent = staff.t("flag.trace_axis", { seconds: staff.number(t1 - t0, 1), low: n(g0), high: n(g1) });
    chart.append(axis);
  }

  function drawItems() {
    const rows = new Map();
    const get = (gtin, name) => {
      if (!rows.has(gtin)) rows.set(gtin, { name, scanned: 0, seen: 0, now: 0 });
      return rows.get(gtin);
    };
    for (const l of flag.scanned) get(l.gtin14, l.name).scanned += l.quantity;
    for (const l of flag.basket.lines) get(l.gtin14, l.name).now += l.quantity;
    const names = new Map((flag.verdict.detections || []).map((d) => [d.gtin14, d.label]));
    for (const [gtin, count] of Object.entries(flag.verdict.seen || {})) get(gtin, names.get(gtin) || gtin).seen = count;
    const body = document.querySelector("#items tbody");
    body.replaceChildren(...[...rows.values()].map((r) => staff.el("tr",
      { class: r.scanned !== r.seen ? "mismatch" : "" },
      staff.el("th", { scope: "row" }, r.name), staff.el("td", {}, String(r.scanned)),
      staff.el("td", {}, String(r.seen)), staff.el("td", {}, String(r.now)))));
    if (flag.verdict.non_merchandise) {
      body.append(staff.el("tr", { class: "mismatch" }, staff.el("th", { scope: "row" }, staff.t("flag.not_merchandise")),
        staff.el("td", {}, "—"), staff.el("td", {}, String(flag.verdict.non_merchandise)), staff.el("td", {}, "—")));
    }
    const seenList = $("seen-products");
    seenList.replaceChildren(...Object.keys(flag.verdict.seen || {}).map((gtin) =>
      staff.el("option", { value: gtin.replace(/^0/, ""), label: names.get(gtin) || gtin })));
    $("remove-line").replaceChildren(...flag.basket.lines.map((l) =>
      staff.el("option", { value: l.line_key }, `${l.name} × ${l.quantity}`)));
  }

  function render() {
    $("trip-link").href = `/staff/trips/${encodeURIComponent(flag.trip_id)}`;  // its payment and refunds
    $("trip-link").hidden = false;
    const status = staff.t(`status.${flag.status}`, {}, flag.status);
    $("flag-status").textContent = flag.owner ? staff.t("status.by", { status, owner: flag.owner }) : status;
    $("flag-summary").textContent = staff.t("flag.summary", { unit: flag.unit_id || "—",
      waiting: staff.duration(flag.waiting_s), total: staff.money(flag.total_minor), priority: flag.priority }) +
      (flag.audit ? staff.t("flag.audit") : "");
    // Each reason as the server worded it in the page's language (``text``); older verdicts: the unit's words.
    $("reasons").replaceChildren(...(flag.reasons.length ? flag.reasons : [{ message: flag.explanation }])
      .map((r) => staff.el("li", {}, r.text || r.message)));
    const s = flag.shopper;
    $("shopper").textContent = staff.t("flag.shopper_line", { trust: staff.number(s.trust_score * 100),
      passed: s.baskets_passed, flagged: s.baskets_flagged, since: staff.date(s.member_since) });
    $("history").replaceChildren(...flag.history.map((h) => staff.el("li", {},
      `${staff.time(h.at)} — ${staff.t(`action.${h.action}`, {}, h.action)}${h.staff ? staff.t("flag.history_by", { staff: h.staff }) : ""}` +
      `${h.reason ? ": " + h.reason : ""}`)));
    drawPhoto();
    drawWeight();
    drawItems();
    const mine = flag.owner === (me && me.username);
    const open = flag.status === "open", claimed = flag.status === "claimed";
    $("claim").disabled = !open;
    $("release").disabled = !(claimed && (mine || me.role === "manager"));
    for (const input of form.elements) input.disabled = !(claimed && (mine || me.role === "manager"));
  }

  async function load() {
    flag = await staff.api("GET", `/v1/staff/flags/${flagId}`);
    render();
  }

  async function act(action, payload, headers) {
    showError("");
    try {
      await staff.api("POST", `/v1/staff/flags/${flagId}/${action}`, { version: flag.version, ...payload }, headers);
      staff.toast(staff.t("flag.done", { id: flagId, action: staff.t(`action.${action}`, {}, action) }));
      return true;
    } catch (error) {
      // A stale action (someone else acted first) is refused: say so and show the flag as it is now.
      showError(error.message);
      return false;
    } finally {
      await load().catch(() => {});
    }
  }

  function chooseResolution(value) {
    const radio = form.querySelector(`input[value="${value}"]`);
    if (radio.disabled) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    $("reason").focus();
  }

  form.addEventListener("change", () => {
    const value = (form.querySelector("input[name=resolution]:checked") || {}).value;
    $("add-items").hidden = value !== "add_items";
    $("remove-items").hidden = value !== "remove_items";
    resolveKey = null;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const resolution = (form.querySelector("input[name=resolution]:checked") || {}).value;
    if (!resolution) { showError(staff.t("flag.choose")); return; }
    const payload = { resolution, reason: $("reason").value.trim() };
    if (!payload.reason) { showError(staff.t("flag.need_reason")); $("reason").focus(); return; }
    if (resolution === "add_items") payload.add = [{ code: $("add-code").value.trim(), quantity: Number($("add-qty").value) }];
    if (resolution === "remove_items") payload.remove = [{ line_key: $("remove-line").value, quantity: Number($("remove-qty").value) }];
    resolveKey = resolveKey || crypto.randomUUID();
    if (await act("resolve", payload, { "Idempotency-Key": resolveKey })) resolveKey = null;
  });

  $("claim").addEventListener("click", () => act("claim", {}));
  $("release").addEventListener("click", () => act("release", {}));
  $("toggle-boxes").addEventListener("click", toggleBoxes);
  const zoomed = (action) => () => { const v = current(); if (v && v.zoomer) v.zoomer[action](); };
  $("zoom-in").addEventListener("click", zoomed("in"));
  $("zoom-out").addEventListener("click", zoomed("out"));
  $("zoom-reset").addEventListener("click", zoomed("reset"));
  staff.shortcuts({
    c: () => $("claim").disabled || act("claim", {}),
    r: () => $("release").disabled || act("release", {}),
    b: toggleBoxes,
    "+": zoomed("in"),
    "-": zoomed("out"),
    "0": zoomed("reset"),
    ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [String(n), () => selectNth(n - 1)])),
    a: () => chooseResolution("approve"),
    m: () => chooseResolution("add_items"),
    x: () => chooseResolution("remove_items"),
    s: () => chooseResolution("send_to_cashier"),
  });
  staff.listen({ flag: (event) => { if (event.flag_id === flagId) load().catch(() => {}); } });
  staff.me().then((who) => { me = who; return load(); }).catch((e) => showError(e.message));
});
