"""Every diagnostic code the tool emits, what it means, and an example of it.

`collab docs` writes this table to docs/catalogue/error-codes.md; tests/test_codes.py checks
that every code used in the source is listed here (and every listed one used);
tests/catalogue/test_broken_catalogues.py that every catalogue code has a broken-catalogue case.
"""

from __future__ import annotations

from typing import NamedTuple


class CodeInfo(NamedTuple):
    meaning: str
    example: str


CODES: dict[str, CodeInfo] = {
    # files
    "IO001": CodeInfo("A file or folder does not exist.",
                      "examples/missing.yaml: [error] file not found (IO001)"),
    "IO002": CodeInfo("A folder was given where a file is expected.",
                      "examples: [error] is a directory, not a file (IO002)"),
    "IO003": CodeInfo("A file cannot be read (permissions, a broken link).",
                      "request.yaml: [error] cannot be read: Permission denied (IO003)"),
    "IO004": CodeInfo("A file is larger than the 2 MB the tool reads.",
                      "huge.yaml: [error] is 3,145,728 bytes; files over 2,000,000 bytes are refused (IO004)"),
    "IO005": CodeInfo("A file is not UTF-8 text.",
                      "request.yaml:11:15: [error] is not UTF-8 (byte 0xF6 cannot be decoded) (IO005)"),
    "IO006": CodeInfo("An output cannot be written: disk full, file size limit, permissions, a "
                      "parent that is a file, standard output closed (exit 2).",
                      "plans.jsonl: [error] cannot write: No space left on device (IO006)"),
    "IO007": CodeInfo("A device, pipe or socket was given where a regular file is expected "
                      "(a catalogue file, `collab batch`'s input other than a pipe).",
                      "services/x.yaml: [error] is a device, not a regular file (IO007)"),
    # YAML
    "YAML001": CodeInfo("The YAML syntax is broken (tabs, an unclosed bracket, bad indentation).",
                        "services/scanner.yaml:12:4: [error] wrong indentation: `paying:` is indented 3 spaces; expected 4 (as `name:` on line 11) or 0 (as `variants:` on line 9) (YAML001)"),
    "YAML002": CodeInfo("The file is empty.", "rules/99-new.yaml: [error] the file is empty (YAML002)"),
    "YAML003": CodeInfo("A key is written twice in one mapping; YAML would silently keep the last.",
                        "services/lon_smart.yaml:14:5: [error] duplicate key 'paying' (first written on line 12) (YAML003)"),
    "YAML004": CodeInfo("A file too large once expanded: an alias loop, more than 100,000 values after aliases (\"billion laughs\"), or nesting over 50 levels.",
                        "services/x.yaml:5:9: [error] an alias refers to a value that contains it (a loop) (YAML004)"),
    "YAML005": CodeInfo("A YAML merge key (`<<:`), which catalogue and request files do not use.",
                        "services/x.yaml:4:3: [error] `<<:` is a YAML merge key (it copies the fields of another mapping in), which catalogue files do not use (YAML005)"),
    "YAML006": CodeInfo("A plain number YAML reads otherwise than it looks: 012 (octal: 10), 1:30 (base 60: 90), 0x1F (hexadecimal).",
                        "request.yaml:7:19: [error] YAML reads 012 as the octal (base 8) number 10 (YAML006)"),
    # catalogue
    "CAT001": CodeInfo("The folder has no services/ or rules/: it is not a catalogue.",
                       "my-folder: [error] no rules/ folder: this is not a catalogue (CAT001)"),
    "CAT002": CodeInfo("A catalogue file does not have the right shape: an unknown or missing field, a wrong type.",
                       "services/eekonomi.yaml:20:5: [error] unknown field 'payng' (CAT002)"),
    "CAT003": CodeInfo("rules/pipeline.yaml or rules/domain.yaml is missing.",
                       "rules/pipeline.yaml: [error] required file is missing (CAT003)"),
    "CAT004": CodeInfo("A file with errors is left out of the checks between files; the others are still checked (a note).",
                       "services/scanner.yaml: [note] left out of the checks between files until its errors are fixed (CAT004)"),
    "CAT010": CodeInfo("Two service files declare the same service id.",
                       "services/eekonomi-copy.yaml:2:1: [error] service 'eekonomi' is declared twice (CAT010)"),
    "CAT011": CodeInfo("A service declares the same variant id twice.",
                       "services/eekonomi.yaml:30:7: [error] variant 'smart' is declared twice in eekonomi (CAT011)"),
    "CAT012": CodeInfo("A variant is named that the service does not have.",
                       "rules/20-defaults.yaml:40:7: [error] unknown variant 'strat' of lon_smart (CAT012)"),
    "CAT013": CodeInfo("A service is named that the catalogue does not have.",
                       "services/fakturering_administration.yaml:9:11: [error] unknown service 'scaner' (CAT013)"),
    "CAT014": CodeInfo("A variant disables an add-on the service does not have.",
                       "services/lon_smart.yaml:31:9: [error] service 'eekonomi' has no add-on 'lon_direct' (CAT014)"),
    "CAT015": CodeInfo("Services bundle each other in a cycle.",
                       "services/scanner.yaml:6:11: [error] bundle cycle: ekonomioversikt includes scanner again (CAT015)"),
    "CAT016": CodeInfo("A rule sets a fact that rules cannot decide.",
                       "rules/20-defaults.yaml:9:7: [error] rules cannot decide 'customer.name' (CAT016)"),
    "CAT017": CodeInfo("A comparison gives more or fewer than one operator.",
                       "rules/30-preconditions.yaml:23:7: [error] a comparison on 'task.count' needs exactly one of not, in, not_in, present, gt, gte, lt, lte (CAT017)"),
    "CAT020": CodeInfo("Two rules have the same id.",
                       "rules/50-changes.yaml:8:5: [error] rule id 'upgrade-in-advisor' is used twice (CAT020)"),
    "CAT021": CodeInfo("A rule file names a stage the pipeline does not have.",
                       "rules/45-extra.yaml:1:8: [error] unknown stage 'decde' (CAT021)"),
    "CAT022": CodeInfo("A step names a phase the pipeline does not have.",
                       "rules/40-activation.yaml:14:18: [error] unknown phase 'aprove' (CAT022)"),
    "CAT023": CodeInfo("A rule reads or sets a fact that does not exist.",
                       "rules/30-preconditions.yaml:12:7: [error] unknown fact 'task.cout' (CAT023)"),
    "CAT024": CodeInfo("A rule does nothing: no set, steps, warnings, reject or outcome.",
                       "rules/40-activation.yaml:30:7: [error] rule 'x' does nothing (CAT024)"),
    "CAT025": CodeInfo("A rule compares a fact with a value outside the fact's values.",
                       "rules/30-preconditions.yaml:11:7: [error] 'activte' is not a value of 'operation' (CAT025)"),
    "CAT026": CodeInfo("A rule names a scenario the pipeline does not declare.",
                       "rules/40-activation.yaml:9:17: [error] 'subscribr' is not a value of 'scenario' (CAT026)"),
    "CAT027": CodeInfo("A source cites a domain fact that rules/domain.yaml does not have.",
                       "rules/50-changes.yaml:7:15: [error] unknown domain fact D99 (CAT027)"),
    "CAT028": CodeInfo("A text uses a {placeholder} that is not a fact.",
                       "rules/40-activation.yaml:18:17: [error] unknown fact '{customer.nam}' in text (CAT028)"),
    "CAT029": CodeInfo("A rule compares a fact with a value of the wrong type.",
                       "rules/30-preconditions.yaml:12:7: [error] 'task.count' is int, but '0' is str (CAT029)"),
    "CAT030": CodeInfo("rules/domain.yaml lists a domain fact twice.",
                       "rules/domain.yaml:40:9: [error] domain fact D7 is listed twice (CAT030)"),
    "CAT031": CodeInfo("The pipeline lists a stage, phase, scenario or operation twice.",
                       "rules/pipeline.yaml:20:9: [error] phase 'system' is listed twice (CAT031)"),
    "CAT040": CodeInfo("A domain fact is cited by nothing in the catalogue (warning).",
                       "rules/domain.yaml:120:5: [warning] domain fact D26 is cited by no service, rule or pipeline entry (CAT040)"),
    "CAT041": CodeInfo("A YAML file in services/ or rules/ that the catalogue does not read: not `*.yaml`, or in a subfolder (warning).",
                       "rules/sub/extra.yml: [warning] not read: the catalogue is the *.yaml files directly in services/ and rules/ (CAT041)"),
    "CAT060": CodeInfo("A rule is beyond what the rules engine (durable-rules) can run: too many lists, `in`s, `not_in`s or `any` alternatives in one rule.",
                       "rules/80-extra.yaml:3:1: [error] rule 'big' is beyond what the rules engine can run: more than 14 lists, `in`s, `not_in`s and `any` alternatives in one rule (CAT060)"),
    "CAT050": CodeInfo("A text of the catalogue has no version in a language the pipeline declares "
                       "(`languages:`).",
                       "rules/40-activation.yaml:31:11: [error] text has no 'sv': the catalogue is written in en, sv (CAT050)"),
    "CAT051": CodeInfo("A glossary entry (screen, value or label) has no version in a declared language.",
                       "rules/pipeline.yaml:12:5: [error] glossary screen 'customers' has no 'sv': the catalogue is written in en, sv (CAT051)"),
    "CAT052": CodeInfo("A text or glossary entry is written in a language the pipeline does not declare "
                       "(warning).",
                       "rules/60-ending.yaml:9:9: [warning] text in 'de', which the catalogue does not declare (CAT052)"),
    "CAT053": CodeInfo("A text names a screen the glossary does not declare (`{screen.<id>}`).",
                       "rules/60-ending.yaml:17:13: [error] unknown screen '{screen.customer}' in text (CAT053)"),
    "CAT055": CodeInfo("A text is a plain string in a catalogue of several languages: every plan "
                       "shows it as written (warning).",
                       "rules/99-extra.yaml:4:5: [warning] text written once, not per language: plans in every language show it as written (CAT055)"),
    "CAT054": CodeInfo("The default language is not one of the declared languages.",
                       "rules/pipeline.yaml:8:19: [error] default language 'se' is not declared in `languages:` (CAT054)"),
    # requests
    "REQ001": CodeInfo("The request does not have the right shape: an unknown or missing field, a wrong type or value.",
                       "request.yaml:3:1: [error] unknown field 'varaint' (REQ001)"),
    "REQ010": CodeInfo("The request names a service the catalogue does not have.",
                       "request.yaml:2:10: [error] unknown service 'eekonomy' (REQ010)"),
    "REQ011": CodeInfo("The request names a variant the service does not have.",
                       "request.yaml:3:10: [error] 'smart' is not a variant of Visma Lön Smart (REQ011)"),
    "REQ012": CodeInfo("The request selects a task the agency does not have.",
                       "request.yaml:4:7: [error] the agency has no task 'T-9' for this customer (REQ012)"),
    "REQ013": CodeInfo("The request gives a setting the service does not have, or a value it does not allow.",
                       "request.yaml:8:3: [error] 'robots' is not a value of time_registration (REQ013)"),
    "REQ014": CodeInfo("A subscription lists an add-on its service does not have.",
                       "request.yaml:15:17: [error] Visma eEkonomi has no add-on 'lon_direct' (REQ014)"),
    "REQ015": CodeInfo("An agreement period no service has.",
                       "request.yaml:7:19: [error] 6 months is not an agreement period of any service (REQ015)"),
    "REQ016": CodeInfo("The agency lists software the catalogue does not know.",
                       "request.yaml:30:11: [error] unknown software 'advisor_conect' (REQ016)"),
    "REQ017": CodeInfo("The customer has subscriptions but is said not to be a Spcs customer.",
                       "request.yaml:11:3: [error] a customer with subscriptions is a Spcs customer (REQ017)"),
    "REQ018": CodeInfo("A subscription or collaboration is listed twice.",
                       "request.yaml:20:7: [error] two subscriptions of 'eekonomi' (REQ018)"),
    # the engine
    "ENG001": CodeInfo("durable-rules failed on a request or refused a ruleset: a bug.",
                       "<engine>: [error] durable-rules failed on a request: Could not assert fact, error code: 303 (ENG001)"),
    "ENG002": CodeInfo("Two rules decided the same fact differently for this request.",
                       "rules/20-defaults.yaml: [error] rules 'a' and 'b' both decide invoice_recipient, as 'customer' and 'agency' (ENG002)"),
    "ENG004": CodeInfo("The rules engine durable-rules is not installed or cannot be loaded (it is compiled from C source on install).",
                       "<engine>: [error] the rules engine durable-rules cannot be loaded: ... undefined symbol: PyEval_CallObject (ENG004)"),
    # analysis
    "ENG003": CodeInfo("`collab batch`: evaluating one line failed unexpectedly (a bug); the run goes on.",
                       "requests.jsonl:12: [error] internal error: KeyError: 'x' (ENG003)"),
    "ENG005": CodeInfo("`collab batch`: a worker process died (killed, out of memory, a crash in "
                       "the C core); the run stops at once with exit 3, naming the line.",
                       "requests.jsonl:40213: [error] a worker process died (killed by SIGKILL) "
                       "while planning this line (ENG005)"),
    "ANA001": CodeInfo("Two rules decide the same fact differently on some request (an overlap).",
                       "rules/20-defaults.yaml:16:5: [error] rules 'default-recipient-subscriber' and 'default-recipient-agency' both decide invoice_recipient ... (e.g. activate lon_smart/start, subscriber) (ANA001)"),
    "ANA002": CodeInfo("One rule says no approval is needed and another requires it, on some request.",
                       "rules/40-activation.yaml:120:5: [error] rule 'a' says no approval is needed, but 'b' requires the customer's approval (e.g. ...) (ANA002)"),
    "ANA003": CodeInfo("A rule rejects a value that another rule defaulted.",
                       "rules/30-preconditions.yaml:105:5: [error] rule 'reject-recipient-not-allowed' rejects the invoice_recipient that rule 'default-recipient-subscriber' defaulted (e.g. ...) (ANA003)"),
    "ANA004": CodeInfo("A gap: an activation no scenario covers, or a request no rule decides anything on.",
                       "rules/10-scenarios.yaml:3:5: [error] no scenario rule covers activate of eekonomi (e.g. activate eekonomi/start, new customer) (ANA004)"),
    "ANA005": CodeInfo("A rule matches no request of the catalogue's space (warning).",
                       "rules/60-ending.yaml:50:5: [warning] rule 'x' matches no request of the catalogue's space (ANA005)"),
    "ANA006": CodeInfo("A rule's steps never show: every request it matches is rejected (warning).",
                       "rules/40-activation.yaml:60:5: [warning] the steps of rule 'x' never show: every request it matches is rejected (ANA006)"),
    "ANA007": CodeInfo("A rule reads a fact no request carries (warning).",
                       "rules/40-activation.yaml:60:5: [warning] rule 'x' reads settings.time_registration, which no request carries (ANA007)"),
    "ANA008": CodeInfo("Facts no rule reads (a note: never fails a run).",
                       "rules/pipeline.yaml:1:1: [note] facts no rule reads: agency.name (ANA008)"),
    # test cases
    "CASE001": CodeInfo("A scenario test case file does not have the right shape.",
                        "tests/scenarios/x.yaml:2:1: [error] unknown field 'expected' (CASE001)"),
    "CASE002": CodeInfo("`collab test` found no case files where it was pointed.",
                        "tests/none: [error] no test cases found (CASE002)"),
    "CASE003": CodeInfo("A test case's `request_file` lies outside the case's folder, the catalogue's and the working directory.",
                        "tests/scenarios/x.yaml:2:15: [error] request_file '../../../etc/passwd' is outside the case's folder, the catalogue's and the working directory (CASE003)"),
    "CASE004": CodeInfo("A case fails on the catalogue as it is: mutation testing needs every case passing.",
                        "tests/scenarios/x.yaml:1:1: [error] the case fails on the catalogue as it is (CASE004)"),
    "CASE005": CodeInfo("A test case names neither the help-page lines its expectation follows (`source:`) nor who reviewed it and why (`review:`).",
                        "tests/scenarios/x.yaml:3:1: [error] the case does not say where its expected plan comes from (CASE005)"),
    "CASE006": CodeInfo("`collab test --accept CASE` names a case with no new plan to accept (it passes, or no suggestion has that name).",
                        "link-unlinked-collaboration: [error] no case of that name has a plan to accept (CASE006)"),
    "CASE007": CodeInfo("A plan is accepted without saying who reviewed it and why.",
                        "tests/scenarios/x.yaml: [error] an accepted plan needs who reviewed it and why (CASE007)"),
    "CASE008": CodeInfo("`collab test --review` or `--accept` run in CI (the CI variable is set): only a person accepts plans.",
                        "CI: [error] plans are not accepted in CI (CASE008)"),
    # mutants of `collab test --mutate` (a rule accepts a known survivor with `allow: [MUT002]`)
    "MUT001": CodeInfo("A mutant: the rule deleted.",
                       "SURVIVED  rules/70-linking.yaml:5  link-unlinked-collaboration: delete the rule (MUT001)"),
    "MUT002": CodeInfo("A mutant: one condition (or one alternative of `any`) dropped.",
                       "SURVIVED  rules/60-ending.yaml:78  end-alone-would-lose-service: drop the condition `ending.service = continue` (MUT002)"),
    "MUT003": CodeInfo("A mutant: a condition given another value its fact can take.",
                       "SURVIVED  rules/20-defaults.yaml:9  default-recipient-subscriber: `scenario = subscriber`: subscriber -> spcs_customer (MUT003)"),
    "MUT004": CodeInfo("A mutant: a `present` condition negated.",
                       "SURVIVED  rules/20-defaults.yaml:11  default-recipient-subscriber: `invoice_recipient absent` -> present (MUT004)"),
    "MUT005": CodeInfo("A mutant: one `then` effect dropped (a set, a step, a warning, the rejection, the outcome).",
                       "SURVIVED  rules/40-activation.yaml:120  new-customer-activated-at-once: drop step 1 (system) (MUT005)"),
    "MUT006": CodeInfo("A mutant: the outcome changed to another.",
                       "SURVIVED  rules/40-activation.yaml:118  new-customer-activated-at-once: `outcome: ready` -> needs_support (MUT006)"),
    # diff and batch
    "GIT001": CodeInfo("`collab diff --old` names neither a folder nor a git revision.",
                       "HEAD~99: [error] neither a folder nor a git revision of . (GIT001)"),
    "LANG001": CodeInfo("`--lang` names a language the catalogue is not written in.",
                        "--lang: [error] the catalogue is not written in 'de' (LANG001)"),
    "JSON001": CodeInfo("A line of a JSON Lines file (or a body sent to `collab studio`) is not JSON.",
                        "requests.jsonl:12: [error] not JSON: Expecting value (JSON001)"),
    "JSON002": CodeInfo("A line of a JSON Lines file writes a key twice (JSON keeps the last, "
                        "silently).",
                        "requests.jsonl:12: [error] duplicate key 'operation' (JSON002)"),
    "JSON003": CodeInfo("A line of a JSON Lines file is over a limit: 1,000,000 bytes, 50 levels "
                        "of nesting, 1,000 items in a list.",
                        "requests.jsonl:12: [error] a list of 1,000,000 items; lists of more "
                        "than 1,000 are refused (JSON003)"),
    # studio
    "STU001": CodeInfo("`collab studio` cannot serve on the address given (the port is in use, no such address).",
                       "127.0.0.1:8765: [error] cannot serve there: Address already in use (STU001)"),
    "STU002": CodeInfo("`collab studio` needs the studio extra: pip install 'collab-engine[studio]'.",
                       "collab studio: [error] the studio's libraries are not installed (uvicorn) (STU002)"),
    "STU003": CodeInfo("A body sent to `collab studio` is over its 256 KB limit.",
                       "<request>: [error] the request body is over 262,144 bytes (STU003)"),
    "STU004": CodeInfo("`collab studio`: evaluating a request took longer than its time limit.",
                       "<request>: [error] the evaluation took more than 10 s (STU004)"),
    "STU005": CodeInfo("`collab studio`: computing a page failed unexpectedly (a bug); the server goes on.",
                       "<studio>: [error] internal error: KeyError: 'x' (STU005)"),
}


def codes_page() -> str:
    lines = ["<!-- Generated by `collab docs` from engine/codes.py. -->", "",
             "# Diagnostic codes", "",
             "Every problem is reported as `file:line:column: [severity] message (CODE)` with a "
             "hint. Codes are stable: scripts may rely on them.", "",
             "| code | meaning | example |", "|---|---|---|"]
    for code, info in CODES.items():
        example = info.example.replace("|", "\\|")
        # the anchor is what SARIF's helpUri links to (engine/render/diagnostics.py)
        lines.append(f'| <a id="{code.lower()}"></a>{code} | {info.meaning} | `{example}` |')
    return "\n".join(lines) + "\n"
