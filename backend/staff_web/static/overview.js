// The store at a glance: each unit's status and today's numbers, refreshed live.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The unit's true state from the database (the trip holding it, since when), not only what it last said;
  // a unit held by a trip can be freed (the trip is abandoned, its card hold voided).
  function unitState(u) {
    const parts = [u.active ? (u.state || "—") : staff.t("overview.out_of_service", {}, "out of service")];
    if (u.heartbeat_age_s !== null && u.heartbeat_age_s !== undefined) {
      parts.push(staff.t("overview.heartbeat_age", { age: staff.duration(u.heartbeat_age_s) }, "heard from {age} ago"));
    }
    const cell = staff.el("td", {}, parts.join(" · "));
    if (u.trip_id) {
      cell.append(staff.el("div", { class: "bound" }, staff.t("overview.bound",
        { trip: u.trip_id.slice(0, 8), status: u.trip_status, since: staff.time(u.bound_since) },
        "bound to trip {trip} ({status}) since {since}")));
      const free = staff.el("button", { type: "button", class: "free-unit" }, staff.t("overview.free_unit", {}, "Free unit"));
      free.addEventListener("click", async () => {
        if (!window.confirm(staff.t("overview.free_confirm", {}, "Free this unit? The trip is abandoned and its card hold released."))) return;
        try {
          await staff.api("POST", `/v1/staff/units/${encodeURIComponent(u.unit_id)}/free`,
            { trip_id: u.trip_id, trip_version: u.trip_version });
        } catch (e) { staff.toast(e.message); }
        loadUnits().catch(() => {});
      });
      cell.append(free);
    } else if (u.last_release) {
      cell.append(staff.el("div", { class: "released" }, staff.t("overview.last_release", { what: u.last_release }, "last freed: {what}")));
    }
    return cell;
  }

  async function loadUnits() {
    const units = await staff.api("GET", "/v1/staff/units");
    document.querySelector("#units tbody").replaceChildren(...units.map((u) => staff.el("tr", {},
      staff.el("th", { scope: "row" }, u.name),
      staff.el("td", { class: u.online ? "online" : "offline" }, staff.t(u.online ? "overview.online" : "overview.offline")),
      staff.el("td", {}, u.last_seen_at ? staff.time(u.last_seen_at) : staff.t("overview.never")),
      unitState(u),
      staff.el("td", {}, Object.entries(u.faults || {}).map(([k, v]) => `${k}: ${v}`).join(", ") || staff.t("overview.no_faults")))));
  }

  async function loadStats() {
    const s = await staff.api("GET", "/v1/staff/stats");
    const rows = [
      [staff.t("overview.baskets"), s.baskets], [staff.t("overview.passed"), s.passed],
      [staff.t("overview.rechecked"), s.rechecked], [staff.t("overview.flagged"), s.flagged],
      [staff.t("overview.open_flags"), s.open_flags],
      [staff.t("overview.resolve_median"), s.resolve_median_s === null ? "—" : staff.duration(s.resolve_median_s)],
      [staff.t("overview.resolve_p90"), s.resolve_p90_s === null ? "—" : staff.duration(s.resolve_p90_s)],
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
      name.textContent = `${staff.t(`overview.bar.${label.replace("-", "")}`)} ${value}`;
      chart.append(name);
    });
  }

  const refresh = () => Promise.all([loadUnits(), loadStats()]).catch((e) => staff.toast(e.message));
  staff.listen({ unit: () => loadUnits().catch(() => {}), verdict: refresh, flag: refresh });
  setInterval(refresh, 30000);
  refresh();
});
