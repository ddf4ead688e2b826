// basketcheck unit screen: draws the state the unit publishes, live over server-sent events.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const MARKS = { PASS: "\u2713", RECHECK: "!", FLAG: "!" };
  let shown = null; // the last state drawn

  function show(node, visible) { node.hidden = !visible; }

  function setImage(img, url) {
    if (img.getAttribute("src") !== url) img.src = url;
  }

  function drawPrompts(prompts) {
    const list = $("prompts");
    list.replaceChildren(...prompts.map((prompt, index) => {
      const item = document.createElement("li");
      item.dataset.index = String(index);
      if (prompt.crop) {
        const img = document.createElement("img");
        img.src = prompt.crop;
        img.alt = "";  // the text says what it is; the picture only helps find it
        img.className = "crop";
        item.append(img);
      }
      const text = document.createElement("span");
      text.className = "prompt-text";
      text.textContent = prompt.text;
      item.append(text);
      return item;
    }));
    show(list, prompts.length > 0);
  }

  function draw(state) {
    const body = document.body;
    body.dataset.phase = state.phase;
    body.dataset.verdict = state.verdict || "";
    body.dataset.version = String(state.version);
    $("headline").textContent = state.headline;
    $("detail").textContent = state.detail;
    show($("detail"), Boolean(state.detail));
    $("mark").textContent = state.phase === "verdict" ? (MARKS[state.verdict] || "") : "";
    show($("staff-help"), state.phase === "verdict" && state.verdict === "FLAG");

    const progress = $("progress");
    const busy = state.phase === "weighing" || state.phase === "deciding";
    show(progress, busy);
    if (busy && typeof state.progress === "number") progress.value = state.progress;
    else progress.removeAttribute("value"); // indeterminate: still working, no estimate

    if (!shown || JSON.stringify(shown.prompts) !== JSON.stringify(state.prompts)) drawPrompts(state.prompts);

    show($("qr"), Boolean(state.qr));
    if (state.qr) setImage($("qr-img"), state.qr);

    const notices = $("notice-list");
    notices.replaceChildren(...state.notices.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    show($("notices"), state.notices.length > 0);
    shown = state;
  }

  // EventSource reconnects by itself after a dropped connection; if the browser gives up (the unit restarting
  // answers with an error), open a new one a moment later.
  function listen() {
    const source = new EventSource("/events");
    source.addEventListener("open", () => show($("connection"), false));
    source.addEventListener("state", (event) => draw(JSON.parse(event.data)));
    source.addEventListener("error", () => {
      show($("connection"), true);
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 2000);
    });
  }

  listen();
})();
