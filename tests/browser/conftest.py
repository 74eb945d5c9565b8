"""Browser tests: a live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Without Chromium the tests are skipped on a developer's machine, but fail when CI is set."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models.taxonomy import seed_licences
from app.wiki.accounts import create_user

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "TESTING": True, "WIKI_INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'wiki.db'}", "SECRET_KEY": "browser-tests",
        "WIKI_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # the production defaults otherwise
    })
    with app.app_context():
        db.create_all()
        seed_licences()
        create_user(name="Fanny", password="motdepasse", role="facilitator")
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def make_page(live_app):
    """Create a published page directly through the domain."""
    from app.wiki import editing, pages
    from app.wiki.slugs import slugify

    def make(title, body):
        with live_app.app_context():
            page, _redirected = pages.find_page(slugify(title))
            if page is None:
                page = editing.create_page(title=title, body=body, author_label="test", publish_now=True)
            return page.slug
    return make


@pytest.fixture
def console_problems(page):
    """Console errors, page errors and CSP violations seen by the page; tests assert it stays empty."""
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.expose_function("reportCspViolation", lambda text: problems.append(f"CSP violation: {text}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation', "
                         "e => window.reportCspViolation(e.violatedDirective + ' ' + e.blockedURI))")
    return problems


def sign_in(page, live_server: str) -> None:
    """Sign in through the form as the facilitator Fanny."""
    page.goto(f"{live_server}/login")
    page.fill("input[name=name]", "Fanny")
    page.fill("input[name=password]", "motdepasse")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/")


@pytest.fixture
def signed_in(page, live_server):
    """The page, signed in as the facilitator Fanny."""
    sign_in(page, live_server)
    return page


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
