// stackdr's dashboard, live: the server renders everything; this only swaps in the <main> it
// renders again when /events says something changed, and copies commands. Without it the page
// is the same, one reload old.
"use strict";
(function () {
  const live = () => document.querySelector(".live");
  let version = document.getElementById("main") ? document.getElementById("main").dataset.version : null;
  let fetching = false, again = false;
  let said = "";  // what the status line says of the event stream

  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const r = await fetch(location.pathname + "?part=main", { cache: "no-store" });
      if (r.ok) {
        const html = await r.text();
        const open = new Set([...document.querySelectorAll("details[open] > summary")].map(s => s.textContent));
        const main = document.getElementById("main");
        const next = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (main && next) {
          // Chains the reader opened stay open.
          next.querySelectorAll("details > summary").forEach(s => { if (open.has(s.textContent)) s.parentElement.open = true; });
          main.replaceWith(next);
          version = next.dataset.version;
          // The new <main> comes with an empty status line: say again what the stream is.
          if (live()) live().textContent = said;
        }
      }
    } catch (e) {
      if (live()) live().textContent = "update failed: " + e;
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }

  // Only the dashboard follows the stream (its <main> carries the version it shows); an
  // incident's page is a record and stays as loaded.
  if (window.EventSource && version !== null && version !== undefined) {
    const es = new EventSource("/events");
    es.addEventListener("update", ev => { if (ev.data !== version) refresh(); });
    es.onopen = () => { said = "live"; if (live()) live().textContent = said; };
    es.onerror = () => { said = "reconnecting…"; if (live()) live().textContent = said; };
  }

  document.addEventListener("click", ev => {
    const b = ev.target.closest("button.copy");
    if (!b) return;
    const text = b.dataset.copy;
    const done = () => { b.textContent = "copied"; setTimeout(() => { b.textContent = "copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done);
    else {
      const t = document.createElement("textarea");
      t.value = text; document.body.appendChild(t); t.select();
      try { document.execCommand("copy"); done(); } finally { t.remove(); }
    }
  });
})();
