"""The search page in headless Chromium (Debian's chromium and chromium-driver, which `make test` installs): a user
types a query, real results appear with highlighted code, and a result's link opens that function's page."""
import re
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from codesearch.run import project_root
from codesearch.indexer import build_search_index
from codesearch.client import ServiceProcess

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    idx = build_search_index([project_root() / "codesearch"], tmp_path_factory.mktemp("web") / "index", progress=False, cache=project_root() / "data" / "encoders")
    with ServiceProcess(idx) as svc: yield svc


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for exe in (CHROMIUM, DRIVER):
        assert Path(exe).exists(), f"{exe} is missing: `make test` installs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-quic", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        opts.add_argument(a)
    d = webdriver.Chrome(options=opts, service=DriverService(executable_path=DRIVER))
    yield d
    d.quit()


def test_search_page_shows_results_and_links(service, browser):
    browser.get(service.url + "/")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: "functions" in d.find_element(By.ID, "about").text)
    box = browser.find_element(By.ID, "q")
    box.send_keys("load a saved faiss index and check its files", Keys.ENTER)
    hits = wait.until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, "#results li.hit")))
    assert len(hits) == 10
    names = [h.find_element(By.CSS_SELECTOR, ".name").text for h in hits]
    assert "load_index" in names[:3], names
    first = hits[names.index("load_index")]
    assert re.fullmatch(r"score -?\d+\.\d{3}", first.find_element(By.CSS_SELECTOR, ".score").text)  # hybrid (the default): a fused z-score
    pre = first.find_element(By.CSS_SELECTOR, "pre.hl")
    assert "def load_index(" in pre.text
    assert pre.find_elements(By.CSS_SELECTOR, "span.k"), "the code is not syntax-highlighted (no keyword spans)"
    link = first.find_element(By.CSS_SELECTOR, "a.loc")
    assert link.text.endswith("store.py:" + link.get_attribute("href").rsplit("#L-", 1)[1])
    assert "results (hybrid) in" in browser.find_element(By.ID, "status").text
    assert "?q=load" in browser.current_url and "mode=hybrid" in browser.current_url  # query and mode are in the address: the page can be bookmarked
    link.click()
    wait.until(EC.presence_of_element_located((By.ID, "loc")))
    assert "load_index" in browser.find_element(By.TAG_NAME, "h1").text
    assert "def load_index(" in browser.find_element(By.CSS_SELECTOR, "div.hl, pre").text


def test_search_page_modes(service, browser):
    browser.get(service.url + "/?q=load+a+saved+faiss+index&mode=dense")  # the mode from the address selects the ranking
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: "(dense)" in d.find_element(By.ID, "status").text)
    assert all(s.text.startswith("score 0.") for s in browser.find_elements(By.CSS_SELECTOR, "#results .score"))  # cosines
    Select(browser.find_element(By.ID, "mode")).select_by_value("bm25")
    browser.find_element(By.ID, "q").send_keys(Keys.ENTER)
    wait.until(lambda d: "(bm25)" in d.find_element(By.ID, "status").text)
    assert "mode=bm25" in browser.current_url
    assert "load_index" in [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#results .name")][:5]


def test_search_page_reports_bad_queries(service, browser):
    browser.get(service.url + "/?q=" + "x" * 1200)
    status = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "status").text if "1,000" in d.find_element(By.ID, "status").text else None)
    assert "more than 1,000" in status
    assert not browser.find_elements(By.CSS_SELECTOR, "#results li")
