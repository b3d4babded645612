/* gfmd-search web page: plain JavaScript over the app's own HTTP API (no build step, no CDN). */
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const form = $("#search-form");
  const input = $("#q");
  const status = $("#status");
  const hitsList = $("#hits");
  const welcome = $("#welcome");
  const toggle = $("#partners-toggle");
  const panel = $("#partners");
  const layout = $("#main");
  const partnerList = $("#partner-list");
  const partnerStatus = $("#partners-status");
  const partnerTypes = $("#partner-types");
  const template = $("#hit-template");
  const facetNav = $("#facets");
  const activeFilters = $("#active-filters");

  /* Facets counted beside the hits, in the order shown; a click on a value narrows the search. */
  const FACETS = [["country", "Country"], ["theme", "Theme"], ["organisation", "Organisation"], ["year", "Year"], ["doc_type", "Type"]];
  const FACET_VALUES = 8;

  const recList = $("#recommendations");
  const tabs = { passages: $("#tab-passages"), recommendations: $("#tab-recommendations") };

  const state = {
    query: "", params: null, where: [], partnersFor: null, partners: [], partnersReason: "", typeFilter: "", seq: 0,
    pseq: 0, view: "passages",
  };

  // ---- helpers -------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /* Snippets come HTML-escaped with <mark> tags; keep only <mark>, whatever arrives. */
  function setSnippet(node, html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    const out = document.createDocumentFragment();
    for (const child of tpl.content.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE && child.tagName === "MARK") out.append(el("mark", {}, child.textContent));
      else out.append(document.createTextNode(child.textContent));
    }
    node.replaceChildren(out);
  }

  function pages(hit) {
    return (hit.note ? `note ${hit.note}, ` : "") + `p. ${hit.page}`;
  }

  function host(url) {
    try {
      const u = new URL(url);
      return u.protocol.startsWith("http") ? u.hostname.replace(/^www\./, "") : null;
    } catch (e) {
      return null;
    }
  }

  function plural(n, one, many) {
    return `${n.toLocaleString()} ${n === 1 ? one : many || one + "s"}`;
  }

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, Object.assign({ headers: { Accept: "application/json" } }, options || {}));
    } catch (e) {
      throw new Error("The server cannot be reached. Check that it is running and try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function setStatus(node, text, isError) {
    node.textContent = text;
    node.classList.toggle("status--error", !!isError);
  }

  // ---- form state <-> URL --------------------------------------------------------------------------

  function readForm() {
    const data = new FormData(form);
    return {
      q: (data.get("q") || "").toString(),
      mode: (data.get("mode") || "hybrid").toString(),
      type: (data.get("type") || "").toString(),
      year_from: (data.get("year_from") || "").toString(),
      year_to: (data.get("year_to") || "").toString(),
      k: (data.get("k") || "10").toString(),
      group: $("#group").checked,
      where: state.where,
    };
  }

  function writeForm(p) {
    input.value = p.q || "";
    const mode = form.querySelector(`input[name=mode][value="${CSS.escape(p.mode || "hybrid")}"]`);
    if (mode) mode.checked = true;
    ensureOption($("#type"), p.type);
    $("#type").value = p.type || "";
    ensureOption($("#year_from"), p.year_from);
    $("#year_from").value = p.year_from || "";
    ensureOption($("#year_to"), p.year_to);
    $("#year_to").value = p.year_to || "";
    ensureOption($("#k"), p.k, `${p.k} results`);
    $("#k").value = p.k || "10";
    $("#group").checked = !!p.group;
    state.where = p.where || [];
  }

  function ensureOption(select, value, label) {
    if (!value || [...select.options].some((o) => o.value === value)) return;
    select.append(el("option", { value }, label || value));
  }

  function fromURL() {
    const u = new URLSearchParams(location.search);
    return {
      q: u.get("q") || "",
      mode: u.get("mode") || "hybrid",
      type: u.get("type") || "",
      year_from: u.get("year_from") || "",
      year_to: u.get("year_to") || "",
      k: u.get("k") || "10",
      group: u.get("group") === "1" || u.get("group") === "true",
      where: u.getAll("where"),
      partners: u.get("partners") === "1",
      view: u.get("view") === "recommendations" ? "recommendations" : "passages",
    };
  }

  function toURL(p, partners) {
    const u = new URLSearchParams();
    if (p.q) u.set("q", p.q);
    if (p.mode && p.mode !== "hybrid") u.set("mode", p.mode);
    if (p.type) u.set("type", p.type);
    if (p.year_from) u.set("year_from", p.year_from);
    if (p.year_to) u.set("year_to", p.year_to);
    if (p.k && p.k !== "10") u.set("k", p.k);
    if (p.group) u.set("group", "1");
    for (const w of p.where || []) u.append("where", w);
    if (partners) u.set("partners", "1");
    if (state.view === "recommendations") u.set("view", "recommendations");
    const qs = u.toString();
    return qs ? `?${qs}` : location.pathname;
  }

  function searchParams(p) {
    const u = new URLSearchParams({ q: p.q, k: p.k, mode: p.mode });
    if (p.type) u.set("type", p.type);
    if (p.year_from) u.set("year_from", p.year_from);
    if (p.year_to) u.set("year_to", p.year_to);
    if (p.group) u.set("group", "true");
    for (const [name] of FACETS) u.append("facets", name);
    for (const w of p.where || []) u.append("where", w);
    return u;
  }

  // ---- search -------------------------------------------------------------------------------------

  async function runSearch(p, push) {
    if (!p.q.trim()) {
      setStatus(status, "Type a few words to search for.", true);
      input.focus();
      return;
    }
    const seq = ++state.seq;
    state.query = p.q;
    state.params = p;
    state.where = p.where || [];
    welcome.hidden = true;
    toggle.hidden = false;
    document.body.classList.add("searching");
    const partnersOpen = !panel.hidden;
    if (push) history.pushState(p, "", toURL(p, partnersOpen));
    document.title = `${p.q} — GFMD Search`;
    $("#tabs").hidden = false;
    setStatus(status, "Searching…");
    const recs = state.view === "recommendations";
    const list = recs ? recList : hitsList;
    list.setAttribute("aria-busy", "true");
    list.replaceChildren(...[0, 1, 2].map(() => el("li", { class: "skeleton", "aria-hidden": "true" })));
    try {
      const data = await api(recs ? `/recommendations?${recommendationParams(p)}` : `/search?${searchParams(p)}`);
      if (seq !== state.seq) return;
      if (recs) {
        facetNav.hidden = true;
        renderRecommendations(data);
      } else renderHits(data);
    } catch (error) {
      if (seq !== state.seq) return;
      list.replaceChildren();
      facetNav.hidden = true;
      renderActiveFilters(p);
      setStatus(status, error.message, true);
    } finally {
      if (seq === state.seq) list.removeAttribute("aria-busy");
    }
    if (partnersOpen) loadPartners();
  }

  // ---- facets: counts beside the hits, a click narrows, active filters removable -------------------

  function narrow(pair, add) {
    const p = Object.assign({}, state.params);
    const where = (p.where || []).filter((w) => w !== pair);
    p.where = add ? [...where, pair] : where;
    runSearch(p, true);
  }

  function renderActiveFilters(p) {
    const where = p.where || [];
    activeFilters.hidden = !where.length;
    activeFilters.replaceChildren(...where.map((pair) => {
      const [name, ...rest] = pair.split("=");
      const label = (FACETS.find(([n]) => n === name) || [name, name])[1];
      const b = el("button", { type: "button", class: "chip chip--active", "aria-label": `Remove filter ${label}: ${rest.join("=")}` },
        `${label}: ${rest.join("=")} ×`);
      b.addEventListener("click", () => narrow(pair, false));
      return b;
    }));
  }

  function renderFacets(data) {
    const counts = data.facets || {};
    const active = new Set(state.params.where || []);
    const groups = [];
    for (const [name, label] of FACETS) {
      const values = (counts[name] || []).filter((c) => !active.has(`${name}=${c.value}`)).slice(0, FACET_VALUES);
      if (!values.length) continue;
      const list = el("ul", { class: "facet__values" });
      for (const c of values) {
        const b = el("button", { type: "button", class: "facet__value", "data-facet": name, "data-value": c.value,
          title: `Only documents with ${label.toLowerCase()} ${c.value}` },
          el("span", { class: "facet__label" }, c.value), el("span", { class: "facet__count" }, String(c.count)));
        b.addEventListener("click", () => narrow(`${name}=${c.value}`, true));
        list.append(el("li", {}, b));
      }
      groups.push(el("section", { class: "facet", "data-facet": name }, el("h3", { class: "facet__title small" }, label), list));
    }
    facetNav.hidden = !groups.length;
    facetNav.replaceChildren(...groups);
  }

  function renderHits(data) {
    renderActiveFilters(state.params);
    renderFacets(data);
    const hits = data.hits || [];
    const secs = (data.took_ms / 1000).toFixed(2);
    if (!hits.length) {
      setStatus(status, "No passages found.");
      const tips = el("div", { class: "empty" },
        el("strong", {}, "Nothing matches yet. "),
        data.mode === "bm25"
          ? "Keyword search needs the exact words: try “Meaning” or “Best of both”, or fewer words."
          : "Try fewer or more general words, or remove the filters.");
      hitsList.replaceChildren(el("li", {}, tips));
      return;
    }
    const what = data.group ? plural(hits.length, "document") : plural(hits.length, "passage");
    setStatus(status, `${what} for “${data.query}” · ${secs} s`);
    hitsList.replaceChildren(...hits.map((hit, i) => renderHit(hit, i + 1)));
  }

  function renderHit(hit, rank) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.querySelector(".hit__rank").textContent = rank;
    node.querySelector(".hit__title").textContent = hit.title;
    const meta = node.querySelector(".hit__meta");
    meta.append(el("span", {}, hit.year ? String(hit.year) : "n.d."));
    if (hit.doc_type) meta.append(el("span", { class: "tag" }, hit.doc_type));
    meta.append(el("span", {}, pages(hit)));
    if (hit.kind && hit.kind !== "body") meta.append(el("span", { class: "tag" }, hit.kind));
    if (hit.section) meta.append(el("span", { class: "section" }, `§ ${hit.section}`));
    for (const [name, label] of FACETS.slice(0, 3)) {
      const values = (hit.facets || {})[name];
      if (values && values.length) meta.append(el("span", { class: "hit__facet", "data-facet": name, title: values.join(", ") },
        `${label}: ${values.slice(0, 4).join(", ")}${values.length > 4 ? "…" : ""}`));
    }
    setSnippet(node.querySelector(".hit__snippet"), hit.snippet);
    if (hit.also_in && hit.also_in.length) {
      const also = hit.also_in.map((a) => `${a.title}, p. ${a.page}`).join("; ");
      node.querySelector(".hit__snippet").after(el("div", { class: "hit__also" }, `also in: ${also}`));
    }

    const open = node.querySelector(".hit__open");
    if (hit.file_url) {
      open.href = hit.file_url;
      open.textContent = `Open source, p. ${hit.page}`;
      open.setAttribute("aria-label", `Open ${hit.title} at ${pages(hit)} (new tab)`);
    } else {
      open.remove();
    }
    const source = node.querySelector(".hit__source");
    const h = hit.source && host(hit.source);
    if (h) {
      source.href = hit.source;
      source.textContent = `${h} ↗`;
      source.setAttribute("aria-label", `Original publication on ${h} (new tab)`);
    } else {
      source.remove();
    }

    const full = node.querySelector(".hit__full");
    const more = node.querySelector(".hit__more");
    more.addEventListener("click", () => {
      const show = full.hidden;
      if (show && !full.textContent) full.textContent = hit.text;
      full.hidden = !show;
      more.setAttribute("aria-expanded", String(show));
      more.textContent = show ? "Hide passage" : "Full passage";
    });

    const related = node.querySelector(".hit__related");
    const relatedList = node.querySelector(".hit__related-list");
    related.addEventListener("click", async () => {
      const show = relatedList.hidden;
      relatedList.hidden = !show;
      related.setAttribute("aria-expanded", String(show));
      if (!show || relatedList.dataset.loaded) return;
      relatedList.replaceChildren(el("p", { class: "small muted" }, "Finding related passages in other documents…"));
      try {
        const data = await api(`/documents/${encodeURIComponent(hit.doc_id)}/similar?k=3`);
        relatedList.dataset.loaded = "1";
        renderRelated(relatedList, data.hits || []);
      } catch (error) {
        relatedList.replaceChildren(el("p", { class: "small status--error" }, error.message));
      }
    });
    return node;
  }

  // ---- recommendations ---------------------------------------------------------------------------

  function recommendationParams(p) {
    const u = new URLSearchParams({ q: p.q, k: p.k });
    if (p.type) u.set("type", p.type);
    if (p.year_from) u.set("year_from", p.year_from);
    if (p.year_to) u.set("year_to", p.year_to);
    return u;
  }

  function showView(view) {
    state.view = view;
    for (const [name, tab] of Object.entries(tabs)) tab.setAttribute("aria-selected", String(name === view));
    hitsList.hidden = view !== "passages";
    recList.hidden = view !== "recommendations";
  }

  function statusLabel(response) {
    if (!response) return ["none", "No response"];
    if (!response.status) return ["unread", "Response unreadable"];
    return [response.status.replace(/ /g, "-"), response.status.charAt(0).toUpperCase() + response.status.slice(1)];
  }

  function renderRecommendations(data) {
    const found = data.recommendations || [];
    if (!found.length) {
      setStatus(status, "No recommendations found.");
      recList.replaceChildren(el("li", {}, el("div", { class: "empty" }, "No recommendation matches: try other words or remove the filters.")));
      return;
    }
    setStatus(status, `${plural(found.length, "recommendation")} for “${data.query}”`);
    recList.replaceChildren(...found.map(renderRecommendation));
  }

  function renderRecommendation(r) {
    const [kind, label] = statusLabel(r.response);
    const head = el("div", { class: "rec__head" },
      el("span", { class: "rec__number" }, r.number ? `Recommendation ${r.number}` : "Recommendation"),
      el("span", { class: `status-badge status-badge--${kind}` }, label),
      el("span", { class: "small muted" }, `${r.title || r.doc_id} · p. ${r.page}`));
    if (r.file_url) head.append(el("a", { class: "small", href: r.file_url, target: "_blank", rel: "noopener" }, "open"));
    const text = el("p", { class: "rec__text" }, r.text.length > 600 ? r.text.slice(0, 600).replace(/\s+\S*$/, "") + "…" : r.text);
    const parts = [head, text];
    if ((r.addressees || []).length) {
      parts.push(el("div", { class: "rec__to small" }, el("span", { class: "muted" }, "To:"),
        ...r.addressees.map((a) => el("span", { class: "role addressee" }, a))));
    }
    if (r.response) {
      const line = el("div", { class: "rec__response small" }, el("span", { class: "muted" }, `Response (p. ${r.response.page}):`));
      if ((r.response.responsible || []).length) line.append(`responsible ${r.response.responsible.join("; ")}`);
      if (r.response.deadline) line.append(` · by ${r.response.deadline}`);
      parts.push(line);
    }
    if ((r.repeated_in || []).length) {
      parts.push(el("div", { class: "small muted" }, `Also in ${r.repeated_in.map((x) => `${x.doc_id} (p. ${x.page})`).join(", ")}`));
    }
    return el("li", { class: "rec" }, el("article", {}, ...parts));
  }

  function renderRelated(container, hits) {
    if (!hits.length) {
      container.replaceChildren(el("p", { class: "small muted" }, "No related passages in other documents."));
      return;
    }
    const list = el("ul", { class: "related", "aria-label": "Related passages in other documents" });
    for (const hit of hits) {
      const snippet = el("div", { class: "related__snippet" });
      snippet.textContent = hit.text.length > 260 ? hit.text.slice(0, 260).replace(/\s+\S*$/, "") + "…" : hit.text;
      const where = el("div", { class: "small muted" },
        el("span", { class: "related__title" }, hit.title), ` · ${hit.year || "n.d."} · ${pages(hit)} `);
      if (hit.file_url) where.append(el("a", { href: hit.file_url, target: "_blank", rel: "noopener" }, "open"));
      list.append(el("li", {}, where, snippet));
    }
    container.replaceChildren(el("p", { class: "small muted" }, "Related passages in other documents:"), list);
  }

  // ---- partners -------------------------------------------------------------------------------------

  function openPartners(open) {
    panel.hidden = !open;
    layout.classList.toggle("has-partners", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (state.params) history.replaceState(state.params, "", toURL(state.params, open));
    if (open) {
      loadPartners();
      if (window.matchMedia("(max-width: 900px)").matches) panel.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  async function loadPartners() {
    const p = state.params;
    if (!p || !p.q.trim()) return;
    const key = JSON.stringify([p.q, p.type, p.year_from, p.year_to]);
    if (state.partnersFor === key) return;
    state.partnersFor = key;
    const seq = ++state.pseq;
    $("#partners-for").textContent = `For “${p.q}”`;
    setStatus(partnerStatus, "Weighing the evidence…");
    partnerList.replaceChildren(...[0, 1, 2].map(() => el("li", { class: "skeleton", "aria-hidden": "true" })));
    const body = { text: p.q, k: 12 };
    if (p.type) body.doc_types = [p.type];
    if (p.year_from) body.year_from = Number(p.year_from);
    if (p.year_to) body.year_to = Number(p.year_to);
    try {
      const data = await api("/partners", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (seq !== state.pseq) return;
      state.partners = data.partners || [];
      state.partnersReason = data.reason ? `No partners found: ${data.reason}.` : "";
      state.typeFilter = "";
      renderPartnerTypes();
      renderPartners();
    } catch (error) {
      if (seq !== state.pseq) return;
      state.partnersFor = null;
      partnerList.replaceChildren();
      partnerTypes.replaceChildren();
      setStatus(partnerStatus, error.message, true);
    }
  }

  function renderPartnerTypes() {
    const types = [...new Set(state.partners.map((x) => x.type))];
    if (types.length < 2) {
      partnerTypes.replaceChildren();
      return;
    }
    const chip = (value, label) => {
      const b = el("button", { type: "button", class: "chip", "aria-pressed": String(state.typeFilter === value) }, label);
      b.addEventListener("click", () => {
        state.typeFilter = value;
        renderPartnerTypes();
        renderPartners();
      });
      return b;
    };
    partnerTypes.replaceChildren(chip("", "All"), ...types.map((t) => chip(t, t.charAt(0).toUpperCase() + t.slice(1))));
  }

  function renderPartners() {
    const shown = state.partners.filter((x) => !state.typeFilter || x.type === state.typeFilter);
    if (!shown.length) {
      setStatus(partnerStatus, state.partnersReason || "No actors are named in the passages that match this text.");
      partnerList.replaceChildren();
      return;
    }
    setStatus(partnerStatus, `${plural(shown.length, "actor")} with evidence`);
    const top = Math.max(...state.partners.map((x) => x.score), 1e-9);
    partnerList.replaceChildren(...shown.map((x) => renderPartner(x, top)));
  }

  function renderPartner(x, top) {
    const pct = Math.max(4, Math.round((100 * x.score) / top));
    const fill = el("span");
    fill.style.width = `${pct}%`; // CSSOM, which the page's CSP allows (inline style attributes it does not)
    const bar = el("div", { class: "partner__bar", role: "img", "aria-label": `relative strength ${pct} of 100` }, fill);
    const facts = el("div", { class: "partner__facts" }, el("span", {}, `in ${plural(x.documents, "document")}`));
    for (const role of x.roles || []) facts.append(el("span", { class: "role" }, role));
    const why = (x.explanation || []).length ? [el("div", { class: "partner__why" }, x.explanation.join("; "))] : [];
    const evidence = el("ol", { class: "evidence" });
    for (const ev of x.evidence || []) {
      const where = el("div", { class: "evidence__where" }, `${ev.title} · ${ev.year || "n.d."} · p. ${ev.page}`);
      if (ev.role) where.append(` · as ${ev.role}`);
      if (ev.file_url) where.append(" · ", el("a", { href: ev.file_url, target: "_blank", rel: "noopener" }, "open"));
      const snippet = el("div", { class: "evidence__snippet" });
      setSnippet(snippet, ev.snippet);
      evidence.append(el("li", {}, where, snippet));
    }
    const details = el("details", {}, el("summary", {}, `Evidence (${(x.evidence || []).length})`), evidence);
    return el("li", { class: "partner" },
      el("div", { class: "partner__top" }, el("span", { class: "partner__name" }, x.name), el("span", { class: "partner__type" }, x.type)),
      bar, facts, ...why, details);
  }

  // ---- filters from the index ---------------------------------------------------------------------

  async function loadStats() {
    try {
      const stats = await api("/stats");
      const type = $("#type");
      for (const [name, count] of Object.entries(stats.doc_types || {})) {
        if (![...type.options].some((o) => o.value === name)) {
          type.append(el("option", { value: name, title: plural(count, "document") }, name.charAt(0).toUpperCase() + name.slice(1)));
        }
      }
      for (const id of ["#year_from", "#year_to"]) {
        const select = $(id);
        for (const year of stats.years || []) {
          if (![...select.options].some((o) => o.value === String(year))) select.append(el("option", { value: String(year) }, String(year)));
        }
      }
      const initial = fromURL();
      writeForm(initial);
      $("#index-info").textContent = `${plural(stats.documents, "document")} · ${plural(stats.chunks, "passage")}`;
      if (stats.limits && stats.limits.max_query_chars) input.maxLength = stats.limits.max_query_chars;
    } catch (error) {
      if (error.status === 503) setStatus(status, error.message, true);
    }
  }

  // ---- events -----------------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch(readForm(), true);
  });
  for (const control of form.querySelectorAll("input[name=mode], select, #group")) {
    control.addEventListener("change", () => {
      if (input.value.trim()) runSearch(readForm(), true);
    });
  }
  $("#examples").addEventListener("click", (event) => {
    const chip = event.target.closest("[data-q]");
    if (!chip) return;
    input.value = chip.dataset.q;
    runSearch(readForm(), true);
  });
  for (const [name, tab] of Object.entries(tabs)) {
    tab.addEventListener("click", () => {
      if (state.view === name) return;
      showView(name);
      if (input.value.trim()) runSearch(readForm(), true);
    });
  }
  toggle.addEventListener("click", () => openPartners(panel.hidden));
  $("#partners-close").addEventListener("click", () => {
    openPartners(false);
    toggle.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && document.activeElement !== input && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
      event.preventDefault();
      input.focus();
      input.select();
    } else if (event.key === "Escape" && !panel.hidden && document.activeElement !== input) {
      openPartners(false);
    }
  });
  window.addEventListener("popstate", () => {
    const p = fromURL();
    writeForm(p);
    showView(p.view);
    if (p.q) {
      runSearch(p, false);
      if (p.partners !== !panel.hidden) openPartners(p.partners);
    } else {
      hitsList.replaceChildren();
      recList.replaceChildren();
      $("#tabs").hidden = true;
      document.body.classList.remove("searching");
      welcome.hidden = false;
      toggle.hidden = true;
      openPartners(false);
      setStatus(status, "");
    }
  });

  // On a phone the options fold away until asked for, unless some are set.
  if (window.matchMedia("(max-width: 640px)").matches) {
    const p = fromURL();
    if (!(p.type || p.year_from || p.year_to || p.group || (p.mode && p.mode !== "hybrid"))) $("#options").open = false;
  }

  // ---- start ------------------------------------------------------------------------------------------

  const initial = fromURL();
  writeForm(initial);
  showView(initial.view);
  loadStats().then(() => {
    const p = readForm();
    if (p.q) {
      runSearch(p, false).then(() => {
        if (initial.partners) openPartners(true);
      });
    } else {
      input.focus();
    }
  });
})();
