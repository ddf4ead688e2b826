"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const response = await fetch("/v1/staff/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    if (response.ok) {
      location.href = form.dataset.next || "/staff/queue";
      return;
    }
    const body = await response.json().catch(() => ({}));
    error.textContent = body.detail || staff.t("login.failed");
    error.hidden = false;
    form.password.focus();
  });
});
