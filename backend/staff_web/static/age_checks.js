// Open age checks (#19), shown first on the queue page: a shopper at a unit waits for staff to check their age.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("age-checks");
  const list = document.getElementById("age-check-list");
  if (!section || !list) return;

  async function decide(check, action, buttons) {
    for (const b of buttons) b.disabled = true;
    try {
      const out = await staff.api("POST", `/v1/staff/age-checks/${check.age_check_id}/${action}`, { version: check.version });
      staff.toast(staff.t(`age.done.${action}`, { unit: check.unit_id || "—", amount: staff.money(out.charged_minor) }));
    } catch (error) {
      staff.toast(error.type === "age-check-stale" || error.type === "age-check-closed" ? staff.t("age.stale") : error.message);
    }
    await load().catch(() => {});
  }

  function item(check) {
    const items = check.lines.map((l) => staff.t("age.line", { qty: l.quantity, name: l.name, age: l.age_min })).join(", ");
    const confirm = staff.el("button", { type: "button", class: "primary", "data-action": "confirm" }, staff.t("age.confirm"));
    const refuse = staff.el("button", { type: "button", class: "warn", "data-action": "refuse" }, staff.t("age.refuse"));
    confirm.addEventListener("click", () => decide(check, "confirm", [confirm, refuse]));
    refuse.addEventListener("click", () => decide(check, "refuse", [confirm, refuse]));
    return staff.el("li", { class: "card age-check", "data-age-check-id": check.age_check_id },
      staff.el("p", { class: "age-check-title" }, staff.t("age.title", { unit: check.unit_id || "—", age: check.required_age })),
      staff.el("p", {}, items),
      staff.el("p", { class: "hint" }, staff.t("age.waiting", { waiting: staff.duration(check.waiting_s), total: staff.money(check.total_minor) })),
      staff.el("p", { class: "actions" }, confirm, " ", refuse));
  }

  let known = null;
  async function load() {
    const checks = await staff.api("GET", "/v1/staff/age-checks");
    list.replaceChildren(...checks.map(item));
    section.hidden = checks.length === 0;
    if (known !== null) {
      for (const c of checks.filter((c) => !known.has(c.age_check_id))) {
        staff.announce(staff.t("age.announce", { unit: c.unit_id || "—", age: c.required_age }));
        staff.toast(staff.t("age.announce", { unit: c.unit_id || "—", age: c.required_age }));
      }
    }
    known = new Set(checks.map((c) => c.age_check_id));
  }

  staff.listen({ age_check: () => load().catch((e) => staff.toast(e.message)) });
  setInterval(() => load().catch(() => {}), 15000);  // a safety net if the stream was down
  load().catch((e) => staff.toast(e.message));
});
