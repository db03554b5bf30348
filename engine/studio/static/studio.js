// collab studio: a little script over server-rendered pages. Polls the status; refreshes
// the Validation and Impact parts when the catalogue changes; evaluates the request form.
"use strict";
const page = document.body.dataset.page;
let version = Number(document.body.dataset.version);
let catalogue;  // the digest of the catalogue the page shows

async function poll() {
  try {
    const status = await (await fetch("/api/status")).json();
    const impact = status.impact;
    const validation = status.validation;
    document.getElementById("status").textContent = "read-only · " +
      (validation.errors ? validation.errors + " error(s)" : validation.analysed ? "valid" : "validating…") +
      (validation.errors ? "" : " · impact " + (impact.done ? impact.changed + " changed" :
                                                impact.compared + (impact.total ? "/" + impact.total : "") + "…"));
    const changed = catalogue !== undefined && status.catalogue !== catalogue;
    catalogue = status.catalogue;
    if (status.version !== version) {
      version = status.version;
      await refreshPart(changed);
    }
  } catch (error) {
    document.getElementById("status").textContent = "the studio is not answering";
  }
  setTimeout(poll, 250);
}

async function refreshPart(catalogueChanged) {
  const content = document.getElementById("content");
  if (page === "validation" || page === "impact") {
    const response = await fetch(location.pathname + "?part=1");
    content.innerHTML = await response.text();
  } else if (page === "catalogue" && document.getElementById("flows-pending")) {
    location.reload();
  } else if (page === "plan" && lastBody && catalogueChanged) {
    evaluate(lastBody);  // the same request, planned with the saved catalogue
  }
}

// -- Impact: a request's plan before and after -------------------------------------------
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a.request");
  if (!link) return;
  event.preventDefault();
  const aside = document.getElementById("before-after");
  const response = await fetch("/api/impact/request?request=" + encodeURIComponent(link.dataset.request));
  const found = await response.json();
  aside.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = link.dataset.request;
  aside.append(title);
  for (const side of ["old", "new"]) {
    const heading = document.createElement("h4");
    heading.textContent = side === "old" ? "Before" : "After";
    const text = document.createElement("pre");
    text.className = "plan-" + side;
    text.textContent = found.error ? found.error : (found[side] ? found[side].text : "(invalid under this catalogue)");
    aside.append(heading, text);
  }
});

// -- Request and plan -------------------------------------------------------------------
let lastBody = null;
let timer = null;
let asked = 0;  // answers may arrive out of order: only the latest question's is shown

async function evaluate(body) {
  lastBody = body;
  const question = ++asked;
  const lang = document.getElementById("lang");
  if (lang) body.lang = lang.value;
  const response = await fetch("/plan/result", {method: "POST", headers: {"Content-Type": "application/json"},
                                                body: JSON.stringify(body)});
  const text = await response.text();
  if (question !== asked) return;
  const result = document.getElementById("result");
  if (response.headers.get("content-type").startsWith("application/json")) {
    const problem = JSON.parse(text);
    result.replaceChildren();
    const list = document.createElement("ul");
    list.className = "diagnostics";
    for (const d of problem.diagnostics || []) {
      const item = document.createElement("li");
      item.className = "diagnostic error";
      item.textContent = d.file + ": [" + d.severity + "] " + d.message + " (" + d.code + ")  hint: " + d.hint;
      list.append(item);
    }
    result.append(list);
  } else {
    result.innerHTML = text;
  }
}

function later(body) {
  clearTimeout(timer);
  timer = setTimeout(() => evaluate(body), 250);
}

function setPath(data, path, value) {
  const keys = path.split(".");
  let node = data;
  for (const key of keys.slice(0, -1)) node = node[key] = node[key] || {};
  node[keys[keys.length - 1]] = value;
}

function getPath(data, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), data);
}

function formData() {
  const data = {};
  for (const field of document.querySelectorAll("#request-form [data-path]")) {
    if (field.closest("label").hidden || field.value.trim() === "") continue;
    let value = field.value;
    if (field.dataset.widget === "number") value = Number(value);
    else if (field.dataset.widget === "json") { try { value = JSON.parse(value); } catch (e) { /* the plan names it */ } }
    else if (value === "true" || value === "false") value = value === "true";
    else if (field.dataset.path === "agreement_period") value = Number(value);
    setPath(data, field.dataset.path, value);
  }
  return data;
}

function fillForm(data) {
  for (const field of document.querySelectorAll("#request-form [data-path]")) {
    const value = getPath(data || {}, field.dataset.path);
    if (value === undefined || value === null) field.value = "";
    else if (field.dataset.widget === "json") field.value = JSON.stringify(value);
    else field.value = String(value);
  }
  const variant = document.querySelector('[data-path="variant"]');
  const service = getPath(data || {}, "service");
  if (variant && data && data.variant) {  // the same id may name variants of several services
    for (const option of variant.options) {
      if (option.value === data.variant && option.dataset.service === service) option.selected = true;
    }
  }
  followService();
}

function followService() {
  const service = document.querySelector('[data-path="service"]');
  if (!service) return;
  for (const option of document.querySelectorAll('[data-path="variant"] option[data-service]')) {
    option.hidden = option.dataset.service !== service.value;
  }
  for (const label of document.querySelectorAll("label[data-for-service]")) {
    label.hidden = label.dataset.forService !== service.value;
  }
}

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.dataset.tab !== name;
  for (const button of document.querySelectorAll(".tabs button")) button.classList.toggle("here", button.dataset.tab === name);
}

if (page === "plan" && document.getElementById("request-form")) {
  const form = document.getElementById("request-form");
  const text = document.getElementById("request-text");
  const format = document.getElementById("text-format");
  const example = document.getElementById("example");
  form.addEventListener("input", () => { followService(); example.value = ""; later({request: formData()}); });
  form.addEventListener("change", () => { followService(); example.value = ""; later({request: formData()}); });
  text.addEventListener("input", () => { example.value = ""; later({text: text.value, format: format.value}); });
  format.addEventListener("change", () => later({text: text.value, format: format.value}));
  for (const button of document.querySelectorAll(".tabs button")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  example.addEventListener("change", async () => {
    if (!example.value) return;
    const name = example.value;
    const found = await (await fetch("/api/examples/" + encodeURIComponent(name))).json();
    text.value = found.text || "";
    format.value = name.endsWith(".json") ? "json" : "yaml";
    fillForm(found.data);
    example.value = name;
    evaluate({example: name});
  });
  // Another language: the page comes again in it (its labels too), with the same request.
  const lang = document.getElementById("lang");
  if (lang) lang.addEventListener("change", () => {
    if (lastBody) sessionStorage.setItem("collab-request", JSON.stringify(lastBody));
    location.search = "?lang=" + encodeURIComponent(lang.value);
  });
  const kept = sessionStorage.getItem("collab-request");
  sessionStorage.removeItem("collab-request");
  if (kept) {
    const body = JSON.parse(kept);
    if (body.example) {
      example.value = body.example;
      example.dispatchEvent(new Event("change"));
    } else {
      if (typeof body.text === "string") { text.value = body.text; format.value = body.format || "yaml"; }
      if (body.request) fillForm(body.request);
      evaluate(body);
    }
  }
  followService();
}

poll();
