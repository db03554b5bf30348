"""collab studio in a real headless Chromium (Selenium and Debian's chromedriver): pick an
example and see its plan; fill the form for a Lön Smart Start activation with the customer
paying and see the rejection and its explain line; change files on disk and see Validation
and Impact follow. Screenshots of each page at 1280x800 go to $COLLAB_SCREENSHOTS (the README
shows the ones in docs/studio/), else to a temporary folder.

Skipped, saying why, only where no Chromium and chromedriver are installed (.ci/run installs
them: apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import load_catalogue
from engine.tools.generate import corpus

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[dev]'")
pytest.importorskip("selenium", reason="selenium is not installed: pip install -e '.[dev]'")

import uvicorn
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from engine.studio.app import create_app
from engine.studio.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
               None)
DRIVER = shutil.which("chromedriver")
SHOTS = os.environ.get("COLLAB_SCREENSHOTS")  # read before the tests change folder
SHOTS_AT = Path(SHOTS).resolve() if SHOTS else None
WAIT = 60  # seconds at most for anything to show (a loaded CI machine); the studio aims at 2

pytestmark = [
    pytest.mark.browser,  # .ci/run runs them (pytest -m browser)
    pytest.mark.skipif(
        BROWSER is None or DRIVER is None,
        reason="no Chromium and chromedriver on this machine (apt-get install chromium "
               "chromium-driver; .ci/run installs them)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served_studio(tmp_path_factory: pytest.TempPathFactory, name: str,
                  folders: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """The studio served on loopback over a git copy of the repository's ``folders`` (its
    folder and its address), until the generator is closed."""
    root = tmp_path_factory.mktemp(name) / "catalogue"
    for folder in folders:
        shutil.copytree(ROOT / folder, root / folder)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "catalogue"]):
        subprocess.run([*git, *command], check=True, capture_output=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("COLLAB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(Workspace(root)), host="127.0.0.1",
                                               port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + WAIT
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        yield root, f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The studio served on loopback over a git copy of the shipped catalogue."""
    yield from served_studio(tmp_path_factory, "browser", ("services", "rules", "examples"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,800", "--lang=en"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 800, "deviceScaleFactor": 1,
                            "mobile": False})
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = SHOTS_AT or tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver: Any, css: str, text: str = "", timeout: float = WAIT) -> Any:
    """The first element matching ``css`` (whose text holds ``text``), once it shows."""
    def found(_: Any) -> Any:
        for element in driver.find_elements(By.CSS_SELECTOR, css):
            try:
                if text in element.text:
                    return element
            except StaleElementReferenceException:  # redrawn while read: look again
                return False
        return False

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(found)


def shot(driver: Any, folder: Path, name: str, top: bool = True) -> None:
    if top:
        driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page, not a blank


def test_pick_an_example_and_see_its_plan(studio: tuple[Path, str], browser: Any,
                                          shots: Path) -> None:
    _, url = studio
    browser.get(url + "/plan")
    Select(browser.find_element(By.ID, "example")).select_by_value(
        "activate-eekonomi-spcs-customer.yaml")
    plan = wait_for(browser, "#plan-text", "Plan: activate eEkonomi Smart")
    assert "Outcome: waits for the customer's approval" in plan.text
    assert wait_for(browser, "li.verdict.matched", "scenario-spcs-customer")
    # the form follows the example
    assert browser.find_element(By.CSS_SELECTOR, '[data-path="customer.name"]'
                                ).get_attribute("value") == "Bageri Solsidan AB"


def test_the_form_for_lon_smart_start_paid_by_the_customer_is_rejected_with_its_reason(
        studio: tuple[Path, str], browser: Any, shots: Path) -> None:
    _, url = studio
    browser.get(url + "/plan")

    def choose(path: str, value: str) -> None:
        Select(browser.find_element(By.CSS_SELECTOR, f'select[data-path="{path}"]')
               ).select_by_value(value)

    def type_in(path: str, text: str) -> None:
        field = browser.find_element(By.CSS_SELECTOR, f'[data-path="{path}"]')
        field.clear()
        field.send_keys(text)

    choose("operation", "activate")
    choose("service", "lon_smart")
    browser.find_element(By.CSS_SELECTOR,
                         'select[data-path="variant"] option[data-service="lon_smart"]'
                         '[value="start"]').click()
    type_in("task", "T-1")
    choose("invoice_recipient", "customer")
    choose("agreement_period", "12")
    choose("settings.time_registration", "agency")
    type_in("customer.name", "Öberg & Söner Åkeri AB")
    choose("customer.spcs_customer", "true")
    type_in("customer.main_contact.name", "Gunnar Öberg")
    type_in("customer.main_contact.email", "gunnar@obergsakeri.se")
    type_in("agency.id", "556812-3456")
    type_in("agency.name", "Lindqvist & Berg Redovisning AB")
    # the agency's tasks: a list, a row per task (a sub-form, no JSON to type)
    tasks = browser.find_element(By.CSS_SELECTOR, '.subform[data-path="agency.tasks"]')
    assert not tasks.find_elements(By.TAG_NAME, "textarea")
    tasks.find_element(By.CSS_SELECTOR, "button.json-editor-btn-add").click()
    for name, text in (("id", "T-1"), ("name", "Löner"), ("responsible", "Maria Sjöberg")):
        opt_in = tasks.find_elements(By.ID, f"root[0][{name}]-opt-in")
        if opt_in and not opt_in[0].is_selected():  # an optional field is ticked first
            opt_in[0].click()
        box = tasks.find_element(By.ID, f"root[0][{name}]")
        box.clear()
        box.send_keys(text, Keys.TAB)
    assert not [box for box in browser.find_elements(  # no grey example that reads as a value
        By.CSS_SELECTOR, "#request-form [placeholder]:not([placeholder=''])") if box.is_displayed()]
    outcome = wait_for(browser, "#outcome", "rejected")
    assert outcome.text == "rejected"
    plan = browser.find_element(By.ID, "plan-text").text
    assert "x In Lön Smart Start the customer cannot be invoice recipient.  " \
           "[INVOICE_RECIPIENT_NOT_ALLOWED; reject-recipient-not-allowed" in plan  # code in the trace
    line = wait_for(browser, 'li.verdict.matched[data-rule="reject-recipient-not-allowed"]')
    link = line.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href").endswith("/source/rules/30-preconditions.yaml#L"
                                               + link.text.rsplit(":", 1)[1])
    shot(browser, shots, "plan")
    # the share link holds the request: opened afresh, it gives the same plan and the same rows
    link = browser.find_element(By.ID, "share").get_attribute("href")
    assert "#request=" in link and "Maria%20Sj%C3%B6berg" in link
    browser.get("about:blank")
    browser.get(link)
    assert wait_for(browser, "#outcome", "rejected")
    assert browser.find_element(By.ID, "plan-text").text == plan
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "root[0][responsible]")
                                       .get_attribute("value") == "Maria Sjöberg")


def test_the_catalogue_page_draws_the_flowcharts(studio: tuple[Path, str], browser: Any,
                                                 shots: Path) -> None:
    _, url = studio
    browser.get(url + "/catalogue")
    assert wait_for(browser, "h1", "Catalogue")
    shot(browser, shots, "catalogue")
    wait_for(browser, "#flow-change_variant + pre.mermaid svg")  # drawn by the shipped Mermaid
    charts = browser.find_elements(By.CSS_SELECTOR, "pre.mermaid svg")
    assert len(charts) == 7
    links = browser.find_elements(By.CSS_SELECTOR, "pre.mermaid svg a")  # strict keeps href links
    assert any((a.get_attribute("href") or "").endswith("#rule-getting-started-documents")
               or "#rule-" in (a.get_attribute("xlink:href") or "") for a in links)
    browser.execute_script("document.getElementById('flow-change_variant').scrollIntoView()")
    time.sleep(0.3)
    shot(browser, shots, "flowchart", top=False)
    assert not [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_validation_and_impact_follow_a_saved_change(studio: tuple[Path, str], browser: Any,
                                                     shots: Path) -> None:
    root, url = studio
    browser.get(url + "/validation")
    wait_for(browser, "#validation-summary", "catalogue is valid")
    rules = root / "rules" / "20-defaults.yaml"
    good = rules.read_text(encoding="utf-8")
    rules.write_text(good.replace("  - id: ", "  - id: broken\n    id: ", 1), encoding="utf-8")
    wait_for(browser, "li.diagnostic[data-code='YAML003']")
    shot(browser, shots, "validation")
    rules.write_text(good, encoding="utf-8")
    wait_for(browser, "#validation-summary", "catalogue is valid")

    browser.get(url + "/impact")
    wait_for(browser, "#impact-summary", "0 of ")
    revision = browser.find_element(By.CSS_SELECTOR, "#revision input[name=rev]")
    revision.clear()
    revision.send_keys("/etc")  # a folder: refused (a POST, with the page's token)
    browser.find_element(By.CSS_SELECTOR, "#revision button").click()
    wait_for(browser, "#revision-problem", "STU009")
    browser.get(url + "/impact")
    scanner = root / "services" / "scanner.yaml"
    saved = time.monotonic()
    scanner.write_text(scanner.read_text(encoding="utf-8").replace("paying: true",
                                                                   "paying: false", 1),
                       encoding="utf-8")
    request = wait_for(browser, "a.request", "activate-scanner-new-customer-paying.yaml")
    print(f"impact listed the changed plan {time.monotonic() - saved:.2f} s after the save")
    summary = browser.find_element(By.ID, "impact-summary").text
    assert "get a different plan (HEAD" in summary
    for _ in range(20):  # the list is redrawn while the rest of the space is compared
        try:
            request.click()
            break
        except StaleElementReferenceException:
            request = wait_for(browser, "a.request", "activate-scanner-new-customer-paying.yaml")
    before = wait_for(browser, "pre.plan-old", "Outcome: waits for the customer's approval")
    after = browser.find_element(By.CSS_SELECTOR, "pre.plan-new").text
    assert "Outcome: ready" in after and before.text != after
    total = len(list((root / "examples").glob("*.yaml"))) + sum(1 for _ in corpus(load_catalogue(root)))
    wait_for(browser, "#impact-summary", f" of {total} request(s)")  # the whole space compared
    shot(browser, shots, "impact")


def test_a_share_link_holds_the_request(studio: tuple[Path, str], browser: Any) -> None:
    """The address after a plan holds the request: opened elsewhere, it plans the same."""
    _, url = studio
    browser.get(url + "/plan")
    Select(browser.find_element(By.ID, "example")).select_by_value("activate-eekonomi-spcs-customer.yaml")
    wait_for(browser, "#plan-text", "Plan: activate eEkonomi Smart")
    link = browser.current_url
    assert "#request=" in link
    browser.get(url + "/catalogue")
    browser.get(link)
    assert "Plan: activate eEkonomi Smart" in wait_for(browser, "#plan-text", "Plan:").text
