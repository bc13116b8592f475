"""The baseline of bench/run.py: a bare Flask app answering "hello", served by the same gunicorn settings as eventsvc."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
