"""/templates: the page templates (ordinary pages tagged "modèle"), each opening the editor of a new page."""

from flask import render_template
from flask_login import current_user

from app.agenda import bp
from app.wiki.page_templates import TEMPLATE_TAG, template_pages
from app.wiki.permissions import is_member


@bp.get("/templates")
def templates():
    """Every template this reader may see, with a form to start a page from it."""
    return render_template("agenda/templates.html", templates=template_pages(member=is_member(current_user)),
                           template_tag=TEMPLATE_TAG)
