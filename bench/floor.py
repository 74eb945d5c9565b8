"""The floor: a bare Flask app answering a 20 KB HTML page, served like the wiki, in the same run."""

from flask import Flask

BODY = "<!doctype html><html lang=fr><head><title>Floor</title></head><body>" + (
    "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 6 + "</p>\n") * 57 + "</body></html>"

app = Flask(__name__)


@app.get("/")
def page():
    return BODY
