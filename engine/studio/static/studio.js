// collab studio: a little script over server-rendered pages. Polls the status; refreshes
// the Validation and Impact parts when the catalogue changes; evaluates the request form.
"use strict";
const page = document.body.dataset.page;
let version = Number(document.body.dataset.version);
let catalogue;  // the digest of the catalogue the page shows
// Every request that may change something carries the token of this start of the studio
// (engine/studio/guard.py): a page of another site cannot send it.
const token = document.querySelector('meta[name="collab-token"]').content;

function post(url, body) {
  return fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "X-Collab-Token": token},
                     body: JSON.stringify(body)});
}

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

// -- Impact: the revision compared with (a POST: a link cannot change it) ---------------
const revisionForm = document.getElementById("revision");
if (revisionForm) {
  revisionForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await post("/api/impact/revision", {revision: revisionForm.elements.rev.value});
    const problem = document.getElementById("revision-problem");
    if (response.ok) { location.reload(); return; }
    const text = await response.text();
    let message = text;
    try { const d = JSON.parse(text).diagnostics[0]; message = d.message + " (" + d.code + ")  hint: " + d.hint; } catch (e) { /* a refusal's plain text */ }
    problem.textContent = message;
    problem.hidden = false;
  });
}

// -- Request and plan -------------------------------------------------------------------
let lastBody = null;
let timer = null;
let asked = 0;  // answers may arrive out of order: only the latest question's is shown

async function evaluate(body, shared) {
  lastBody = body;
  const question = ++asked;
  const lang = document.getElementById("lang");
  if (lang) body.lang = lang.value;
  // A share link: the request itself travels in the address (an example's text, not its name,
  // which may change), after #, so it never reaches a server log.
  const link = {...(shared || body)};
  if (lang) link.lang = lang.value;
  history.replaceState(null, "", location.pathname + location.search + "#request=" + encodeURIComponent(JSON.stringify(link)));
  const share = document.getElementById("share");
  if (share) { share.href = location.href; share.hidden = false; }
  const response = await post("/plan/result", body);
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

// The list fields (tasks, subscriptions, collaborations, software...): a sub-form each, a row per
// item, added and removed by the person; drawn by the vendored @json-editor/json-editor from the
// field's JSON Schema (engine/studio/form.py). Filled once every one of them is ready.
const subforms = new Map();
let subformsReady = Promise.resolve();

function makeSubforms() {
  const holders = document.querySelectorAll("#request-form .subform");
  if (!holders.length || typeof JSONEditor === "undefined") return;
  const wordsNode = document.getElementById("form-words");
  const words = wordsNode ? JSON.parse(wordsNode.textContent) : {};
  // the form library's own words (its buttons) in the page's language
  JSONEditor.defaults.languages.studio = {...JSONEditor.defaults.languages.en, ...words};
  JSONEditor.defaults.language = "studio";
  const waits = [];
  for (const holder of holders) {
    const schema = JSON.parse(holder.querySelector("script").textContent);
    const place = document.createElement("div");
    holder.append(place);
    const editor = new JSONEditor(place, {
      schema: schema, theme: "html", iconlib: null, disable_collapse: true, disable_edit_json: true,
      disable_properties: true, disable_array_reorder: true, disable_array_delete_all_rows: true,
      show_opt_in: true, remove_empty_properties: true, prompt_before_delete: false,
      no_additional_properties: true, array_controls_top: false, compact: true,
    });
    subforms.set(holder.dataset.path, editor);
    waits.push(new Promise((resolve) => editor.on("ready", resolve)));
  }
  subformsReady = Promise.all(waits);
}

function isEmpty(value) {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0);
}

function formData() {
  const data = {};
  for (const field of document.querySelectorAll("#request-form [data-path]")) {
    if (field.closest("label, .field").hidden) continue;
    if (field.dataset.widget === "list") {
      const editor = subforms.get(field.dataset.path);
      const value = editor && editor.ready ? editor.getValue() : undefined;
      if (!isEmpty(value)) setPath(data, field.dataset.path, value);
      continue;
    }
    if (field.value.trim() === "") continue;
    let value = field.value;
    if (field.dataset.widget === "number") value = Number(value);
    else if (value === "true" || value === "false") value = value === "true";
    else if (field.dataset.path === "agreement_period") value = Number(value);
    setPath(data, field.dataset.path, value);
  }
  return data;
}

function fillForm(data) {
  for (const field of document.querySelectorAll("#request-form [data-path]")) {
    const value = getPath(data || {}, field.dataset.path);
    if (field.dataset.widget === "list") {
      const editor = subforms.get(field.dataset.path);
      if (editor) {
        editor.setValue(isEmpty(value) ? (editor.schema.type === "object" ? {} : []) : value);
        editor.filled = JSON.stringify(editor.getValue());  // its change event comes later: not the person's
      }
    } else if (value === undefined || value === null) field.value = "";
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
  const asked = () => { followService(); example.value = ""; later({request: formData()}); };
  form.addEventListener("input", asked);
  form.addEventListener("change", asked);
  makeSubforms();
  subformsReady.then(() => {
    for (const editor of subforms.values()) {
      editor.on("change", () => {
        if (editor.filled !== undefined && JSON.stringify(editor.getValue()) === editor.filled) return;
        editor.filled = undefined;
        asked();
      });
    }
  });
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
    await subformsReady;
    fillForm(found.data);
    example.value = name;
    evaluate({example: name}, {text: found.text || "", format: format.value});
  });
  // Another language: the page comes again in it (its labels too), with the same request.
  const lang = document.getElementById("lang");
  if (lang) lang.addEventListener("change", () => {
    if (lastBody) sessionStorage.setItem("collab-request", JSON.stringify(lastBody));
    location.search = "?lang=" + encodeURIComponent(lang.value);
  });
  const shared = location.hash.startsWith("#request=") ? decodeURIComponent(location.hash.slice(9)) : null;
  const kept = sessionStorage.getItem("collab-request") || shared;
  sessionStorage.removeItem("collab-request");
  let body = null;
  try { body = kept ? JSON.parse(kept) : null; } catch (error) { body = null; }  // a link cut short
  if (body && typeof body === "object") {
    if (body.example) {
      example.value = body.example;
      example.dispatchEvent(new Event("change"));
    } else {
      if (typeof body.text === "string") {
        text.value = body.text;
        format.value = body.format || "yaml";
        showTab("text");  // what the link holds, as it was written
      }
      if (body.request) subformsReady.then(() => fillForm(body.request));
      evaluate(body);
    }
  }
  followService();
}

poll();

// -- Catalogue: search, and the rule buttons (copy, move, delete: previewed, then saved) ---
const search = document.getElementById("catalogue-search");
if (search) {
  search.addEventListener("input", () => {
    const words = search.value.trim().toLowerCase();
    document.querySelectorAll(".searchable").forEach((item) => {
      item.hidden = words !== "" && !item.textContent.toLowerCase().includes(words);
    });
  });
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest(".rule-actions button");
  if (!button) return;
  const actions = button.closest(".rule-actions");
  const ask = {file: actions.dataset.file, rule: actions.dataset.rule, action: button.dataset.action};
  const preview = await (await post("/api/edit/rule", ask)).json();
  if (preview.refused && !preview.savable) {
    alert(preview.refused.map((d) => `${d.message} (${d.code})`).join("\n"));
    return;
  }
  const impact = preview.impact ? `${preview.impact.changed} of ${preview.impact.compared} request(s) get a different plan.` : "";
  const problems = (preview.diagnostics || []).filter((d) => d.severity === "error").map((d) => d.message).join("\n");
  if (!preview.savable) { alert(`Not possible: ${problems}`); return; }
  if (!confirm(`${ask.action} ${ask.rule}: the catalogue stays valid. ${impact}\nSave?`)) return;
  const saved = await (await post("/api/edit/rule", {...ask, base: preview.base, save: true})).json();
  if (saved.saved) location.reload(); else alert("Not saved: " + JSON.stringify(saved.refused || saved.error));
});

// -- Impact: a person accepts a changed plan as the expected plan of a new case -----------
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.accept-case");
  if (!button) return;
  const by = prompt("Who reviewed this plan?");
  if (!by) return;
  const why = prompt("Why is it right? The help page and line (e.g. [003] L88), or the README Decisions entry:");
  if (!why) return;
  const answer = await (await post("/api/cases/accept", {request: button.dataset.request, by: by, why: why})).json();
  button.replaceWith(document.createTextNode(answer.case ? `written: ${answer.case}` :
    "not written: " + (answer.refused || []).map((d) => d.message).join("; ")));
});
