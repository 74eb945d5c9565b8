"""Search with several workers on one index, and several machines (each with its own index) on one database:
every page saved is found at once, everywhere."""

import threading

from app import create_app
from app.extensions import db
from app.wiki import editing, search


def save_and_search(app, prefix, count, found, errors):
    """A worker: create pages and search for each one right after saving it."""
    try:
        with app.app_context():
            for n in range(count):
                editing.create_page(title=f"{prefix} {n}", body=f"Texte {prefix}{n} du travailleur.",
                                    publish_now=True)
                search.query(f"{prefix}{n}", member=False)
                found.append(f"{prefix}{n}")
    except Exception as error:  # noqa: BLE001  (reported by the test)
        errors.append(error)


def run_workers(apps, count=8):
    found, errors = [], []
    threads = [threading.Thread(target=save_and_search, args=(app, f"mot{i}x", count, found, errors))
               for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(found) == count * len(apps)
    return found


def test_workers_sharing_one_index_saving_and_searching_at_once(app):
    found = run_workers([app] * 4)
    with app.app_context():
        for word in found:
            assert len(search.query(word, member=False).hits) == 1, word


def test_two_machines_with_their_own_index_on_one_database(app, app_config, tmp_path):
    other = create_app({**app_config, "WIKI_INSTANCE_PATH": str(tmp_path / "other-node")})
    found = run_workers([app, other, app, other])
    for node in (app, other):
        with node.app_context():
            for word in found:
                assert len(search.query(word, member=False).hits) == 1, word
    with other.app_context():
        db.engine.dispose()
