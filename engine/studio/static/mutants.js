// collab studio: the Mutants page. Runs the mutation test on the saved catalogue and its cases,
// shows each survivor's suggested request with the catalogue's plan and the mutant's side by
// side, and writes a suggestion as a case only when a person accepts it, saying who and why.
"use strict";
(function () {
  const runButton = document.getElementById("mutants-run");
  if (!runButton) return;
  const state = document.getElementById("mutants-state");
  const score = document.getElementById("mutants-score");
  const failing = document.getElementById("mutants-failing");
  const out = document.getElementById("mutants-suggestions");
  const by = document.getElementById("mutants-by");
  by.value = localStorage.getItem("collab-reviewer") || "";
  by.addEventListener("change", () => localStorage.setItem("collab-reviewer", by.value));

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function refusal(answer, response) {
    if (answer.refused) return answer.refused.map((d) => `${d.message} (${d.code})` + (d.hint ? ` — ${d.hint}` : "")).join("; ");
    return answer.error || response.statusText;
  }

  function suggestion(item, index) {
    const section = element("section", "suggestion group");
    section.dataset.name = item.name;
    section.dataset.kind = item.kind;
    if (item.kind === "changed") {  // a case whose plan the catalogue changed
      section.append(element("h3", "", `${index + 1}. ${item.case}: its plan changed`),
                     element("p", "muted", `${item.description} — request: ${item.summary}`));
    } else {
      section.append(element("h3", "", `${index + 1}. ${item.summary}`));
      const killed = element("ul", "changes");
      for (const mutant of item.mutants) killed.append(element("li", "", mutant));
      section.append(element("p", "muted", "Tells these surviving changes from the catalogue:"), killed);
    }
    const plans = element("div", "side-by-side");
    plans.innerHTML = item.plans;  // difflib.HtmlDiff's table, made by the server from escaped text
    section.append(plans);
    if (item.request) {
      const request = element("details");
      request.append(element("summary", "", "the request"), element("pre", "", JSON.stringify(item.request, null, 2)));
      section.append(request);
    }
    const bar = element("div", "toolbar");
    const why = element("input", "why");
    why.size = 60;
    const button = element("button", "accept-suggestion", item.kind === "changed" ? "Accept the new plan" : "Accept as a case");
    button.type = "button";
    const result = element("span", "result muted");
    bar.append(element("span", "", "Why it is right (the help page and line, or the README Decision): "),
               why, button, result);
    section.append(bar);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const response = await post("/api/cases/accept", {suggestion: item, by: by.value, why: why.value});
      let answer;
      try { answer = await response.json(); } catch (error) { answer = {error: await response.text()}; }
      if (answer.case) {
        result.textContent = `written: ${answer.case}`;
        result.className = "result accepted";
        why.disabled = true;
      } else {
        result.textContent = "not written: " + refusal(answer, response);
        result.className = "result refused";
        button.disabled = false;
      }
    });
    return section;
  }

  runButton.addEventListener("click", async () => {
    runButton.disabled = true;
    state.textContent = "running the mutation test on the saved catalogue…";
    out.replaceChildren();
    failing.hidden = true;
    score.hidden = true;
    const response = await post("/api/mutants/run", {});
    let answer;
    try { answer = await response.json(); } catch (error) { answer = {error: response.statusText}; }
    runButton.disabled = false;
    if (!response.ok) { state.textContent = "not run: " + refusal(answer, response); return; }
    score.hidden = false;
    score.className = "summary " + (answer.survived ? "warn" : "good");
    score.dataset.score = answer.score;
    score.textContent = `Mutation score: ${answer.score}% — ${answer.mutants} mutant(s) of ${answer.rules} rules ` +
      `against ${answer.cases} case(s): ${answer.killed} killed, ${answer.survived} survived, ` +
      `${answer.equivalent} equivalent over the generated space, ${answer.allowed} allowed`;
    if (answer.failing && answer.failing.length) {  // a case that cannot run: fix it in its file
      failing.hidden = false;
      failing.replaceChildren(...answer.failing.map((line) => element("li", "diagnostic error", line)));
      state.textContent = "a case cannot run: fix it first";
      return;
    }
    if (answer.failing) {  // cases whose plan changed: no mutants ran until they are reviewed
      score.hidden = true;
      state.textContent = `${answer.suggestions.length} case(s) get another plan than they expect: ` +
        "review each, accept the plans that are right, then run again";
    } else {
      state.textContent = answer.suggestions.length ?
        `${answer.suggestions.length} request(s) offered as cases` : "no survivor has a request to offer";
    }
    answer.suggestions.forEach((item, index) => out.append(suggestion(item, index)));
  });
})();
