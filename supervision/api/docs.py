"""``/api/v1/docs``: the browsable API reference (Swagger UI served from the vendored npm package)."""

from __future__ import annotations

from flask import render_template
from flask_smorest import Blueprint

blp = Blueprint("api_docs", __name__, url_prefix="/api/v1", description="API reference page")


@blp.get("/docs")
@blp.doc(security=[], responses={"200": {"description": "HTML page", "content": {"text/html": {}}}})
def page():
    """The browsable reference of this API (no login needed: it shows the document, not data)."""
    return render_template("api/docs.html")
