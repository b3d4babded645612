/* The API reference page: renders this server's /openapi.json (no Swagger UI: it would need a CDN). */
"use strict";

(async function () {
  const root = document.getElementById("endpoints");
  const el = (tag, cls, text) => {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  };
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (e) {
    root.replaceChildren(el("p", "status status--error", "Could not load /openapi.json."));
    return;
  }
  document.getElementById("api-summary").textContent = `${spec.info.title} ${spec.info.version}: ${spec.info.summary || ""}`;

  const resolve = (schema) => {
    if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()];
    return schema || {};
  };
  const typeOf = (schema) => {
    schema = schema || {};
    if (schema.$ref) return schema.$ref.split("/").pop();
    if (schema.anyOf) return schema.anyOf.map(typeOf).filter((t) => t !== "null").join(" | ");
    if (schema.enum) return schema.enum.join(" | ");
    if (schema.type === "array") return `${typeOf(schema.items)}[]`;
    return schema.type || "any";
  };
  const exampleOf = (schema) => {
    const s = resolve(schema);
    if (s.examples && s.examples.length) return s.examples[0];
    if (s.example) return s.example;
    return null;
  };

  /* A little Markdown: paragraphs, "* " bullet lists and `code` (built as DOM nodes, never as HTML). */
  const inline = (node, text) => {
    text.split(/(`[^`]+`)/).forEach((part) => {
      if (part.startsWith("`") && part.endsWith("`") && part.length > 1) node.append(el("code", null, part.slice(1, -1)));
      else if (part) node.append(document.createTextNode(part));
    });
    return node;
  };
  const markdown = (node, text) => {
    for (const block of (text || "").trim().split(/\n\s*\n/)) {
      const lines = block.split("\n").map((l) => l.trim());
      if (lines.every((l) => l.startsWith("* "))) {
        const ul = el("ul");
        for (const l of lines) ul.append(inline(el("li"), l.slice(2)));
        node.append(ul);
      } else {
        node.append(inline(el("p"), lines.join(" ")));
      }
    }
  };

  const sections = [];
  const intro = el("section", "endpoint");
  intro.append(el("h2", null, "Overview"));
  markdown(intro, spec.info.description);
  sections.push(intro);

  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const card = el("section", "endpoint");
      const title = el("h2");
      title.append(el("span", `verb verb--${method}`, method.toUpperCase()), el("code", null, path));
      if (op.summary) title.append(el("span", "muted small", `— ${op.summary}`));
      card.append(title);
      if (op.description) markdown(card, op.description);
      if (op.security) card.append(el("p", "small", "Needs Authorization: Bearer <api_token> (off when no token is configured)."));
      const params = op.parameters || [];
      if (params.length) {
        const table = el("table");
        const head = el("tr");
        for (const h of ["parameter", "in", "type", "description"]) head.append(el("th", null, h));
        table.append(head);
        for (const p of params) {
          const row = el("tr");
          row.append(el("td", null, "").appendChild(el("code", null, p.name + (p.required ? " *" : ""))).parentNode);
          row.append(el("td", null, p.in), el("td", null, typeOf(p.schema)),
            inline(el("td"), p.description || (p.schema && p.schema.description) || ""));
          table.append(row);
        }
        const wrap = el("div", "table-wrap");
        wrap.append(table);
        card.append(wrap);
      }
      const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (body) {
        card.append(el("p", "small", `Body: ${typeOf(body.schema)} (JSON)`));
        const ex = exampleOf(body.schema);
        if (ex) card.append(el("pre", null, JSON.stringify(ex, null, 2)));
      }
      const codes = Object.keys(op.responses || {}).join(", ");
      card.append(el("p", "small muted", `Responses: ${codes}`));
      const ok = op.responses && op.responses["200"] && op.responses["200"].content && op.responses["200"].content["application/json"];
      if (ok && ok.schema) {
        const s = resolve(ok.schema);
        const props = Object.keys(s.properties || {});
        if (props.length) card.append(el("p", "small muted", `${typeOf(ok.schema)}: ${props.join(", ")}`));
      }
      sections.push(card);
    }
  }
  root.replaceChildren(...sections);
})();
