// Shared by every app page (no build step, no dependency): small DOM helpers.
"use strict";
window.Parley = window.Parley || {};
/** "m:ss" or "h:mm:ss" for a number of seconds. */
window.Parley.clock = function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
};
/** Mark the page interactive (the browser tests wait for it and time it). */
window.Parley.ready = function ready() {
  performance.mark("parley-ready");
  document.documentElement.dataset.ready = "true";
};
