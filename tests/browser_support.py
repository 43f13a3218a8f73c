"""A real browser for the web console's tests (test_console.py): Debian's headless `chromium`, driven through
`chromium-driver` by Debian's `python3-selenium` (.ci/run installs the three).  The suite's python may be
another build than Debian's, so Debian's package directory is appended to the import path: the suite's own
packages still come first.  Each Browser has a fresh profile in its own directory and is quit by its owner."""
import re
import shutil
import sys

import pytest

from kvserver import wait_until

DEBIAN_PACKAGES = "/usr/lib/python3/dist-packages"
# What Chromium needs to run headless as root on a machine without a display or internet.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
# A browser log line about a response the page asked for: "<url> - Failed to load resource: the server
# responded with a status of 412 (Precondition Failed)".
NETWORK_STATUS = re.compile(r"^(\S+) - Failed to load resource: the server responded with a status of (\d+)")


def _webdriver():
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        if DEBIAN_PACKAGES not in sys.path:
            sys.path.append(DEBIAN_PACKAGES)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = Service = None
    missing = [name for name, found in [("python3-selenium", webdriver), ("chromium", shutil.which("chromium")),
                                        ("chromium-driver", shutil.which("chromedriver"))] if not found]
    if missing:
        pytest.skip("the console's browser tests need the Debian packages " + ", ".join(missing)
                    + " (.ci/run installs them)")
    return webdriver, Service


class Browser:
    """One headless Chromium with a fresh profile under profile_dir.  Every message the browser logs is kept in
    `log` (reading Chromium's log empties it), so that a test can check them all at its end."""

    def __init__(self, profile_dir, width=1280, height=900):
        webdriver, Service = _webdriver()
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        self.By, self.Keys = By, Keys
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile_dir}", f"--window-size={width},{height}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        self.log = []

    def quit(self):
        self.driver.quit()

    # ---------------------------------------------------------------- pages
    def open(self, url):
        self.driver.get(url)

    def size(self, width, height):
        """Shows pages at width × height CSS pixels, as a phone (narrower than 600) or a desktop would. The
        window alone cannot: headless Chromium keeps it at least 500 pixels wide."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def screenshot(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        assert self.driver.save_screenshot(str(path)), path

    # ---------------------------------------------------------------- finding things
    def find(self, css):
        return self.driver.find_element(self.By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(self.By.CSS_SELECTOR, css)

    def button(self, text, within="body"):
        """The visible button whose text is `text`."""
        found = [b for b in self.finds(f"{within} button") if b.text.strip() == text and b.is_displayed()]
        assert found, f"no button {text!r} in {within}"
        return found[0]

    def labelled(self, label):
        """The control a <label> with exactly this text names, as a user finds it."""
        lab = self.driver.find_element(self.By.XPATH, f"//label[normalize-space()='{label}']")
        return self.driver.find_element(self.By.ID, lab.get_attribute("for"))

    def text(self, css):
        """The text of the first element `css` finds, or None.  The console redraws live views as events come:
        an element found just before a redraw is looked up again."""
        from selenium.common.exceptions import StaleElementReferenceException
        for _ in range(10):
            found = self.finds(css)
            try:
                return found[0].text if found else None
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"{css} was redrawn ten times while being read")

    def focused(self):
        return self.driver.switch_to.active_element

    def type_into(self, element, text, enter=False):
        element.clear()
        element.send_keys(text + (self.Keys.ENTER if enter else ""))

    def press(self, *keys):
        """Sends keys to whatever has the focus, as a keyboard user would."""
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.driver).send_keys(*keys).perform()

    def wait(self, cond, timeout=10, msg="the page", interval=0.05):
        """Polls cond() (a browser query) until it is truthy; stale elements count as not yet."""
        def attempt():
            try:
                return cond()
            except Exception as e:  # the page re-rendered under the query: ask again
                if type(e).__name__ in ("StaleElementReferenceException", "NoSuchElementException"):
                    return None
                raise
        try:
            return wait_until(attempt, timeout=timeout, interval=interval, msg=msg)
        except AssertionError as e:
            page = self.js("return document.body ? document.body.innerText.slice(0, 2000) : ''")
            raise AssertionError(f"{e}\n--- the page shows:\n{page}\n--- the browser logged:\n{self.read_log()}") from None

    def key_rows(self):
        """The keys the list shows, in order."""
        return [r.get_attribute("data-key") for r in self.finds("#key-table tbody tr")]

    # ---------------------------------------------------------------- the browser's log
    def read_log(self):
        self.log += self.driver.get_log("browser")
        return self.log

    def problems(self, allowed_statuses=()):
        """Every logged error or warning, but for answers with a status the test asked for on purpose (a 412 it
        provoked, the 401 of a token prompt): script errors, refused policies and unexpected answers all count."""
        found = []
        for entry in self.read_log():
            if entry["level"] not in ("SEVERE", "WARNING"):
                continue
            m = NETWORK_STATUS.match(entry["message"])
            if entry["source"] == "network" and m and int(m.group(2)) in allowed_statuses:
                continue
            found.append(entry)
        return found
