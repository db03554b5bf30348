"""The tool's own words around the catalogue's texts, one table per language.

Plans, `collab explain`, the pages of `collab docs` and the studio print headings, outcomes,
actors and labels around the catalogue's sentences. Each is looked up by key: first in the
catalogue's glossary (`labels:` in rules/pipeline.yaml, the product owner's words), then here in
the language asked for, then here in English. A language the table lacks therefore prints
English words around its texts until its glossary gives them; no code changes are needed.

The Swedish words follow docs/catalogue/swedish.md: the reader is *du* on the agency, the help
pages' names and verbs, no English identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

ENGLISH = "en"

_EN: dict[str, str] = {
    # a plan
    "plan": "Plan: {operation} {subject} for {customer}",
    "outcome": "Outcome",
    "scenario": "Scenario",
    "defaults": "Defaults applied",
    "rejections": "Rejected, {count} reason(s)",
    "what_to_do": "what to do",
    "steps": "Steps",
    "warnings": "Warnings",
    "not_given": "(not given)",
    "answer_yes": "yes",
    "answer_no": "no",
    "months": "{count} months",
    # the facts a rule may decide, as a plan's "Defaults applied" names them
    "decision.variant.id": "variant",
    "decision.invoice_recipient": "invoice recipient",
    "decision.agreement_period": "agreement period",
    "decision.scenario": "scenario",
    # outcomes
    "ready": "ready: nothing more is needed than the steps below",
    "awaits_customer": "waits for the customer's approval",
    "needs_support": "needs Visma support",
    "rejected": "rejected",
    # operations
    "activate": "activate",
    "accept_invitation": "accept invitation",
    "change_variant": "change variant",
    "change_invoice_recipient": "change invoice recipient",
    "change_agreement_period": "change agreement period",
    "end": "end",
    "link": "link",
    # actors
    "agency": "agency",
    "customer": "customer",
    "system": "system",
    "support": "support",
    # `collab explain`
    "explain": "Explain: {operation} {subject} for {customer}",
    "stage_header": "Stage {number}: {stage} ({count} rule(s) considered{skipped})",
    "stage_skipped": "; {count} for other operations or services skipped",
    "matched": "MATCHED",
    "not_matched": "no",
    "verdict": "  {mark:<{width}}  {rule}  ({where})",
    "condition_any": "any: none of its alternatives holds (needs {test})",
    "condition_failed": "{fact} {test}: it is {actual}",
    "decided": "decided: {fact} = {value} (by {rule}), seen by the stages after",
    "effect_set": "decides {name} = {detail}",
    "effect_set_copy": "decides {name} = the value of {detail}",
    "effect_reject": "rejects: {name}",
    "effect_step": "step ({name})",
    "effect_warning": "warning {name}",
    "effect_outcome": "outcome {name}",
    "derived_steps": "Steps, in the order they were derived (phase, then catalogue order):",
    "derived_step": "phase {number} ({phase}), rule #{order} {rule}: {actor} - {text}",
    "rejected_by": "Rejected by {rule}: {code}: {message}",
    # `collab docs` and the studio's catalogue page
    "docs_title": "The collaboration catalogue",
    "docs_services": "Services and variants",
    "docs_rules": "Rules",
    "docs_flows": "Operations, as flowcharts",
    "docs_domain": "Domain facts and where they are implemented",
    "docs_codes": "Diagnostic codes",
    "docs_count": "{rules} rules in {stages} stages; {facts} domain facts.",
    "col_service": "service",
    "col_variants": "variants",
    "col_variant": "variant",
    "col_paying": "paying",
    "col_contains": "contains",
    "col_recipients": "invoice recipients",
    "col_periods": "periods (months)",
    "col_access": "customer access",
    "col_alone": "customer can continue alone",
    "col_sources": "sources",
    "col_fact": "fact",
    "col_text": "text",
    "col_implemented": "implemented by",
    "services_title": "Services",
    "sources": "Sources: {sources}.",
    "customer_can_invite": "The customer can invite the agency from inside the service.",
    "agency_variant": "The agency itself works in {variant}.",
    "disables": "Activating {variant} disables the customer's {addon}.",
    "includes": "Includes: {names}.",
    "agency_needs": "The agency needs:",
    "setting": "Setting {setting} ({values}): {description}",
    "rules_title": "Rules",
    "rules_intro": "Stages run in this order; each rule lists its conditions, what it does and "
                   "the domain facts it implements.",
    "stage_heading": "Stage {stage}",
    "rule_where": "*In* {where}. *When:* {when}.",
    "always": "always",
    "any_of": "any of ({alternatives})",
    "docs_reject": "**rejects** {code}: {message} *What to do:* {hint}",
    "docs_step": "step ({phase}, {actor}): {text}",
    "docs_warning": "warning {code}: {message}",
    "docs_outcome": "outcome: {outcome}",
    "docs_set": "sets {fact} to {value}",
    "docs_set_copy": "sets {fact} to the value of {value}",
    "domain_title": "Domain facts and where they are implemented",
    "pipeline_description": "the pipeline description",
    "flows_title": "Operations",
    "flows_intro": "For each operation, one path per scenario or outcome, drawn from the "
                   "requests of the catalogue's generated space that get a plan: each node is a "
                   "rule (its description; the link leads to the rule in rules.md), in the order "
                   "its steps come. A node marked *only for some requests* adds its steps when "
                   "its conditions hold. The dotted arrow leads to the checks that reject a "
                   "request.",
    "checks": "Checks (any one rejects the request):",
    "only_some": "only for some requests: {text}",
    "any_check_fails": "any of {count} checks fails",
    "rejected_codes": "rejected: {codes}",
    "which_scenario": "which scenario?",
    "or": " or ",
    # the studio
    "studio_plan_title": "Request and plan",
    "studio_example": "Example",
    "studio_pick": "(pick a file of examples/)",
    "studio_language": "Language",
    "studio_form": "Form",
    "studio_format": "Format",
    "studio_empty": "Pick an example, fill the form or paste a request: the plan and the "
                    "reasons behind it show here.",
    "studio_invalid": "Invalid request",
    "studio_no_plan": "No plan",
    "studio_says": "what {command} says",
    "studio_plan": "Plan",
    "studio_explain": "Explain",
}

_SV: dict[str, str] = {
    # A plan's headings, outcomes, operations and actors are in the catalogue's glossary
    # (rules/pipeline.yaml, `labels:`), which a Swedish plan reads first.
    "months": "{count} månader",
    "decision.variant.id": "Variant",
    "decision.invoice_recipient": "Fakturamottagare",
    "decision.agreement_period": "Avtalsperiod",
    "decision.scenario": "Scenario",
    # `collab explain`: the rules by their descriptions; ids, files and conditions as written
    # in the catalogue are the trace, in brackets at the line's end, as in a plan
    "explain": "Förklaring: {operation} {subject} för {customer}",
    "stage_header": "Etapp {number} ({count} regler prövade{skipped}): {description}",
    "stage_skipped": ", {count} för andra begäranden eller tjänster hoppades över",
    "matched": "GÄLLER",
    "not_matched": "nej",
    "verdict": "  {mark:<{width}}  {description}  [{rule}; {where}]",
    "condition_any": "Inget av alternativen gäller.  [any: {test}]",
    "condition_failed": "Villkoret gäller inte.  [{fact} {test}: {actual}]",
    "decided": "Beslutat: {decision}. Gäller för etapperna efter.  [{rule}]",
    "effect_set": "beslutar ett värde  [{name} = {detail}]",
    "effect_set_copy": "beslutar ett värde  [{name} = {detail}]",
    "effect_reject": "avvisar begäran  [{name}]",
    "effect_step": "ger ett steg för {actor}",
    "effect_warning": "ger en varning  [{name}]",
    "effect_outcome": "utfall: {outcome}",
    "derived_steps": "Stegen i den ordning de togs fram (fas, sedan katalogens ordning):",
    "derived_step": "fas {number}, regel nr {order}, {actor_word}: {text}  [{rule}]",
    "rejected_by": "Avvisad: {message}  [{code}; {rule}]",
    "docs_title": "Katalogen över samarbeten",
    "docs_services": "Tjänster och varianter",
    "docs_rules": "Regler",
    "docs_flows": "Begäranden som flödesscheman",
    "docs_domain": "Fakta om domänen och var de används",
    "docs_codes": "Felkoder",
    "docs_count": "{rules} regler i {stages} etapper, {facts} fakta om domänen.",
    "col_service": "tjänst",
    "col_variants": "varianter",
    "col_variant": "variant",
    "col_paying": "betalas",
    "col_contains": "innehåller",
    "col_recipients": "fakturamottagare",
    "col_periods": "avtalsperioder (månader)",
    "col_access": "kunden har tillgång",
    "col_alone": "kunden kan fortsätta själv",
    "col_sources": "källor",
    "col_fact": "fakta",
    "col_text": "text",
    "col_implemented": "används av",
    "services_title": "Tjänster",
    "sources": "Källor: {sources}.",
    "customer_can_invite": "Kunden kan bjuda in byrån inifrån tjänsten.",
    "agency_variant": "Byrån arbetar själv i {variant}.",
    "disables": "När {variant} aktiveras stängs kundens {addon} av.",
    "includes": "Ingår: {names}.",
    "agency_needs": "Byrån behöver:",
    "setting": "Inställning ({values}): {description}",
    "rules_title": "Regler",
    "rules_intro": "Etapperna körs i den här ordningen. Varje regel visar sina villkor, vad den "
                   "gör och vilka fakta om domänen den bygger på.",
    "stage_heading": "Etapp: {description}",
    "rule_where": "*Fil:* {where}. *När:* {when}.",
    "always": "alltid",
    "any_of": "något av ({alternatives})",
    "docs_reject": "**avvisar:** {message} *Gör så här:* {hint}",
    "docs_step": "steg ({phase}, {actor}): {text}",
    "docs_warning": "varning: {message}",
    "docs_outcome": "utfall: {outcome}",
    "docs_set": "beslutar: {fact} blir {value}",
    "docs_set_copy": "beslutar: {fact} blir samma som {value}",
    "domain_title": "Fakta om domänen och var de används",
    "pipeline_description": "beskrivningen av etapperna",
    "flows_title": "Begäranden",
    "flows_intro": "Varje begäran visas som ett flöde, en väg per scenario eller utfall, "
                   "hämtade från de genererade begäranden som får en plan. Varje ruta är en "
                   "regel (dess beskrivning, länken leder till regeln i rules.md), i den ordning "
                   "dess steg kommer. En ruta märkt *bara för vissa begäranden* lägger till sina "
                   "steg när dess villkor gäller. Den streckade pilen leder till kontrollerna "
                   "som avvisar en begäran.",
    "checks": "Kontroller (var och en kan avvisa begäran):",
    "only_some": "bara för vissa begäranden: {text}",
    "any_check_fails": "någon av {count} kontroller slår fel",
    "rejected_codes": "avvisad",
    "which_scenario": "vilket scenario?",
    "or": " eller ",
    "studio_plan_title": "Begäran och plan",
    "studio_example": "Exempel",
    "studio_pick": "(välj en fil i examples/)",
    "studio_language": "Språk",
    "studio_form": "Formulär",
    "studio_format": "Format",
    "studio_empty": "Välj ett exempel, fyll i formuläret eller klistra in en begäran. Planen "
                    "och skälen bakom den visas här.",
    "studio_invalid": "Begäran är ogiltig",
    "studio_no_plan": "Ingen plan",
    "studio_says": "vad verktyget säger",
    "studio_plan": "Plan",
    "studio_explain": "Förklaring",
}

WORDS: dict[str, dict[str, str]] = {ENGLISH: _EN, "sv": _SV}


def tool_word(key: str, lang: str, glossary: Mapping[str, str] | None = None,
              **fields: object) -> str:
    """The word for ``key`` in ``lang``: the catalogue's glossary (``glossary``: its labels in
    ``lang``) first, then the tool's table in ``lang``, then in English; without any, the key in
    words. ``{...}`` in it are filled from ``fields``."""
    text = ((glossary or {}).get(key) or WORDS.get(lang, {}).get(key) or _EN.get(key)
            or key.replace("_", " "))
    return text.format(**fields) if fields else text
