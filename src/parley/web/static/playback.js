// The playback page: the player and its transcript, search, markers, comments and keys.
// Plain DOM, no dependency; everything it needs is in the server-rendered page.
"use strict";
(function () {
  const root = document.getElementById("playback");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const clock = window.Parley.clock;
  const player = $("player");
  const entries = Array.from(document.querySelectorAll("#transcript .entry"));
  const starts = entries.map((li) => parseFloat(li.dataset.start));
  const texts = entries.map((li) => li.querySelector(".text").textContent);
  const duration = parseFloat(root.dataset.duration) || 0;
  const search = $("search"), count = $("match-count");
  const prevButton = $("prev-match"), nextButton = $("next-match");
  let current = -1, hits = [], hit = -1;

  // -- the player and the current entry ---------------------------------------------------

  const now = () => (player ? player.currentTime : 0);

  /** The index of the entry playing at `t`: the last one starting at or before it. */
  function entryAt(t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function showTime(t, scroll) {
    const index = entryAt(t);
    if (index !== current) {
      if (current >= 0) {
        entries[current].classList.remove("current");
        entries[current].removeAttribute("aria-current");
      }
      current = index;
      if (index >= 0) {
        entries[index].classList.add("current");
        entries[index].setAttribute("aria-current", "true");
        if (scroll && !entries[index].hidden) entries[index].scrollIntoView({block: "nearest"});
      }
    }
    $("now").textContent = clock(t);
    const progress = $("progress");
    if (progress && duration > 0) progress.style.width = `${Math.min(100, (t / duration) * 100)}%`;
    const at = $("comment-at");
    if (at) {
      at.value = t.toFixed(1);
      $("comment-clock").textContent = clock(t);
    }
  }

  /** Move the player to `t` seconds (clamped to the recording). */
  function seek(t) {
    const end = player && isFinite(player.duration) ? player.duration : duration;
    const to = Math.max(0, end > 0 ? Math.min(t, end) : t);
    if (player) player.currentTime = to;
    showTime(to, true);
  }

  function toggle() {
    if (!player) return;
    if (player.paused) player.play().catch(() => {}); else player.pause();
  }

  if (player) {
    player.addEventListener("timeupdate", () => showTime(player.currentTime, !player.paused));
    player.addEventListener("seeked", () => showTime(player.currentTime, true));
  }

  // -- search -----------------------------------------------------------------------------

  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  function runSearch() {
    const query = search.value.trim();
    const pattern = query ? new RegExp(escapeRegExp(query), "gi") : null;
    hits = [];
    entries.forEach((li, i) => {
      const text = li.querySelector(".text");
      const found = pattern ? Array.from(texts[i].matchAll(pattern)) : [];
      li.hidden = pattern !== null && found.length === 0;
      if (!found.length) {
        if (text.firstElementChild) text.textContent = texts[i];
        return;
      }
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const match of found) {
        parts.append(texts[i].slice(last, match.index));
        const mark = document.createElement("mark");
        mark.className = "hit";
        mark.textContent = match[0];
        parts.append(mark);
        hits.push(mark);
        last = match.index + match[0].length;
      }
      parts.append(texts[i].slice(last));
      text.replaceChildren(parts);
    });
    root.classList.toggle("searching", pattern !== null);
    prevButton.disabled = nextButton.disabled = hits.length === 0;
    hit = hits.length ? 0 : -1;
    showHit(false);
  }

  function showHit(scroll) {
    hits.forEach((mark, i) => mark.classList.toggle("current-hit", i === hit));
    const query = search.value.trim();
    if (!query) count.textContent = "";
    else if (!hits.length) count.textContent = "No matches";
    else count.textContent = `${hit + 1} of ${hits.length} ${hits.length === 1 ? "match" : "matches"}`;
    if (hit >= 0) hits[hit].scrollIntoView({block: scroll ? "center" : "nearest"});
  }

  function step(by) {
    if (!hits.length) return;
    hit = (hit + by + hits.length) % hits.length;
    showHit(true);
  }

  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); step(event.shiftKey ? -1 : 1); }
    if (event.key === "Escape") { search.value = ""; runSearch(); search.blur(); }
  });
  prevButton.addEventListener("click", () => step(-1));
  nextButton.addEventListener("click", () => step(1));

  // -- clicks: an entry, a hit, a time, a marker, the track --------------------------------

  document.addEventListener("click", (event) => {
    const target = event.target;
    const seekable = target.closest("[data-seek]");
    if (seekable) { seek(parseFloat(seekable.dataset.seek)); return; }
    const entry = target.closest("#transcript .entry");
    if (entry) {
      const mark = target.closest("mark.hit");
      if (mark) { hit = hits.indexOf(mark); showHit(false); }
      seek(parseFloat(entry.dataset.start));
      return;
    }
    const track = target.closest("#track");
    if (track && duration > 0) {
      const box = track.getBoundingClientRect();
      seek(((event.clientX - box.left) / box.width) * duration);
    }
  });

  // -- keys: space play/pause, arrows 5 s, / search -----------------------------------------

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "/") { event.preventDefault(); search.focus(); search.select(); }
    else if (event.key === " " || event.key === "Spacebar") { event.preventDefault(); toggle(); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); seek(now() - 5); }
    else if (event.key === "ArrowRight") { event.preventDefault(); seek(now() + 5); }
  });

  // -- copy link at this moment -----------------------------------------------------------

  function momentLink() {
    const url = new URL(window.location.href);
    url.searchParams.delete("token");
    url.searchParams.set("t", String(Math.round(now() * 10) / 10));
    url.hash = "";
    return url.toString();
  }

  $("copy-link").addEventListener("click", async () => {
    const link = momentLink(), status = $("copy-status"), fallback = $("copy-fallback");
    $("copy-link").dataset.link = link;
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = `Link to ${clock(now())} copied`;
      fallback.hidden = true;
    } catch (_) {
      fallback.value = link;
      fallback.hidden = false;
      fallback.select();
      status.textContent = "Copy this link:";
    }
  });

  // -- start: ?t= (rendered as data-start) or #t= ---------------------------------------------

  function startAt() {
    const hash = /(?:^#|&)t=([\d.]+)/.exec(window.location.hash);
    if (hash) return parseFloat(hash[1]);
    return root.dataset.start !== undefined ? parseFloat(root.dataset.start) : null;
  }

  const start = startAt();
  if (start !== null && isFinite(start)) {
    seek(start);
    // Before its metadata a player may drop the position: set it again once it knows.
    if (player && player.readyState < 1) {
      player.addEventListener("loadedmetadata", () => {
        if (Math.abs(player.currentTime - start) > 0.25) seek(start);
      }, {once: true});
    }
  } else {
    showTime(0, false);
  }
  window.addEventListener("hashchange", () => {
    const t = startAt();
    if (t !== null && isFinite(t)) seek(t);
  });
  window.Parley.ready();
  // The recording loads once the page is usable (preload="none" in the HTML): its redirect
  // and first bytes do not compete with the page's own assets.
  if (player) player.preload = "metadata";
})();
