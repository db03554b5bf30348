// collab studio: the editing page. The form is generated from the catalogue's own JSON Schema
// (@json-editor/json-editor, MIT); a preview shows the file before and after, the diagnostics
// and the plans the edit changes; a save is the same request, written only when it is safe.
"use strict";
(function () {
  const root = document.getElementById("edit");
  if (!root) return;
  const schema = JSON.parse(document.getElementById("edit-schema").textContent);
  const value = JSON.parse(document.getElementById("edit-value").textContent);
  const at = JSON.parse(document.getElementById("edit-at").textContent);
  const textArea = document.getElementById("edit-text");
  const state = document.getElementById("edit-state");
  const saveButton = document.getElementById("save");
  let base = root.dataset.base || null;
  let mode = "form";
  const editor = new JSONEditor(document.getElementById("edit-form"), {
    schema: schema, startval: value, theme: "html", iconlib: null, disable_collapse: true,
    disable_properties: false, disable_edit_json: true, show_opt_in: true, remove_empty_properties: true,
    prompt_before_delete: false, no_additional_properties: true, keep_oneof_values: false,
  });
  window.collabEditor = editor;  // for tests and the console: the form's JSONEditor
  editor.on("change", () => { saveButton.disabled = true; state.textContent = "changed: preview before saving"; });
  textArea.addEventListener("input", () => { saveButton.disabled = true; });

  document.querySelectorAll("#edit .tabs button").forEach((button) => button.addEventListener("click", () => {
    mode = button.dataset.tab;
    document.querySelectorAll("#edit .tabs button").forEach((b) => b.classList.toggle("here", b === button));
    document.querySelectorAll("#edit .tab").forEach((tab) => { tab.hidden = tab.dataset.tab !== mode; });
  }));

  function change() {
    const file = root.dataset.new ? document.getElementById("new-file").value : root.dataset.file;
    if (mode === "text") return {file: file, base: base, text: textArea.value};
    if (root.dataset.insert) return {file: file, base: base, edits: [{op: "insert", path: at, value: editor.getValue()}]};
    return {file: file, base: base, data: editor.getValue(), at: at};
  }

  function list(items) {
    const ul = document.createElement("ul");
    ul.className = "diagnostics";
    for (const d of items) {
      const li = document.createElement("li");
      li.className = d.severity;
      li.textContent = `${d.file}${d.line ? ":" + d.line : ""}: [${d.severity}] ${d.message} (${d.code})` +
        (d.hint ? ` — ${d.hint}` : "");
      ul.append(li);
    }
    return ul;
  }

  function heading(text) { const h = document.createElement("h2"); h.textContent = text; return h; }

  function table(html) {  // difflib.HtmlDiff's table: made by the server, from escaped text
    const div = document.createElement("div");
    div.className = "side-by-side";
    div.innerHTML = html;
    return div;
  }

  function show(result) {
    const out = document.getElementById("proposal");
    out.replaceChildren();
    if (result.saved) out.append(heading("Saved" + (result.generated && result.generated.length ?
      `; regenerated ${result.generated.join(", ")}` : "")));
    if (result.conflict !== undefined && result.conflict !== null) {
      out.append(heading("The file changed on disk since this page read it"),
                 table(result.conflict_diff));
    }
    if (result.refused && !result.saved) out.append(heading("Not saved"), list(result.refused));
    if (result.file_diff !== undefined) out.append(heading("The file"), table(result.file_diff));
    if (result.diagnostics && result.diagnostics.length) {
      out.append(heading(result.valid ? "Validation: valid, with findings" : "Validation: invalid"),
                 list(result.diagnostics));
    } else if (result.valid) {
      out.append(heading("Validation: valid"));
    }
    if (result.impact) {
      const impact = result.impact;
      out.append(heading(`Impact: ${impact.changed} of ${impact.compared} request(s) get a different plan`));
      if (impact.newly_valid) {
        const p = document.createElement("p");
        p.textContent = `${impact.newly_valid} request(s) are valid now that the saved catalogue refused.`;
        out.append(p);
      }
      for (const group of impact.groups) {
        const section = document.createElement("section");
        section.className = "group";
        const h = document.createElement("h3");
        h.textContent = `${group.count} request(s), e.g. ${group.example}`;
        const ul = document.createElement("ul");
        for (const line of group.changes) { const li = document.createElement("li"); li.textContent = line; ul.append(li); }
        section.append(h, ul);
        const plans = impact.plans.find((p) => p.request === group.example);
        if (plans) section.append(table(plans.diff));
        out.append(section);
      }
    }
    saveButton.disabled = !result.savable;
    state.textContent = result.saved ? "saved" : result.savable ? "ready to save" : "cannot be saved as it is";
    if (result.saved) {
      base = result.digest;
      root.dataset.new = "";
      if (root.dataset.insert) {  // saved once: from now on the page edits that rule in place
        root.dataset.insert = "";
        location.href = `/edit?file=${encodeURIComponent(root.dataset.file)}&rule=${encodeURIComponent(editor.getValue().id)}`;
      }
    }
  }

  async function send(url) {
    state.textContent = "checking the edited catalogue and its plans…";
    saveButton.disabled = true;
    const response = await post(url, change());
    let result;
    try { result = await response.json(); } catch (error) { result = {refused: [{file: "", line: 0, severity: "error", message: response.statusText, code: String(response.status)}]}; }
    if (result.error) result = {refused: [{file: "", line: 0, severity: "error", message: result.error, code: String(response.status)}]};
    show(result);
  }
  document.getElementById("preview").addEventListener("click", () => send("/api/edit/preview"));
  saveButton.addEventListener("click", () => send("/api/edit/save"));
})();
