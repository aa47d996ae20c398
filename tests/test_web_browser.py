"""The web desk as a person meets it: `huidesk serve` on a free loopback port, driven by the machine's headless
Chromium (Debian's chromium and chromium-driver, through selenium). The one-time link becomes a cookie, the
dashboard shows the report's figures and its chart, every page fits a 390-pixel phone without sideways scroll,
a form filled in writes one journal entry, a form without its CSRF token writes nothing, the policy holds (no
violation in the console), and a non-loopback host is warned about. HUIDESK_WEB_SHOTS=DIR also saves the pages
at 390 and 1366 pixels wide into DIR (docs/ holds the ones the documentation shows)."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

TODAY = "2024-07-08"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PAGES = ["/", "/issues", "/issues/194", "/visits", "/activities", "/residents", "/members", "/visits/new",
         "/activities/new", "/issues/new", "/reports/monthly", "/sources"]


def huidesk(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "huidesk", "--db", str(db), "--today", TODAY, *args],
                          capture_output=True, text=True, check=check)


class Server:
    """`huidesk serve --port 0` in a process of its own: its one-time URL and where it listens."""

    def __init__(self, db: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "huidesk", "--db", str(db), "--today", TODAY, "--by", "王凤琴", "serve", "--port",
             "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        assert self.url.startswith("http://"), self.process.stderr.read()  # type: ignore[union-attr]
        self.base = self.url.split("/login")[0]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("web") / "demo.db"
    huidesk(db, "demo")
    return db


@pytest.fixture(scope="module")
def server(demo):
    served = Server(demo)
    yield served
    served.stop()


def chromium(width: int, height: int):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--window-size={width},{height}", "--lang=zh-CN"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture(scope="module")
def browser(server):
    driver = chromium(1366, 768)
    driver.get(server.url)
    yield driver
    driver.quit()


def submit(driver) -> None:
    """Press the form's button and wait for the page the post brings: the button gone with its page.
    Chromium answers a look at an element while its page is being replaced with either "stale" or an
    inspector's "Node ... does not belong to the document": both say it is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, "form.record button[type=submit]")
    button.click()

    def gone(_) -> bool:
        try:
            button.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" not in str(e):
                raise
            return True
        return False

    WebDriverWait(driver, 10).until(gone)


def journal(db: Path) -> list[tuple]:
    return sqlite3.connect(db).execute("SELECT id, actor, command FROM _journal ORDER BY id").fetchall()


def test_the_one_time_link_becomes_an_httponly_strict_cookie_and_leaves_the_address_bar(server, demo):
    driver = chromium(1366, 768)
    try:
        url = Server(demo)  # a link of its own: the module's was spent by the browser fixture
        try:
            driver.get(url.url)
            assert driver.current_url == url.base + "/"
            [cookie] = driver.get_cookies()
            assert cookie["name"] == "huidesk_session" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert driver.execute_script("return document.cookie") == ""  # no script can read it
            assert "看板" in driver.title
            other = chromium(390, 844)
            try:
                other.get(url.url)  # the same link a second time
                assert "一次性链接" in other.find_element(By.TAG_NAME, "body").text
                assert other.get_cookies() == []
            finally:
                other.quit()
        finally:
            url.stop()
    finally:
        driver.quit()


def test_the_dashboard_shows_the_reports_figures_and_its_chart(browser, server, demo):
    browser.get(server.base + "/?place=平伏桥村")
    narrative = browser.find_element(By.ID, "narrative").text
    assert "开展各类主题志愿服务活动120余次" in narrative
    monthly = json.loads(huidesk(demo, "report", "monthly", "--month", "this", "--place", "平伏桥村",
                                 "--format", "json").stdout)
    assert browser.find_element(By.ID, "received").text == str(monthly["kpi"]["received"])
    assert browser.find_element(By.ID, "resolved").text == str(monthly["kpi"]["resolved"])
    bars = browser.find_elements(By.CSS_SELECTOR, "#trend svg rect.bar")
    assert len(bars) == 2 * 12 + 2  # twelve months of two bars, and the legend's two
    heights = [float(b.get_attribute("height")) for b in bars[:-2]]
    assert max(heights) > 0
    fill = browser.execute_script(
        "return getComputedStyle(document.querySelector('#trend rect.bar.received')).fill")
    assert fill == "rgb(216, 150, 20)"  # coloured by the stylesheet: the policy let it load


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_phone_without_sideways_scroll(browser, server, path):
    browser.set_window_size(390, 844)
    try:
        browser.get(server.base + path)
        wide = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], (path, wide)
    finally:
        browser.set_window_size(1366, 768)


def test_a_visit_filled_in_the_browser_is_one_journal_entry_by_the_signed_in_user(browser, server, demo):
    before = journal(demo)
    browser.get(server.base + "/visits/new")
    fields = {"resident": "丁学志", "team": "橙色公益", "member": "王凤琴", "date": "7月7日", "purpose": "看望高龄老人",
              "hours": "1.5"}
    for name, value in fields.items():
        browser.find_element(By.NAME, name).send_keys(value)
    submit(browser)
    assert browser.current_url == server.base + "/visits"
    assert "已记录走访" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    after = journal(demo)
    assert after[:-1] == before and after[-1][1:] == ("王凤琴", "visit add")
    assert "账本完好" in huidesk(demo, "check").stdout


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(browser, server, demo):
    before = journal(demo)
    browser.get(server.base + "/visits/new")
    browser.execute_script("document.querySelector('form.record input[name=csrf]').remove()")
    browser.find_element(By.NAME, "resident").send_keys("丁学志")
    browser.find_element(By.NAME, "team").send_keys("橙色公益")
    submit(browser)
    assert "CSRF" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert journal(demo) == before


def test_a_refused_form_comes_back_with_the_commands_line(browser, server, demo):
    before = journal(demo)
    browser.get(server.base + "/visits/new")
    browser.find_element(By.NAME, "resident").send_keys("丁学志")
    browser.find_element(By.NAME, "team").send_keys("没有这支队")
    submit(browser)
    line = huidesk(demo, "visit", "add", "丁学志", "--team", "没有这支队", check=False).stderr.strip()
    assert browser.find_element(By.ID, "form-error").text == line
    assert browser.find_element(By.NAME, "team").get_attribute("value") == "没有这支队"
    assert journal(demo) == before


def test_no_page_breaks_the_content_security_policy(browser, server):
    browser.get_log("browser")  # what earlier tests left
    for path in PAGES:
        browser.get(server.base + path)
    found = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]
             or "Refused to" in e["message"]]
    assert found == []


def test_a_host_other_than_loopback_is_served_with_a_warning(demo):
    served = Server(demo, "--host", "0.0.0.0")
    try:
        assert re.fullmatch(r"http://0\.0\.0\.0:\d+/login\?token=[\w-]+", served.url)
    finally:
        err = served.stop()
    assert err.startswith("警告：服务台在 0.0.0.0 上对网络开放")


def test_kill_9_while_forms_are_posted_loses_no_answered_write(tmp_path):
    """Visits posted one after another; the server killed (SIGKILL) in the middle: every visit the desk answered
    is in the ledger, at most one more (written, its answer lost), and `check` finds the ledger intact."""
    import http.client
    import threading
    from urllib.parse import urlencode, urlsplit

    db = tmp_path / "ledger.db"
    huidesk(db, "demo")
    served = Server(db)
    parts = urlsplit(served.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}?{parts.query}")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("set-cookie").split(";")[0]
    conn.request("GET", "/visits/new", headers={"cookie": cookie})
    token = re.search(r'name="csrf" value="([^"]+)"', conn.getresponse().read().decode())[1]
    before = sqlite3.connect(db).execute("SELECT count(*) FROM visits").fetchone()[0]
    answered, stop = [], threading.Event()

    def post() -> None:
        c = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n = 0
        while not stop.is_set():
            body = urlencode({"csrf": token, "resident": "丁学志", "team": "橙色公益", "purpose": f"第{n}次"})
            try:
                c.request("POST", "/visits", body=body, headers={
                    "cookie": cookie, "content-type": "application/x-www-form-urlencoded"})
                reply = c.getresponse()
                reply.read()
            except OSError:
                return
            if reply.status == 303:
                answered.append(n)
            n += 1

    writer = threading.Thread(target=post)
    writer.start()
    while len(answered) < 15:
        time.sleep(0.01)
    served.process.kill()
    served.process.wait()
    stop.set()
    writer.join()
    written = sqlite3.connect(db).execute("SELECT count(*) FROM visits").fetchone()[0] - before
    assert len(answered) <= written <= len(answered) + 1
    assert "账本完好" in huidesk(db, "check").stdout


def test_screenshots_at_390_and_1366(server, demo, tmp_path):
    """The pages as a phone and a desktop show them (saved; HUIDESK_WEB_SHOTS=docs keeps the documentation's)."""
    into = Path(os.environ.get("HUIDESK_WEB_SHOTS") or tmp_path)
    into.mkdir(parents=True, exist_ok=True)
    shots = {"dashboard": "/?place=平伏桥村", "issues": "/issues", "issue": "/issues/194", "visit-form": "/visits/new",
             "monthly": "/reports/monthly?month=2024-06"}
    for width, height in ((390, 844), (1366, 768)):
        driver = chromium(width, height)
        try:
            one = Server(demo)
            try:
                driver.get(one.url)
                for name, path in shots.items():
                    driver.get(one.base + path)
                    time.sleep(0.2)
                    full = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(width, max(height, min(full, 4000)))
                    target = into / f"web-{name}-{width}.png"
                    assert driver.save_screenshot(str(target)) and target.stat().st_size > 10_000
                    driver.set_window_size(width, height)
            finally:
                one.stop()
        finally:
            driver.quit()
