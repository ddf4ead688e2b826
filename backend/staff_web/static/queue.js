// The live queue: most urgent first, waiting time counting up, new flags without a reload.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.querySelector("#queue tbody");
  const empty = document.getElementById("queue-empty");
  let flags = [];
  let loadedAt = Date.now();
  let known = null;
  let selected = 0;

  function row(flag, index) {
    const link = staff.el("a", { href: `/staff/flags/${flag.flag_id}` }, flag.headline || flag.explanation || flag.kind);
    const tr = staff.el("tr", { class: index === selected ? "selected" : "", "data-flag-id": flag.flag_id },
      staff.el("td", {}, String(flag.priority)),
      staff.el("td", { class: "waiting", "data-waiting": flag.waiting_s }, staff.duration(flag.waiting_s)),
      staff.el("td", {}, flag.unit_id || "—"),
      staff.el("td", {}, link),
      staff.el("td", {}, staff.money(flag.total_minor)),
      staff.el("td", {}, flag.owner ? staff.t("queue.owner", { owner: flag.owner, status: staff.t(`status.${flag.status}`, {}, flag.status) }) : staff.t("queue.open")));
    tr.addEventListener("click", (event) => { if (event.target.tagName !== "A") link.click(); });
    return tr;
  }

  function render() {
    body.replaceChildren(...flags.map(row));
    empty.hidden = flags.length > 0;
    document.getElementById("queue-count").textContent = flags.length ? String(flags.length) : "";
  }

  async function load() {
    flags = await staff.api("GET", "/v1/staff/flags");
    loadedAt = Date.now();
    if (known !== null) {
      const fresh = flags.filter((f) => !known.has(f.flag_id));
      for (const f of fresh) staff.announce(staff.t("queue.announce", { unit: f.unit_id, explanation: f.headline || f.explanation }));
      if (fresh.length) staff.toast(fresh.length > 1 ? staff.t("queue.new_many", { count: fresh.length }) : staff.t("queue.new_one"));
    }
    known = new Set(flags.map((f) => f.flag_id));
    selected = Math.min(selected, Math.max(0, flags.length - 1));
    render();
  }

  // The waiting time counts up between loads without asking the server.
  setInterval(() => {
    const elapsed = (Date.now() - loadedAt) / 1000;
    for (const cell of body.querySelectorAll("td.waiting")) {
      cell.textContent = staff.duration(Number(cell.dataset.waiting) + elapsed);
    }
  }, 1000);

  staff.listen({ flag: () => load().catch((e) => staff.toast(e.message)) });
  setInterval(() => load().catch(() => {}), 30000);  // a safety net if the stream was down
  staff.shortcuts({
    j: () => { selected = Math.min(selected + 1, flags.length - 1); render(); },
    k: () => { selected = Math.max(selected - 1, 0); render(); },
    Enter: () => { if (flags[selected]) location.href = `/staff/flags/${flags[selected].flag_id}`; },
  });
  load().catch((e) => staff.toast(e.message));
});
