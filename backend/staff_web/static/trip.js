// One trip's payment: what was held, charged and refunded, every refund or void (who, when, why), and for
// managers the refund/void form (pieces of lines, an amount or everything left, a reason, a confirmation, one Idempotency-Key per
// attempt so a retry never refunds twice).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("trip");
  const tripId = root.dataset.tripId;
  if (!tripId) return;
  const $ = (id) => document.getElementById(id);
  const form = $("refund-form");
  let view = null;
  let refundKey = null;  // one Idempotency-Key per refund attempt, reused if it is retried

  function show(box, message) {
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  // A problem document from the API in the page's language (its type names the refusal), else its detail.
  function problemText(error) {
    return staff.t(`problem.${error.type}`, { detail: error.message }, error.message);
  }

  // "1,50", "1.50", "2" → minor units; "" → null (everything left); anything else → NaN.
  function parseAmount(text) {
    const value = text.trim().replace(/\s/g, "");
    if (!value) return null;
    const match = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(value);
    if (!match) return NaN;
    return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
  }

  // A line's "give back" field: how many of its pieces the shopper returns (0 = none).
  // `typed` is what the manager had entered before a refresh (a refund event re-renders the table).
  function giveBack(line, typed) {
    const input = staff.el("input", { type: "number", min: "0", max: String(line.quantity), step: "1", value: "0",
      inputMode: "numeric", class: "give-back", "data-line-key": line.line_key, "data-name": line.name });
    if (typed !== undefined) input.value = typed;
    input.setAttribute("aria-label", staff.t("trip.give_back_label", { name: line.name }));
    input.addEventListener("input", () => { refundKey = null; });
    return input;
  }

  function render() {
    const payment = view.payment_status;
    $("trip-status").textContent = staff.t("trip.summary", {
      status: staff.t(`tripstate.${view.trip_status}`, {}, view.trip_status),
      payment: staff.t(`payment.${payment || "none"}`, {}, payment || ""),
    });
    $("payment").hidden = !payment;
    $("no-payment").hidden = Boolean(payment);
    $("authorized").textContent = staff.money(view.authorized_minor);
    $("captured").textContent = staff.money(view.captured_minor);
    $("refunded").textContent = staff.money(view.refunded_minor);
    $("pending").textContent = staff.money(view.pending_minor);
    $("refundable").textContent = staff.money(view.refundable_minor);
    // Managers can give back pieces of a line (refunded with their price and deposit) instead of an amount.
    const byLine = Boolean(form) && !view.voidable && view.refundable_minor > 0;
    $("give-back-col").hidden = !byLine;
    const typed = new Map([...document.querySelectorAll("#trip-items input.give-back")]
      .map((input) => [input.dataset.lineKey, input.value]));
    document.querySelector("#trip-items tbody").replaceChildren(...view.lines.map((l) => staff.el("tr", {},
      staff.el("th", { scope: "row" }, l.name), staff.el("td", {}, String(l.quantity)),
      staff.el("td", {}, staff.money(l.total_minor)),
      ...(byLine ? [staff.el("td", {}, giveBack(l, typed.get(l.line_key)))] : []))));
    $("no-refunds").hidden = view.refunds.length > 0;
    document.querySelector("#refunds tbody").replaceChildren(...view.refunds.map((r) => staff.el("tr",
      { "data-refund-id": r.refund_id, class: r.status === "failed" ? "mismatch" : "" },
      staff.el("td", {}, `${staff.date(r.created_at)} ${staff.time(r.created_at)}`),
      staff.el("td", {}, staff.t(`trip.kind.${r.kind}`, {}, r.kind)),
      staff.el("td", {}, r.kind === "void" ? "—" : staff.money(r.amount_minor)),
      staff.el("td", {}, staff.t(`trip.state.${r.status}`, {}, r.status) + (r.failure ? `: ${r.failure}` : "")),
      staff.el("td", {}, r.staff || "—"),
      staff.el("td", {}, r.reason))));
    if (!form) return;
    const canAct = view.voidable || view.refundable_minor > 0;
    $("amount-field").hidden = view.voidable;
    $("refund-submit").textContent = staff.t(view.voidable ? "trip.void" : "trip.refund");
    $("refund-hint").textContent = staff.t(view.voidable ? "trip.void_hint" : canAct ? "trip.refund_hint" : "trip.nothing_hint");
    for (const input of form.elements) input.disabled = !canAct;
  }

  async function load() {
    try {
      view = await staff.api("GET", `/v1/staff/trips/${encodeURIComponent(tripId)}/payment`);
      show($("trip-error"), "");
      render();
    } catch (error) {
      show($("trip-error"), problemText(error));
    }
  }

  if (form) {
    form.addEventListener("input", () => { refundKey = null; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show($("refund-error"), "");
      const reason = $("refund-reason").value.trim();
      const amount = view.voidable ? null : parseAmount($("refund-amount").value);
      const pieces = view.voidable ? [] : [...document.querySelectorAll("#trip-items input.give-back")]
        .map((input) => ({ input, quantity: Number(input.value || "0") }))
        .filter((p) => p.quantity !== 0);
      const badPiece = pieces.find((p) => !Number.isInteger(p.quantity) || p.quantity < 0 || p.quantity > Number(p.input.max));
      if (badPiece) { show($("refund-error"), staff.t("trip.bad_pieces", { max: badPiece.input.max })); badPiece.input.focus(); return; }
      if (Number.isNaN(amount)) { show($("refund-error"), staff.t("trip.bad_amount")); $("refund-amount").focus(); return; }
      if (pieces.length && amount !== null) { show($("refund-error"), staff.t("trip.amount_or_items")); $("refund-amount").focus(); return; }
      if (!reason) { show($("refund-error"), staff.t("trip.need_reason")); $("refund-reason").focus(); return; }
      let question;
      if (pieces.length) {
        const items = pieces.map((p) => `${p.quantity}× ${p.input.dataset.name}`).join(", ");
        question = staff.t("trip.confirm_lines", { items });
      } else {
        const shown = staff.money(view.voidable ? view.authorized_minor : amount === null ? view.refundable_minor : amount);
        question = staff.t(view.voidable ? "trip.confirm_void" : "trip.confirm_refund", { amount: shown });
      }
      if (!window.confirm(question)) return;
      const body = { reason };
      if (pieces.length) body.lines = pieces.map((p) => ({ line_key: p.input.dataset.lineKey, quantity: p.quantity }));
      else if (amount !== null) body.amount_minor = amount;
      refundKey = refundKey || crypto.randomUUID();
      $("refund-submit").disabled = true;
      try {
        const out = await staff.api("POST", `/v1/staff/trips/${encodeURIComponent(tripId)}/refund`, body,
          { "Idempotency-Key": refundKey });
        refundKey = null;
        form.reset();
        staff.toast(out.refund.kind === "void" ? staff.t("trip.done_void")
          : staff.t("trip.done_refund", { amount: staff.money(out.refund.amount_minor) }));
      } catch (error) {
        // A refusal is final for this key; a provider or network failure may be retried with the same key.
        if (error.status && error.status < 500) refundKey = null;
        show($("refund-error"), problemText(error));
      } finally {
        $("refund-submit").disabled = false;
        await load();
      }
    });
  }
  staff.listen({ refund: (event) => { if (event.trip_id === tripId) load(); } });
  staff.me().then(load).catch((e) => show($("trip-error"), e.message));
});
