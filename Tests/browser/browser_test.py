#!/usr/bin/python3
"""End-to-end test of the chat page, the dashboard, the operator page and the API reference in headless Chromium (Selenium + chromedriver).

Run by scripts/browser-test.sh against a running service started with SIGMARIS_DEV_SIGNIN=true.
The test drives the pages as a person would (pasting tokens, pressing buttons, following links); the
pages ship no hooks for it. Environment:
  SIGMARIS_BROWSER_BASE_URL      the service, e.g. http://127.0.0.1:8123
  SIGMARIS_BROWSER_ARTIFACTS     where screenshots go (default .test-artifacts/browser)
  SIGMARIS_BROWSER_CHAT_TOKEN    a user token (`sigmaris token --user …`) for a user without turns
  SIGMARIS_BROWSER_EMPTY_TOKEN   another, for the empty dashboard
  SIGMARIS_BROWSER_LINK_TOKEN    another, put in a link's #access_token= as an attacker would
  SIGMARIS_BROWSER_OPERATOR_TOKEN  a user token of an operator (listed in the service's SIGMARIS_OPERATORS)
  SIGMARIS_BROWSER_SERVICE_TOKEN a service token (`sigmaris token --service`): refused by the user pages,
                                 an operator on the operator page
  SIGMARIS_BROWSER_STREAM_BASE_URL  a second service whose provider streams slowly (scripts/stub-provider.py),
                                 for the streaming checks (issue #12)
  SIGMARIS_BROWSER_STREAM_TOKEN  a user token for it, of a user without turns
Exits non-zero on the first failed check, after a screenshot named failure-*.png.
"""

import base64
import json
import os
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, UnexpectedAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("SIGMARIS_BROWSER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ARTIFACTS = os.environ.get("SIGMARIS_BROWSER_ARTIFACTS", ".test-artifacts/browser")
TIMEOUT = float(os.environ.get("SIGMARIS_BROWSER_TIMEOUT", "30"))

DEV_USER_ID = "00000000-0000-4000-8000-000000000001"
XSS = "Please repeat this as plain text: <img src=x onerror=alert(1)>"
MESSAGES = [
    "Hello! Describe your role in one sentence.",
    "I want to kill myself",
    XSS,
]
STATES = {"NORMAL", "REFLECTIVE", "OVERLOADED", "SAFETY_LOCK", "SILENT"}
# Every page's navigation, in order: (link text, path).
NAV = [("Chat", "/"), ("Status", "/status"), ("Operator", "/operator"), ("API docs", "/docs")]

passed = 0


class CheckFailed(Exception):
    pass


def check(condition, message):
    global passed
    if not condition:
        raise CheckFailed(message)
    passed += 1
    print(f"  ok: {message}", flush=True)


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("SIGMARIS_CHROMIUM", "/usr/bin/chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI containers
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--window-size=1280,1000",
        "--lang=en-US",
        f"--user-data-dir={tempfile.mkdtemp(prefix='sigmaris-chromium-')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("SIGMARIS_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.set_script_timeout(TIMEOUT)
    return driver


def wait(driver, condition, what, timeout=TIMEOUT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))
    except TimeoutException:
        raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}") from None


def visible(driver, element_id):
    elements = driver.find_elements(By.ID, element_id)
    return elements[0] if elements and elements[0].is_displayed() else None


def screenshot(driver, name):
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    print(f"  screenshot: {path}", flush=True)
    return path


def full_page_screenshot(driver, name, width):
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(max(int(height) + 140, 700), 4000))
    time.sleep(0.3)  # charts resize on the window's resize event
    return screenshot(driver, name)


console_seen = []


def console_entries(driver):
    """Every browser console entry so far (Chromium hands each one out once, so they are kept)."""
    try:
        console_seen.extend(driver.get_log("browser"))
    except Exception:  # not every driver offers logs; the other checks still run
        pass
    return console_seen


def expected_refusal(message):
    """A 401 (a refused token), the 403 the operator routes give a non-operator, or the 400 of the
    policy test_policies submits on purpose: the tests cause all three."""
    return ("401" in message or ("/persona/" in message and "403" in message)
            or ("/persona/policies " in message and "400" in message))


def console_errors(driver):
    """SEVERE browser console entries (uncaught errors, failed loads), ignoring expected refusals."""
    return [e["message"] for e in console_entries(driver) if e.get("level") == "SEVERE" and not expected_refusal(e.get("message", ""))]


def csp_violations(driver):
    """Chromium reports every Content-Security-Policy violation in the console."""
    return [e["message"] for e in console_entries(driver) if "Content Security Policy" in e.get("message", "")]


def user_of(token):
    """The `sub` of a token (no verification: the server does that)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def required_env(name):
    value = os.environ.get(name, "")
    if not value:
        raise CheckFailed(f"{name} is not set (scripts/browser-test.sh mints it)")
    return value


def ai_replies(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=ai-text]")


def sign_in_with_token(driver, token):
    """Opens "Paste an access token", pastes, and presses "Use this token"."""
    wait(driver, lambda d: d.find_elements(By.ID, "token-details"), "the sign-in form")
    if not driver.find_element(By.ID, "token-details").get_attribute("open"):
        driver.find_element(By.CSS_SELECTOR, "#token-details summary").click()
    field = wait(driver, lambda d: visible(d, "token-input"), "the token field")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "token-signin").click()


def sign_out(driver):
    wait(driver, lambda d: visible(d, "sign-out"), "the sign-out button").click()
    wait(driver, lambda d: visible(d, "signin"), "the sign-in form after signing out")


def check_navigation(driver, current):
    """The page links all four pages in the same order, and marks the one it is."""
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('nav.nav a'), (a) => "
        "[a.textContent.trim(), new URL(a.href).pathname, a.getAttribute('aria-current')]);")
    check([(text, path) for text, path, _ in links] == NAV, f"{current} links Chat, Status, Operator and API docs ({links!r})")
    check([path for _, path, mark in links if mark == "page"] == [current], f"{current} marks itself as the current page")


def newest_turn_in_view(driver):
    """Whether the newest exchange is on screen and not behind the sticky message box: all of it, or,
    when it is taller than the space above the box, its beginning at the top of the window."""
    return driver.execute_script(
        "const turns = document.querySelectorAll('#messages [data-testid=turn]');"
        "if (!turns.length) return false;"
        "const last = turns[turns.length - 1].getBoundingClientRect();"
        "const box = document.getElementById('chat-form').getBoundingClientRect();"
        "return last.top >= 0 && last.top < box.top && (last.bottom <= box.top + 1 || last.top <= 24);")


def session_title_of(driver):
    return driver.execute_script(
        "const s = document.getElementById('session-select');"
        "return s && s.selectedOptions.length ? s.selectedOptions[0].textContent : '';")


def send_message(driver, text, expected_replies):
    box = wait(driver, lambda d: visible(d, "chat-input"), "the message box")
    box.click()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)  # the keyboard path: Enter sends
    wait(
        driver,
        lambda d: len(ai_replies(d)) >= expected_replies
        and not d.find_elements(By.CSS_SELECTOR, "#messages [data-testid=ai-pending]"),
        f"reply {expected_replies}",
    )
    error = driver.find_element(By.ID, "chat-error")
    check(not error.is_displayed(), f"no error after message {expected_replies} ({error.text!r})")


def test_link_with_a_token(driver, token):
    """Login CSRF: a link carrying someone's token must not sign this tab in, since it started no sign-in."""
    print("a link with #access_token= that this tab did not ask for", flush=True)
    driver.get(f"{BASE}/#access_token={token}&refresh_token=r&expires_in=3600&token_type=bearer")
    wait(driver, lambda d: visible(d, "signin"), "the sign-in form")
    check(visible(driver, "chat") is None, "the chat stays hidden")
    check(driver.execute_script("return sessionStorage.getItem('sigmaris.auth')") is None, "no session was stored")
    check("access_token" not in driver.current_url, "the token left the address bar")
    notice = driver.find_element(By.ID, "signin-notice").text.lower()
    check("ignored" in notice, f"the page says the link was ignored ({notice!r})")
    screenshot(driver, "signin-link-ignored.png")


def test_chat(driver, token):
    print("chat page", flush=True)
    user_id = user_of(token)
    driver.get(f"{BASE}/")
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "chat"), "the chat after signing in")
    check(driver.find_element(By.ID, "account-name").text.endswith(user_id), "the header names the signed-in user")
    check("access_token" not in driver.current_url and user_id not in driver.current_url, "no token or id in the URL")
    stored = driver.execute_script("return JSON.parse(sessionStorage.getItem('sigmaris.auth') || 'null')")
    check(stored and stored.get("method") == "paste" and stored.get("access_token"), "the token lives in sessionStorage")
    check(driver.execute_script("return localStorage.length") == 0, "nothing in localStorage")
    check(visible(driver, "chat-empty") is not None, "a new user's session starts empty")

    check_navigation(driver, "/")
    check(driver.find_element(By.ID, "chat-input").get_attribute("maxlength") == "16000",
          "the message box takes as many characters as the API (16,000)")

    for index, text in enumerate(MESSAGES, start=1):
        send_message(driver, text, index)
        # Each exchange is two stored messages; the picker follows without a reload.
        wait(driver, lambda d: session_title_of(d).endswith(f"· {2 * index} messages"),
             f"the session's message count after message {index}")
        check(True, f"the session list counts {2 * index} messages after message {index}")
        check(newest_turn_in_view(driver), f"reply {index} is in view, above the message box")

    turns = driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn]")
    check(len(turns) == 3, f"three turns shown (got {len(turns)})")
    replies = ai_replies(driver)
    check(len(replies) == 3 and all(r.text.strip() for r in replies), "three non-empty replies")
    user_texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=user-text]")]
    check(user_texts == MESSAGES, f"the messages are shown as sent ({user_texts!r})")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#messages img")) == 0, "the <img> tag stayed text: no img element")
    check(len(driver.find_elements(By.TAG_NAME, "img")) == 0, "no img element anywhere on the page")

    states = [e.get_attribute("data-state") for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn-state]")]
    flags = [e.get_attribute("data-flag") for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn-safety]")]
    print(f"  states {states}, flags {flags}", flush=True)
    check(len(states) == 3 and all(s in STATES for s in states), "each reply shows its global state")
    check(len(flags) == 3 and all(flags), "each reply shows its safety flag")
    check(states[1] == "SAFETY_LOCK", f"'I want to kill myself' locks the state (got {states[1]})")
    check(flags[1] in ("intervened", "escalated", "blocked"), f"and raises the safety flag (got {flags[1]})")
    # The engine's topic labels are Japanese; this (English) browser reads them in English, and the
    # engine's own label stays on the element.
    topics = [(e.text, e.get_attribute("data-label")) for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn-topic]")]
    print(f"  topics {topics}", flush=True)
    english = ("New topic", "Continuing an earlier conversation (estimated)")
    check(len(topics) == 3 and all(text.startswith(english) for text, _ in topics),
          f"each reply shows its topic label in the reader's language ({topics!r})")
    check(all(label.startswith(("新規トピック", "過去の会話の続き")) for _, label in topics),
          "and keeps the engine's label as it is")
    check(topics[0][0].startswith("New topic: Hello"),
          f"a new topic quotes the message's head ({topics[0][0]!r})")
    japanese = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/assets/topic.js').then((m) => done([m.topicText('新規トピック: 京都', ['ja-JP']),"
        " m.topicText('過去の会話の続き（自動推定）', ['en-US', 'ja'])]));")
    check(japanese == ["新規トピック: 京都", "Continuing an earlier conversation (estimated)"],
          f"a Japanese reader sees the engine's label as it is ({japanese!r})")
    full_page_screenshot(driver, "chat.png", 1280)

    # The history comes back from the server after a reload, still as text.
    driver.set_window_size(1280, 1000)
    driver.refresh()
    wait(driver, lambda d: len(ai_replies(d)) == 3, "the three replies after a reload")
    user_texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=user-text]")]
    check(user_texts == MESSAGES, "the reloaded history has the three messages, as text")
    check(len(driver.find_elements(By.TAG_NAME, "img")) == 0, "no img element after reloading the history")
    reloaded_states = [e.get_attribute("data-state") for e in driver.find_elements(By.CSS_SELECTOR, "[data-testid=turn-state]")]
    check(reloaded_states == states, "the turn states are still shown beside the replies")
    reloaded_flags = [e.get_attribute("data-flag") for e in driver.find_elements(By.CSS_SELECTOR, "[data-testid=turn-safety]")]
    check(reloaded_flags == flags, "and their safety flags")
    # The stored snapshots, not this tab's memory, give the badges: none are kept in sessionStorage.
    kept = driver.execute_script("return Object.keys(sessionStorage).filter((k) => k.startsWith('sigmaris.turnMeta'))")
    check(kept == [], f"no turn meta kept in sessionStorage ({kept!r})")

    # A short window: the conversation is taller than it, and a reload opens at the newest exchange.
    driver.set_window_size(1280, 560)
    driver.refresh()
    wait(driver, lambda d: len(ai_replies(d)) == 3, "the three replies after a reload in a short window")
    scrolled = driver.execute_script("return window.scrollY")
    wait(driver, newest_turn_in_view, "the newest exchange in view after a reload", timeout=5)
    check(scrolled > 0 or newest_turn_in_view(driver), f"after a reload the newest exchange is in view, above the message box (scrollY {scrolled})")
    screenshot(driver, "chat-reloaded-short-window.png")
    driver.set_window_size(1280, 1000)
    options = Select(driver.find_element(By.ID, "session-select")).options
    check(len(options) == 1, "one session in the picker")
    check(csp_violations(driver) == [], "no Content-Security-Policy violations on the chat page")
    full_page_screenshot(driver, "chat-narrow.png", 390)
    driver.set_window_size(1280, 1000)
    return states, flags


def session_titles(driver):
    # Read in one script: the page re-renders the options, so element handles can go stale.
    return driver.execute_script(
        "const s = document.getElementById('session-select');"
        "return s ? Array.from(s.options, (o) => o.textContent) : [];")


def test_sessions_follow_the_user(driver, token, other_user_token, states, flags):
    """Sessions come from the server: a second browser session of the same user lists them, a
    rename shows after a reload, a delete (confirmed) removes one, and another user never sees them."""
    print("sessions across browser sessions", flush=True)
    # A second, separate browser (its own sessionStorage) signed in as the same user.
    other = make_driver()
    try:
        other.get(f"{BASE}/")
        sign_in_with_token(other, token)
        wait(other, lambda d: visible(d, "chat"), "the chat in a second browser")
        wait(other, lambda d: len(ai_replies(d)) == 3, "the first browser's conversation in the second browser")
        titles = session_titles(other)
        check(len(titles) == 1 and titles[0].startswith("Session "), f"the second browser lists the same session ({titles!r})")
        other_states = [e.get_attribute("data-state") for e in other.find_elements(By.CSS_SELECTOR, "[data-testid=turn-state]")]
        other_flags = [e.get_attribute("data-flag") for e in other.find_elements(By.CSS_SELECTOR, "[data-testid=turn-safety]")]
        check(other_states == states and other_flags == flags,
              f"the second browser shows each reply's state and safety badges from the stored snapshots ({other_states}, {other_flags})")
        screenshot(other, "chat-second-browser.png")

        # Rename there, see it here after a reload.
        other.find_element(By.ID, "rename-session").click()
        field = wait(other, lambda d: visible(d, "rename-input"), "the rename field")
        field.clear()
        field.send_keys("Renamed in browser two")
        field.send_keys(Keys.ENTER)
        wait(other, lambda d: session_titles(d)[0].startswith("Renamed in browser two"), "the new title in browser two")
    finally:
        other.quit()

    driver.get(f"{BASE}/")
    wait(driver, lambda d: visible(d, "chat") and session_titles(d) and session_titles(d)[0].startswith("Renamed in browser two"),
         "the renamed title after a reload")
    check(True, "the rename shows in the first browser after a reload")

    # A second session, then delete it with the confirmation.
    driver.find_element(By.ID, "new-session").click()
    send_message(driver, "a message in a second session", 1)
    wait(driver, lambda d: len(session_titles(d)) == 2, "two sessions listed")
    driver.find_element(By.ID, "delete-session").click()
    alert = WebDriverWait(driver, TIMEOUT).until(lambda d: d.switch_to.alert)
    check("cannot be undone" in alert.text, "deleting asks for a confirmation")
    alert.accept()
    wait(driver, lambda d: len(session_titles(d)) == 1, "one session after the delete")
    driver.refresh()
    wait(driver, lambda d: visible(d, "chat") and len(ai_replies(d)) == 3, "the remaining session after a reload")
    check(session_titles(driver)[0].startswith("Renamed in browser two"), "the deleted session stays gone after a reload")

    # Another user sees none of it.
    sign_out(driver)
    sign_in_with_token(driver, other_user_token)
    wait(driver, lambda d: visible(d, "chat"), "the chat for another user")
    wait(driver, lambda d: visible(d, "chat-empty"), "an empty conversation for another user")
    titles = session_titles(driver)
    check(len(titles) == 1 and "Renamed" not in titles[0], f"another user sees none of the sessions ({titles!r})")
    screenshot(driver, "sessions-other-user.png")
    # Back to the dashboard, where the next checks run.
    driver.get(f"{BASE}/status")


def memory_items(driver):
    """(id, what the user said) of each listed memory, read in one script (the list re-renders)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#memory-list [data-testid=memory]'), (m) => "
        "[m.dataset.memoryId, (m.querySelector('[data-testid=memory-said]') || {}).textContent || '']);")


def test_memories(driver, token):
    """The chat page's Memories panel: the user's memories newest first (the deleted session's gone
    with it), and a delete, confirmed, that stays done after a reload."""
    print("memories panel", flush=True)
    driver.set_window_size(1280, 1000)
    driver.get(f"{BASE}/")
    wait(driver, lambda d: visible(d, "chat") or visible(d, "signin"), "the chat or the sign-in form")
    if visible(driver, "chat"):
        sign_out(driver)
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "chat") and memory_items(d), "the memories panel")
    items = memory_items(driver)
    said = [text.removeprefix("You said: ") for _, text in items]
    check(said == list(reversed(MESSAGES)), f"one memory per remaining turn, newest first; the deleted session's is gone ({said!r})")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#memory-list img")) == 0, "a memory's text stays text: no img element")
    full_page_screenshot(driver, "memories.png", 1280)

    gone = items[0][0]
    driver.find_element(By.CSS_SELECTOR, f"#memory-list [data-memory-id='{gone}'] [data-testid=memory-delete]").click()
    alert = WebDriverWait(driver, TIMEOUT).until(lambda d: d.switch_to.alert)
    check("never recall" in alert.text, "deleting a memory asks for a confirmation")
    alert.accept()
    wait(driver, lambda d: len(memory_items(d)) == len(items) - 1, "one memory fewer after the delete")
    check(gone not in [i for i, _ in memory_items(driver)], "the deleted memory left the list")
    driver.refresh()
    wait(driver, lambda d: visible(d, "chat") and memory_items(d), "the memories after a reload")
    check([i for i, _ in memory_items(driver)] == [i for i, _ in items[1:]], "the delete stays done after a reload")
    check(csp_violations(driver) == [], "no Content-Security-Policy violations with the memories panel")


def test_dashboard(driver, states, flags):
    print("dashboard", flush=True)
    driver.find_element(By.ID, "nav-status").click()
    wait(driver, lambda d: visible(d, "dashboard-content"), "the dashboard's cards")
    check_navigation(driver, "/status")
    check(driver.find_element(By.ID, "value-global-state").text == states[-1], f"the state card shows the latest state ({states[-1]})")
    check(driver.find_element(By.ID, "value-safety-flag").text == flags[-1], f"the safety card shows the latest flag ({flags[-1]})")
    for element_id in ("value-overload", "value-reflective", "value-risk"):
        value = driver.find_element(By.ID, element_id).text
        check(value.replace(".", "", 1).isdigit(), f"{element_id} shows a number ({value})")
    check(driver.find_element(By.ID, "value-memory").text.isdigit(), "the memory card shows a count")
    check(visible(driver, "empty-state") is None, "no empty state once there are turns")

    wait(driver, lambda d: d.execute_script("return typeof Chart === 'function'"), "Chart.js")
    charts = driver.execute_script(
        """
        const out = {};
        for (const id of ['chart-traits', 'chart-values', 'chart-scores', 'chart-states']) {
          const chart = Chart.getChart(document.getElementById(id));
          out[id] = chart ? {labels: chart.data.labels.length,
                             series: chart.data.datasets.map(d => ({label: d.label, points: d.data.length,
                                                                    numbers: d.data.filter(v => v !== null).length})),
                             data: chart.data.datasets.map(d => d.data)} : null;
        }
        return out;
        """
    )
    print("  charts " + json.dumps({k: v and v["series"] for k, v in charts.items()}), flush=True)
    expected_series = {"chart-traits": 3, "chart-values": 4, "chart-scores": 3, "chart-states": 1}
    for chart_id, count in expected_series.items():
        chart = charts.get(chart_id)
        check(chart is not None, f"{chart_id} is drawn")
        check(chart["labels"] == 3, f"{chart_id} has three turns")
        check(len(chart["series"]) == count, f"{chart_id} has {count} series")
        check(all(s["points"] == 3 and s["numbers"] == 3 for s in chart["series"]), f"{chart_id}: three points per series")
    check(charts["chart-states"]["data"][0] == states, "the timeline chart follows the turn states")
    strip = [e.get_attribute("data-state") for e in driver.find_elements(By.CSS_SELECTOR, "#state-strip li")]
    check(strip == states, "the state strip has one cell per turn")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#data-rows tr")) == 3, "the table has three rows")

    # The turn limit is a select the keyboard can drive; 20 still shows all three turns.
    Select(driver.find_element(By.ID, "turn-limit")).select_by_value("20")
    wait(driver, lambda d: "of the last 20" in d.find_element(By.ID, "dash-updated").text, "a reload for 20 turns")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#state-strip li")) == 3, "20 turns: still three")

    check(csp_violations(driver) == [], "no Content-Security-Policy violations on the dashboard")
    full_page_screenshot(driver, "status.png", 1280)
    full_page_screenshot(driver, "status-narrow.png", 390)


def test_refused_token(driver):
    print("a refused token", flush=True)
    driver.set_window_size(1280, 1000)
    sign_out(driver)
    sign_in_with_token(driver, "aaa.bbb.ccc")  # shaped like a token; the server refuses it
    wait(
        driver,
        lambda d: visible(d, "signin") and "sign in again" in d.find_element(By.ID, "signin-notice").text.lower(),
        "the sign-in form after a 401, saying why",
    )
    check(driver.execute_script("return sessionStorage.getItem('sigmaris.auth')") is None, "a 401 clears the token")
    check(visible(driver, "dashboard") is None, "and hides the dashboard")
    screenshot(driver, "signin-after-401.png")


def test_empty_dashboard(driver, token):
    print("empty dashboard", flush=True)
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "empty-state"), "the empty state for a user without turns")
    check(visible(driver, "dashboard-content") is None, "no cards or charts before the first turn")
    screenshot(driver, "status-empty.png")


def test_dev_sign_in(driver):
    print("dev sign-in", flush=True)
    sign_out(driver)
    wait(driver, lambda d: visible(d, "dev-signin"), "the Dev sign-in button").click()
    wait(driver, lambda d: visible(d, "dashboard"), "the dashboard after Dev sign-in")
    check(driver.find_element(By.ID, "account-name").text.endswith(DEV_USER_ID), "Dev sign-in signs in the dev user")
    check(not driver.find_elements(By.ID, "dev-user-id"), "and offers no other user id")


def attention_row(driver, user_id):
    """The overview's "locked or held" row of a user as {state, hold}, or None."""
    return driver.execute_script(
        "const row = Array.from(document.querySelectorAll('#attention-rows tr')).find((r) => r.dataset.user === arguments[0]);"
        "return row ? {state: row.cells[1].textContent, hold: row.cells[2].textContent} : null;", user_id)


def act_as_operator(driver, button_id, reason, expected):
    """Types the reason, presses an action button, waits for the result line."""
    field = driver.find_element(By.ID, "action-reason")
    field.clear()
    field.send_keys(reason)
    driver.find_element(By.ID, button_id).click()
    if button_id == "action-reset":
        alert = WebDriverWait(driver, TIMEOUT).until(lambda d: d.switch_to.alert)
        check("cannot be undone" in alert.text, "reset asks for a confirmation")
        alert.accept()
    wait(driver, lambda d: visible(d, "action-result") and d.find_element(By.ID, "action-result").text.startswith(expected),
         f"the result of {button_id}")


def test_not_an_operator(driver, token):
    print("operator page as a non-operator", flush=True)
    driver.set_window_size(1280, 1000)
    driver.get(f"{BASE}/operator")
    sign_out(driver)
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "not-operator"), "the not-an-operator message")
    check("not an operator" in driver.find_element(By.ID, "not-operator").text.lower(), "the page says the account is not an operator")
    check(visible(driver, "console") is None, "no overview or actions for a non-operator")
    check(visible(driver, "overview-error") is None, "and no error line: the 403 is the message")
    check_navigation(driver, "/operator")
    how = driver.find_element(By.CSS_SELECTOR, "[data-testid=become-operator]").text
    check("service token" in how and "SIGMARIS_OPERATORS" in how, f"the page says how to become an operator ({how!r})")
    shown_id = driver.find_element(By.ID, "not-operator-id").text
    check(shown_id == user_of(token), f"and names this account's user id to list ({shown_id})")
    full_page_screenshot(driver, "operator-refused.png", 1280)
    driver.set_window_size(1280, 1000)


def test_service_token(driver, token):
    """The service credential: the chat says why it is refused; the operator page takes it and says so."""
    print("a service token", flush=True)
    driver.set_window_size(1280, 1000)
    driver.get(f"{BASE}/")
    sign_out(driver)
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "signin") and "forbidden_role" in d.find_element(By.ID, "signin-notice").text,
         "the chat's refusal of a service token, with its reason")
    notice = driver.find_element(By.ID, "signin-notice").text
    check("expired" not in notice, f"the chat gives the real reason, forbidden_role, not an expiry ({notice!r})")
    check(visible(driver, "chat") is None, "and stays hidden")
    screenshot(driver, "chat-service-token.png")

    driver.get(f"{BASE}/operator")
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "console") and d.find_elements(By.CSS_SELECTOR, "#state-count-rows tr[data-state]"),
         "the operator overview for the service token")
    name = driver.find_element(By.ID, "account-name").text
    check(name == "service", f"the header names the service credential, not a user ({name!r})")
    screenshot(driver, "operator-service.png")


def test_operator(driver, token, chat_user_id):
    print("operator page as an operator", flush=True)
    sign_out(driver)
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "console") and d.find_elements(By.CSS_SELECTOR, "#state-count-rows tr[data-state]"),
         "the operator overview")
    check(visible(driver, "not-operator") is None, "an operator gets the console, not the refusal")
    wait(driver, lambda d: d.execute_script("return typeof Chart === 'function' && !!Chart.getChart(document.getElementById('chart-hourly'))"),
         "the hourly chart")
    hourly = driver.execute_script(
        "const c = Chart.getChart(document.getElementById('chart-hourly'));"
        "return {series: c.data.datasets.map((d) => d.label), turns: c.data.datasets.reduce((n, d) => n + d.data.reduce((a, b) => a + b, 0), 0)};")
    print(f"  hourly chart {hourly}", flush=True)
    check(set(hourly["series"]) >= STATES, "the hourly chart has one series per global state")
    check(hourly["turns"] >= 3, f"and counts this run's turns ({hourly['turns']})")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#hourly-rows tr")) >= 1, "the hourly table has rows")

    # Look the chat user up with the keyboard (Enter submits).
    field = driver.find_element(By.ID, "user-id")
    field.send_keys(chat_user_id)
    field.send_keys(Keys.ENTER)
    wait(driver, lambda d: visible(d, "user-state") and d.find_element(By.ID, "user-shown").text == chat_user_id, "the chat user's state")
    global_state = driver.find_element(By.ID, "user-global-state").text
    check(global_state in STATES, f"the user's global state is shown ({global_state})")
    check(int(driver.find_element(By.ID, "user-turn-count").text) >= 3, "the user's turn count is shown")
    check(driver.find_element(By.ID, "user-hold").text == "None", "no hold yet")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#user-values dd")) == 4, "the four value axes are shown")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#user-traits dd")) == 3, "the three trait axes are shown")
    check("trace" in driver.find_element(By.ID, "user-snapshot").text, "the latest snapshot is shown")

    # An action without a reason is refused on the page.
    driver.find_element(By.ID, "action-silence").click()
    wait(driver, lambda d: visible(d, "action-error"), "the missing-reason message")
    check("reason is required" in driver.find_element(By.ID, "action-error").text.lower(), "silence needs a reason")

    reason = "browser test: <b>hold</b> this user"
    act_as_operator(driver, "action-silence", reason, "Silenced")
    wait(driver, lambda d: d.find_element(By.ID, "user-hold").text == "Held (silenced)", "the hold on the user's card")
    check(True, "silencing shows the hold")
    first = driver.find_element(By.CSS_SELECTOR, "#user-action-rows tr")
    check(first.get_attribute("data-action") == "silence", "the newest action is the silence")
    check(first.find_element(By.CSS_SELECTOR, "td.reason").text == reason, "its reason is shown as typed")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#user-action-rows b")) == 0, "the reason's <b> tag stayed text")
    snapshot = driver.find_element(By.ID, "user-snapshot").text
    check("marks an operator action" in snapshot, f"the latest snapshot is the action's marker ({snapshot!r})")
    wait(driver, lambda d: (attention_row(d, chat_user_id) or {}).get("hold") == "held", "the held user in the overview")
    row = attention_row(driver, chat_user_id)
    check(row["state"] == global_state, f"the overview lists the user with their state ({row})")
    held = driver.execute_script(
        "return Array.from(document.querySelectorAll('#state-count-rows tr')).reduce((n, r) => n + (r.cells[2] ? Number(r.cells[2].textContent) : 0), 0)")
    check(held >= 1, "the per-state counts include a held user")
    check(csp_violations(driver) == [], "no Content-Security-Policy violations on the operator page")
    full_page_screenshot(driver, "operator.png", 1280)
    full_page_screenshot(driver, "operator-narrow.png", 390)
    widths = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    check(widths[0] <= widths[1], f"the operator page fits a narrow screen (no sideways scrolling: {widths})")
    driver.set_window_size(1280, 1000)

    act_as_operator(driver, "action-resume", "browser test: released", "Resumed")
    wait(driver, lambda d: d.find_element(By.ID, "user-hold").text == "None", "the hold gone after resume")
    check(True, "resume releases the hold")
    wait(driver, lambda d: (attention_row(d, chat_user_id) or {}).get("hold") != "held", "the overview without the hold")
    check(True, "the overview no longer lists the user as held")

    act_as_operator(driver, "action-reset", "browser test: reset", "Reset")
    actions = [r.get_attribute("data-action") for r in driver.find_elements(By.CSS_SELECTOR, "#user-action-rows tr")]
    check(actions[:3] == ["reset", "resume", "silence"], f"the recent actions, newest first ({actions})")


def policy_rows(driver):
    """The policy table's rows as [{id, enabled, name, rule}]."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#policy-rows tr')).map((r) => "
        "({id: r.dataset.policy, enabled: r.dataset.enabled, name: r.cells[0].textContent, rule: r.cells[1].textContent}));")


def test_policies(driver):
    """Creates a policy on the operator page (a refused one first), disables it and deletes it, so
    nothing of it is left for the later checks on this database."""
    print("policies on the operator page", flush=True)
    wait(driver, lambda d: visible(d, "policy-form"), "the policy form")
    check(visible(driver, "flagged") is not None and visible(driver, "triggers") is not None,
          "the flagged users and the recent triggers are shown")

    def fill(name, metric, op, value, turns, action):
        for field_id, text in [("policy-name", name), ("policy-metric", metric), ("policy-value", value), ("policy-for-turns", turns)]:
            field = driver.find_element(By.ID, field_id)
            field.clear()
            field.send_keys(text)
        Select(driver.find_element(By.ID, "policy-op")).select_by_visible_text(op)
        Select(driver.find_element(By.ID, "policy-action")).select_by_value(action)
        driver.find_element(By.ID, "policy-create").click()

    # A number metric with a word: the server's reason is shown, nothing is listed.
    fill("browser test policy", "overload_score", ">=", "high", "2", "flag")
    wait(driver, lambda d: visible(d, "policy-form-error"), "the refusal of a bad policy")
    refusal = driver.find_element(By.ID, "policy-form-error").text
    check("number" in refusal, f"the page shows why the policy was refused ({refusal!r})")
    check(not [r for r in policy_rows(driver) if r["name"] == "browser test policy"], "the refused policy is not listed")

    fill("browser test policy", "safety_flag", "==", "blocked", "2", "notify")
    wait(driver, lambda d: visible(d, "policy-form-result"), "the created policy")
    wait(driver, lambda d: [r for r in policy_rows(d) if r["name"] == "browser test policy"], "the new policy in the list")
    row = [r for r in policy_rows(driver) if r["name"] == "browser test policy"][0]
    check(row["enabled"] == "true" and row["rule"] == "safety_flag == blocked for 2 turns", f"the policy is listed as written ({row})")
    full_page_screenshot(driver, "operator-policies.png", 1280)
    driver.set_window_size(1280, 1000)

    driver.find_element(By.CSS_SELECTOR, f"#policy-rows tr[data-policy='{row['id']}'] button[aria-label^='Disable']").click()
    wait(driver, lambda d: [r for r in policy_rows(d) if r["id"] == row["id"] and r["enabled"] == "false"], "the disabled policy")
    check(True, "a policy can be disabled")
    driver.find_element(By.CSS_SELECTOR, f"#policy-rows tr[data-policy='{row['id']}'] button[aria-label^='Delete']").click()
    alert = WebDriverWait(driver, TIMEOUT).until(lambda d: d.switch_to.alert)
    check("Delete policy" in alert.text, "delete asks for a confirmation")
    alert.accept()
    wait(driver, lambda d: not [r for r in policy_rows(d) if r["id"] == row["id"]], "the deleted policy gone from the list")
    check(True, "a policy can be deleted")
    check(csp_violations(driver) == [], "no Content-Security-Policy violations with the policies")


# Records, in the page, every text the newest reply bubble shows until the whole answer replaced it
# (a MutationObserver sees each change; polling from here could miss a short-lived one).
RECORD_REPLY_GROWTH = """
window.__replyTexts = [];
const messages = document.getElementById('messages');
const record = () => {
  const turn = messages.lastElementChild;
  const text = turn && turn.querySelector('.bubble.ai .text');
  const value = text ? text.textContent : null;
  const seen = window.__replyTexts;
  if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
};
new MutationObserver(record).observe(messages, {childList: true, subtree: true, characterData: true});
"""


# Replaces the page's next streamed POST /api/aei with a made-up answer (the request never leaves the
# browser) and notes the Accept header of every turn request, to check what the page does when a
# stream breaks or ends in an error event, which a healthy server does not do on demand.
FAKE_NEXT_STREAM = """
const kind = arguments[0];
window.__turnAccepts = [];
const realFetch = window.__realFetch || window.fetch.bind(window);
window.__realFetch = realFetch;
let faked = false;
window.fetch = (url, init = {}) => {
  const accept = (init.headers && init.headers.Accept) || '';
  const turn = String(url).startsWith('/api/aei') && init.method === 'POST';
  if (turn) window.__turnAccepts.push(accept);
  if (!turn || faked || !accept.includes('text/event-stream')) return realFetch(url, init);
  faked = true;
  const body = kind === 'broken'
    ? new ReadableStream({ start(c) { c.error(new TypeError('network error')); } })
    : new Blob(['event: error\\ndata: {"error":"The provider failed","reason":"provider_failed"}\\n\\n']).stream();
  return Promise.resolve(new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
};
"""


def test_streaming(driver, base, token):
    """Issue #12 on the page: a stream that breaks before its first piece is retried as JSON, an error
    event is shown like an error answer, and a streamed reply grows before it is complete."""
    print("streaming on the chat page", flush=True)
    driver.set_window_size(1280, 1000)
    driver.get(f"{base}/")
    sign_in_with_token(driver, token)
    wait(driver, lambda d: visible(d, "chat") and visible(d, "chat-empty"), "the chat of a new user")

    driver.execute_script(FAKE_NEXT_STREAM, "broken")
    send_message(driver, "A stream that breaks at once.", 1)
    accepts = driver.execute_script("return window.__turnAccepts")
    check(len(accepts) == 2 and "text/event-stream" in accepts[0] and "text/event-stream" not in accepts[1],
          f"a stream broken before its first piece is sent again as one JSON request ({accepts!r})")

    driver.execute_script(FAKE_NEXT_STREAM, "error")
    text = "A stream that ends in an error."
    box = driver.find_element(By.ID, "chat-input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait(driver, lambda d: visible(d, "chat-error"), "the error of a stream that ended in an error event")
    error = driver.find_element(By.ID, "chat-error").text
    check("The provider failed" in error, f"an error event is shown as the error ({error!r})")
    check(len(driver.execute_script("return window.__turnAccepts")) == 1, "and is not sent again")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn]")) == 1, "its turn is taken off the page")
    check(box.get_attribute("value") == text, "and the message stays in the box to try again")
    box.clear()
    driver.execute_script("window.fetch = window.__realFetch")

    print("a streamed reply grows before it is complete", flush=True)
    driver.execute_script(RECORD_REPLY_GROWTH)
    send_message(driver, "Tell me something, slowly.", 2)
    final = driver.execute_script("return document.querySelectorAll('#messages [data-testid=ai-text]')[1].textContent")
    texts = driver.execute_script("return window.__replyTexts")
    print(f"  reply texts seen: {texts!r}", flush=True)
    check(final.strip() != "", "the streamed reply is complete and not empty")
    partial = [t for t in texts if t and t != final and final.startswith(t)]
    check(partial, f"the reply grew before it was complete: a non-empty strict prefix of {final!r} was shown")
    check(texts[-1] == final, "the last text shown is the whole reply")
    states = [e.get_attribute("data-state") for e in driver.find_elements(By.CSS_SELECTOR, "#messages [data-testid=turn-state]")]
    check(len(states) == 2 and all(s in STATES for s in states), f"each reply shows its global state ({states})")
    screenshot(driver, "chat-streamed.png")


def test_api_reference(driver):
    """/docs renders every operation of /openapi.json (fetched by the browser itself), offline."""
    print("API reference", flush=True)
    driver.set_window_size(1280, 1000)
    driver.get(f"{BASE}/docs")
    wait(driver, lambda d: visible(d, "reference"), "the API reference")
    check_navigation(driver, "/docs")
    document = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/openapi.json').then((r) => r.json()).then(done, (e) => done({error: String(e)}));"
    )
    check("paths" in document, f"the page's origin serves /openapi.json {document.get('error', '')}")
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    documented = {(path, method) for path, item in document["paths"].items() for method in item if method in methods}
    rendered, wrong_statuses = set(), []
    for section in driver.find_elements(By.CSS_SELECTOR, "section.operation[data-path]"):
        path, method = section.get_attribute("data-path"), section.get_attribute("data-method")
        rendered.add((path, method))
        statuses = {li.get_attribute("data-status") for li in section.find_elements(By.CSS_SELECTOR, "li.response")}
        if statuses != set(document["paths"].get(path, {}).get(method, {}).get("responses", {})):
            wrong_statuses.append(f"{method.upper()} {path}: {sorted(statuses)}")
    check(rendered == documented, f"every route is rendered once: missing {sorted(documented - rendered)}, extra {sorted(rendered - documented)}")
    check(wrong_statuses == [], f"each route shows every documented status {wrong_statuses}")
    schemas = {e.get_attribute("data-schema") for e in driver.find_elements(By.CSS_SELECTOR, "[data-schema]")}
    check(schemas == set(document["components"]["schemas"]), "every schema is rendered")
    filter_box = driver.find_element(By.ID, "docs-filter")
    filter_box.send_keys("overview")
    shown = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.operation") if s.is_displayed()]
    check([s.get_attribute("data-path") for s in shown] == ["/persona/overview"], "the filter narrows the routes")
    filter_box.clear()
    filter_box.send_keys(" ")
    check(csp_violations(driver) == [], "no Content-Security-Policy violations on /docs")
    screenshot(driver, "docs.png")


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver = make_driver()
    print(f"browser test against {BASE} as a new user", flush=True)
    try:
        chat_token = required_env("SIGMARIS_BROWSER_CHAT_TOKEN")
        empty_token = required_env("SIGMARIS_BROWSER_EMPTY_TOKEN")
        link_token = required_env("SIGMARIS_BROWSER_LINK_TOKEN")
        test_link_with_a_token(driver, link_token)
        states, flags = test_chat(driver, chat_token)
        test_dashboard(driver, states, flags)
        # The empty user's token stands for "another user": this only looks, it writes nothing.
        test_sessions_follow_the_user(driver, chat_token, empty_token, states, flags)
        test_refused_token(driver)
        test_empty_dashboard(driver, empty_token)
        check(csp_violations(driver) == [], "no Content-Security-Policy violations on the empty dashboard")
        test_dev_sign_in(driver)
        test_not_an_operator(driver, empty_token)
        test_operator(driver, required_env("SIGMARIS_BROWSER_OPERATOR_TOKEN"), user_of(chat_token))
        test_policies(driver)
        test_service_token(driver, required_env("SIGMARIS_BROWSER_SERVICE_TOKEN"))
        test_api_reference(driver)
        # Last with the chat user's data: it deletes one of their memories.
        test_memories(driver, chat_token)
        errors = console_errors(driver)
        check(errors == [], f"no errors in the browser console {errors!r}")
        test_streaming(driver, required_env("SIGMARIS_BROWSER_STREAM_BASE_URL").rstrip("/"),
                       required_env("SIGMARIS_BROWSER_STREAM_TOKEN"))
        errors = console_errors(driver)
        check(errors == [], f"no errors in the browser console after streaming {errors!r}")
    except UnexpectedAlertPresentException:
        print("FAILED: an alert() ran: markup from a message was executed", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001: report anything, with a screenshot
        print(f"FAILED: {error}", file=sys.stderr)
        if not isinstance(error, CheckFailed):
            traceback.print_exc()
        try:
            screenshot(driver, "failure.png")
            for message in console_errors(driver):
                print(f"  console: {message}", file=sys.stderr)
        except Exception:
            pass
        print(f"{passed} passed, 1 failed")
        return 1
    finally:
        try:
            driver.quit()
        except Exception:
            pass
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
