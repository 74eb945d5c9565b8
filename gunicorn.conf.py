"""gunicorn settings for production (`make serve`, the Docker image). Override with GUNICORN_CMD_ARGS."""

import gc
import multiprocessing
import os
import signal
import sys
import traceback

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}")
# Sync workers: page views are short and CPU-bound; SQLite allows one writer at a time anyway.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = 30  # a request that takes longer is stuck, not slow
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle workers now and then: bounded memory over months
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket is one path per user (~/.gunicorn/gunicorn.ctl): two wikis, or a
# wiki and its benchmark floor, on one machine would fight over it. Nothing here uses it.
control_socket_disable = True
# The request id (app/web/request_ids.py) on every access line too.
access_log_format += ' rid=%({x-request-id}o)s'
# The app is built once in the master (wsgi.py: the same start-up checks, exit code 4) and the
# workers fork from it, sharing its modules copy-on-write; pre_fork freezes the garbage collector's
# view of those objects so a collection in a worker does not write to (and so copy) their pages.
# At 10,000 pages this keeps about 20 MB of each worker's memory shared with the master instead of
# private (docs/architecture.md, "Worker memory"). Code changes need a restart, not a HUP.
preload_app = True


def on_starting(server):
    """Before any worker: stop with one line if the wiki cannot start; while no admin exists,
    print the one-time code for /setup (once, from the master)."""
    from app.startup import StartupError, announce_setup, start

    try:
        app = start()
    except StartupError as error:
        raise SystemExit(f"Gare centrale cannot start: {error}") from None
    host, _sep, port = str(server.cfg.bind[0]).rpartition(":")
    announce_setup(app, f"http://{host or '127.0.0.1'}:{port}")


def pre_fork(server, worker):
    """Just before each worker is forked: what the master holds is kept out of the workers' collections;
    and a search watcher that died is forked again (gunicorn reaps it like any child)."""
    if getattr(server, "search_watcher", None) and not running(server.search_watcher):
        server.log.warning("The search watcher %s is gone; starting another", server.search_watcher)
        start_search_watcher(server)
    gc.collect()
    gc.freeze()


# The machine's search watcher (app/wiki/search/watcher.py): forked from the master before the
# workers, so it shares the preloaded app with them; it indexes what the workers save, and a worker
# leaves a save's catch-up to it while it beats. WIKI_SEARCH_WATCHER=0 leaves catch-ups to the workers.
def when_ready(server):
    if os.environ.get("WIKI_SEARCH_WATCHER", "1") != "0":
        start_search_watcher(server)


def on_exit(server):
    pid = getattr(server, "search_watcher", None)
    if pid and running(pid):
        os.kill(pid, signal.SIGTERM)  # it also stops by itself once the master is gone


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start_search_watcher(server):
    app = server.app.wsgi()
    gc.collect()
    gc.freeze()
    pid = os.fork()
    if pid:
        server.search_watcher = pid
        return
    status = 0
    try:  # the child: none of the master's signal handlers or sockets, and never back into gunicorn
        for number in (signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH,
                       signal.SIGTTIN, signal.SIGTTOU, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: sys.exit(0))
        for listener in server.LISTENERS:
            listener.close()
        from app.wiki.search.watcher import watch

        watch(app, server.pid)
    except SystemExit:
        pass
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        status = 1
    finally:
        os._exit(status)
