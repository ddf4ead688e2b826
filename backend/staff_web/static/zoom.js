// Zoom and pan for an evidence photo (one per camera view): wheel, pinch (two fingers), click, drag, and buttons/keys.
// The frame (photo + box overlay) is scaled inside a clipping viewport, so the boxes and their labels grow with
// the photo. The scale is kept on the viewport as data-scale (read by the browser test and by screen readers
// through the level text).
"use strict";

const zoom = (() => {
  const MIN = 1, MAX = 8;

  function attach(viewport, frame, onChange) {
    let scale = 1, x = 0, y = 0;
    const pointers = new Map();
    let pinchFrom = null;   // { distance, scale } when two fingers went down
    let dragged = false;

    // Keep the photo covering the viewport: no empty margins when zoomed, centred at scale 1.
    function clamp() {
      const w = viewport.clientWidth, h = viewport.clientHeight;
      x = Math.min(0, Math.max(w - w * scale, x));
      y = Math.min(0, Math.max(h - h * scale, y));
    }

    function apply() {
      clamp();
      frame.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
      viewport.dataset.scale = scale.toFixed(2);
      viewport.classList.toggle("zoomed", scale > 1);
      if (onChange) onChange(scale);
    }

    // Zoom to `next`, keeping the point (px, py) of the viewport where it is.
    function zoomAt(next, px, py) {
      next = Math.min(MAX, Math.max(MIN, next));
      x = px - ((px - x) * next) / scale;
      y = py - ((py - y) * next) / scale;
      scale = next;
      apply();
    }

    const local = (event) => {
      const r = viewport.getBoundingClientRect();
      return [event.clientX - r.left, event.clientY - r.top];
    };
    const centre = () => [viewport.clientWidth / 2, viewport.clientHeight / 2];

    viewport.addEventListener("wheel", (event) => {
      event.preventDefault();
      zoomAt(scale * Math.exp(-event.deltaY * 0.0015), ...local(event));
    }, { passive: false });

    viewport.addEventListener("pointerdown", (event) => {
      viewport.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, local(event));
      dragged = false;
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        pinchFrom = { distance: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, scale };
      }
    });

    viewport.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) return;
      const [px, py] = local(event);
      const [ox, oy] = pointers.get(event.pointerId);
      pointers.set(event.pointerId, [px, py]);
      if (pointers.size === 2 && pinchFrom) {
        const [a, b] = [...pointers.values()];
        const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
        zoomAt(pinchFrom.scale * (distance / pinchFrom.distance), (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
        dragged = true;
      } else if (pointers.size === 1 && (Math.abs(px - ox) + Math.abs(py - oy) > 0)) {
        if (Math.abs(px - ox) + Math.abs(py - oy) > 2) dragged = true;
        x += px - ox;
        y += py - oy;
        apply();
      }
    });

    const up = (event) => {
      const wasSingle = pointers.size === 1;
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinchFrom = null;
      // A click (no drag) zooms in where it landed, or back out when already close.
      if (event.type === "pointerup" && wasSingle && !dragged) {
        const [px, py] = local(event);
        if (scale < 2) zoomAt(2.5, px, py); else zoomAt(1, px, py);
      }
    };
    viewport.addEventListener("pointerup", up);
    viewport.addEventListener("pointercancel", up);

    window.addEventListener("resize", apply);  // the clamp depends on the viewport's size
    apply();
    return {
      in: () => zoomAt(scale * 1.5, ...centre()),
      out: () => zoomAt(scale / 1.5, ...centre()),
      reset: () => zoomAt(1, 0, 0),
      refresh: apply,  // after the viewport was hidden (another camera's view shown) and is shown again
      get scale() { return scale; },
    };
  }

  return { attach };
})();
