// The store at a glance: each unit's status and today's numbers, refreshed live.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  async function loadUnits() {
    const units = await staff.api("GET", "/v1/staff/units");
    document.querySelector("#units tbody").replaceChildren(...units.map((u) => staff.el("tr", {},
      staff.el("th", { scope: "row" }, u.name),
      staff.el("td", { class: u.online ? "online" : "offline" }, u.online ? "● online" : "○ offline"),
      staff.el("td", {}, u.last_seen_at ? new Date(u.last_seen_at).toLocaleTimeString() : "never"),
      staff.el("td", {}, u.state || "—"),
      staff.el("td", {}, Object.entries(u.faults || {}).map(([k, v]) => `${k}: ${v}`).join(", ") || "none"))));
  }

  async function loadStats() {
    const s = await staff.api("GET", "/v1/staff/stats");
    const rows = [
      ["Baskets", s.baskets], ["Passed", s.passed], ["Re-checked", s.rechecked], ["Flagged", s.flagged],
      ["Open flags", s.open_flags],
      ["Time to resolve (median)", s.resolve_median_s === null ? "—" : staff.duration(s.resolve_median_s)],
      ["Time to resolve (90 %)", s.resolve_p90_s === null ? "—" : staff.duration(s.resolve_p90_s)],
    ];
    document.getElementById("stats").replaceChildren(...rows.flatMap(([k, v]) =>
      [staff.el("dt", {}, k), staff.el("dd", {}, String(v))]));
    const chart = document.getElementById("stats-chart");
    const bars = [["passed", s.passed], ["re-checked", s.rechecked], ["flagged", s.flagged]];
    const max = Math.max(1, ...bars.map((b) => b[1]));
    chart.setAttribute("viewBox", "0 0 300 90");
    chart.replaceChildren();
    bars.forEach(([label, value], i) => {
      const y = 8 + i * 28;
      chart.append(staff.svg("rect", { class: `bar ${label}`, x: 90, y, height: 18, width: Math.max(1, (value / max) * 190) }));
      const name = staff.svg("text", { x: 0, y: y + 14 });
      name.textContent = `${label} ${value}`;
      chart.append(name);
    });
  }

  const refresh = () => Promise.all([loadUnits(), loadStats()]).catch((e) => staff.toast(e.message));
  staff.listen({ unit: () => loadUnits().catch(() => {}), verdict: refresh, flag: refresh });
  setInterval(refresh, 30000);
  refresh();
});
