// Shared by every staff page: API calls with the CSRF token, messages, the live event stream, formatting.
"use strict";

const staff = (() => {
  let csrf = null;

  async function me() {
    const response = await fetch("/v1/staff/me", { credentials: "same-origin" });
    if (response.status === 401) {
      location.href = "/staff/login?next=" + encodeURIComponent(location.pathname);
      return null;
    }
    const body = await response.json();
    csrf = body.csrf_token;
    return body;
  }

  // Calls the staff API; a problem document becomes an Error with .status, .type and .body.
  async function api(method, path, body, extraHeaders) {
    if (method !== "GET" && csrf === null) await me();
    const headers = { ...(extraHeaders || {}) };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      location.href = "/staff/login?next=" + encodeURIComponent(location.pathname);
      throw new Error("signed out");
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error((data && data.detail) || response.statusText);
      error.status = response.status;
      error.type = data && data.type ? data.type.split("/").pop() : "";
      error.body = data;
      throw error;
    }
    return data;
  }

  function toast(message) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function announce(message) {
    document.getElementById("live").textContent = message;
  }

  // Server-sent events from every backend process; reconnects by itself.
  function listen(handlers) {
    const source = new EventSource("/v1/staff/events");
    for (const [type, handler] of Object.entries(handlers)) {
      source.addEventListener(type, (event) => handler(JSON.parse(event.data)));
    }
    return source;
  }

  const currency = () => document.body.dataset.currency || "EUR";
  // The page's locale (de-DE or en-GB), chosen by the server: numbers, money, dates and 24-hour times follow it.
  const locale = () => document.body.dataset.locale || "de-DE";
  let messages = null;

  // The text for a key in the page's language, {name} placeholders filled from params; a key we have no text
  // for gives `fallback` (e.g. the raw value from the API), else the key itself.
  function t(key, params, fallback) {
    if (messages === null) {
      const block = document.getElementById("messages");
      messages = block ? JSON.parse(block.textContent) : {};
    }
    const text = messages[key] === undefined ? (fallback === undefined ? key : fallback) : messages[key];
    return text.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole));
  }

  function money(minor) {
    return new Intl.NumberFormat(locale(), { style: "currency", currency: currency() }).format(minor / 100);
  }

  function number(value, digits) {
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 })
      .format(value);
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }

  function date(iso) {
    return new Date(iso).toLocaleDateString(locale(), { day: "2-digit", month: "2-digit", year: "numeric" });
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? t("duration.min_s", { m, s: String(s).padStart(2, "0") }) : t("duration.s", { s });
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  async function refreshCount() {
    const badge = document.getElementById("queue-count");
    if (!badge) return;
    const flags = await api("GET", "/v1/staff/flags");
    badge.textContent = flags.length ? String(flags.length) : "";
  }

  // Keys are ignored while typing in a field.
  function shortcuts(map) {
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest && target.closest("input, textarea, select")) return;
      const handler = map[event.key];
      if (handler) { event.preventDefault(); handler(event); }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const logout = document.getElementById("logout");
    if (logout) {
      logout.addEventListener("click", async () => {
        await api("POST", "/v1/staff/logout").catch(() => {});
        location.href = "/staff/login";
      });
      me().then(refreshCount).catch(() => {});
    }
  });

  return { api, me, toast, announce, listen, t, locale, money, number, time, date, duration, el, svg, refreshCount, shortcuts };
})();
