"""The reference stack's app: the classic Flask view this project replaces.

nginx -> uWSGI -> this module's `app`. The view builds the 52-letter dict and returns it with
`jsonify`, the way the seed did. Key sorting is turned off so the document is byte-for-byte
the shape /api answers (keys "0".."51" in numeric order); that also spares the reference the
cost of sorting, so the comparison does not flatter us.
"""

from __future__ import annotations

import random
import string

from flask import Flask, jsonify

app = Flask(__name__)
app.json.sort_keys = False


@app.route("/api")
def api():
    return jsonify({str(i): random.choice(string.ascii_letters) for i in range(52)})
