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

  function drawPhoto() {
    const photo = flag.evidence.find((e) => e.name === "photo");
    $("photo").hidden = !photo;
    $("no-photo").hidden = Boolean(photo);
    if (!photo) return;
    const img = $("photo-img");
    const boxes = $("photo-boxes");
    img.onload = () => {
      boxes.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
      boxes.replaceChildren();
      for (const d of flag.verdict.detections || []) {
        const [x1, y1, x2, y2] = d.box;
        const unexpected = d.gtin14 === null || !flag.scanned.some((l) => l.gtin14 === d.gtin14);
        const group = staff.svg("g", { class: unexpected ? "box unexpected" : "box" });
        group.append(staff.svg("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }));
        const label = staff.svg("text", { x: x1 + 4, y: Math.max(y1 - 6, 14) });
        label.textContent = `${d.label} ${Math.round(d.confidence * 100)}%`;
        group.append(label);
        boxes.append(group);
      }
    };
    if (img.dataset.src !== photo.url) { img.dataset.src = photo.url; img.src = photo.url; }
  }

  function toggleBoxes() {
    const button = $("toggle-boxes");
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    button.querySelector("span").textContent = staff.t(on ? "flag.boxes_on" : "flag.boxes_off");
    $("photo-boxes").style.display = on ? "" : "none";
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
    $("reasons").replaceChildren(...(flag.reasons.length ? flag.reasons : [{ message: flag.explanation }])
      .map((r) => staff.el("li", {}, r.message)));
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
  const zoomer = zoom.attach($("photo-viewport"), $("photo-frame"),
    (scale) => {
      $("zoom-level").textContent = `${staff.number(scale * 100)} %`;
      // Labels grow slower than the photo, so a close look shows the goods, not only the names.
      $("photo-boxes").style.setProperty("--label-size", `${(22 / Math.sqrt(scale)).toFixed(1)}px`);
    });
  $("zoom-in").addEventListener("click", zoomer.in);
  $("zoom-out").addEventListener("click", zoomer.out);
  $("zoom-reset").addEventListener("click", zoomer.reset);
  staff.shortcuts({
    c: () => $("claim").disabled || act("claim", {}),
    r: () => $("release").disabled || act("release", {}),
    b: toggleBoxes,
    "+": zoomer.in,
    "-": zoomer.out,
    "0": zoomer.reset,
    a: () => chooseResolution("approve"),
    m: () => chooseResolution("add_items"),
    x: () => chooseResolution("remove_items"),
    s: () => chooseResolution("send_to_cashier"),
  });
  staff.listen({ flag: (event) => { if (event.flag_id === flagId) load().catch(() => {}); } });
  staff.me().then((who) => { me = who; return load(); }).catch((e) => showError(e.message));
});
