"""Follow and unfollow buttons (htmx swaps the button; without JavaScript, a redirect back), the
notifications list and counter, the account page's mail settings, one-click unsubscribe."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import csrf, db
from app.following import bp
from app.following.forms import EmailForm, FollowForm, SettingsForm
from app.models import User
from app.web.htmx import render_htmx, wants_fragment
from app.wiki import following, notifications, pages, tagging
from app.wiki.mail import mail_is_on
from app.wiki.mail.links import user_id_from_token
from app.wiki.permissions import can, is_member


def readable_page_or_404(slug: str):
    page, _redirected = pages.find_page(slug)
    if page is None or not can(current_user, "view", page):
        abort(404)
    return page


def readable_tag_or_404(key: str):
    tag = tagging.find_tag(key)
    if tag is None or not tagging.pages_with_tag(tag, member=is_member(current_user)):
        abort(404)
    return tag


def member_or_403():
    if not is_member(current_user):
        abort(403)


def button(*, page=None, tag=None):
    """The follow button, as a fragment for htmx or inside a small page."""
    target = {"page": page, "tag": tag}
    context = dict(page=page, tag=tag, followed=following.is_following(current_user, **target))
    return render_htmx("following/button.html", "following/_button.html", **context)


def change_follow(follow: bool, *, page=None, tag=None):
    member_or_403()
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    (following.follow if follow else following.unfollow)(current_user, page=page, tag=tag)
    if wants_fragment():
        return button(page=page, tag=tag)
    name = page.title if page is not None else tag.name
    flash(_("You follow “%(name)s”.", name=name) if follow else _("You no longer follow “%(name)s”.", name=name), "success")
    if form.back.data == "account":  # the list of what I follow, on the account page
        back = url_for("api.account")
    else:
        back = url_for("pages.show", slug=page.slug) if page is not None else url_for("tags.show", tag=tag.slug)
    return redirect(back, 303)


@bp.get("/wiki/<slug>/following")
@login_required
def page_button(slug):
    """The follow button of a page (loaded by htmx: the page view itself is cached)."""
    member_or_403()
    return button(page=readable_page_or_404(slug))


@bp.post("/wiki/<slug>/follow")
@login_required
def follow_page(slug):
    """Follow a page: its published changes reach me in the app and by mail."""
    return change_follow(True, page=readable_page_or_404(slug))


@bp.post("/wiki/<slug>/unfollow")
@login_required
def unfollow_page(slug):
    return change_follow(False, page=readable_page_or_404(slug))


@bp.post("/tags/<tag>/follow")
@login_required
def follow_tag(tag):
    """Follow a tag: published changes to every page carrying it."""
    return change_follow(True, tag=readable_tag_or_404(tag))


@bp.post("/tags/<tag>/unfollow")
@login_required
def unfollow_tag(tag):
    return change_follow(False, tag=readable_tag_or_404(tag))


@bp.get("/notifications", endpoint="notifications")
@login_required
def notifications_list():
    """What happened to what I follow and to my edits (only what I may see now)."""
    member_or_403()
    items = notifications.visible_notifications(current_user)
    unread_changes = sum(1 for n in items if n.kind == "change" and n.read_at is None)
    return render_template("following/notifications.html", items=items, unread_changes=unread_changes,
                           form=FollowForm(), may_open=lambda n: notifications.may_read_page(current_user, n))


@bp.get("/notifications/count")
@login_required
def counter():
    """The header's counter (a fragment; the header of a cached page view asks for it)."""
    member_or_403()
    response = render_template("following/_counter.html", unread=notifications.unread_count(current_user))
    return response, 200, {"Cache-Control": "private, no-store"}


@bp.post("/notifications/read")
@login_required
def mark_read():
    member_or_403()
    if not FollowForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("following.notifications"), 303)


@bp.post("/account/email")
@login_required
def set_email():
    """Set, change or clear my e-mail address (field `email`)."""
    member_or_403()
    form = EmailForm()
    if not form.validate_on_submit():
        abort(400)
    address = notifications.set_email(current_user, form.email.data)
    flash(_("Your e-mail address is now %(address)s.", address=address) if address
          else _("Your e-mail address is removed: you will receive no mail."), "success")
    return redirect(url_for("api.account"), 303)


@bp.post("/account/notifications")
@login_required
def save_settings():
    """How often mail comes (`period`), following what I edit, mail on or off, the review digest."""
    member_or_403()
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    notifications.update_settings(current_user, period=form.period.data or "", follow_own_edits=form.follow_own_edits.data,
                                  mail_enabled=form.mail_enabled.data, review_digest=form.review_digest.data or "")
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("api.account"), 303)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    """The link in every mail: no sign-in, no more mail to this person."""
    return stop_mail(token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: the mail client posts List-Unsubscribe=One-Click; the token is the proof
def unsubscribe_one_click(token):
    return stop_mail(token)


def stop_mail(token: str):
    user_id = user_id_from_token(token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        abort(404)
    notifications.unsubscribe(user)
    response = render_template("following/unsubscribed.html", name=user.name)
    return response, 200, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.app_template_global()
def account_following():
    """What the account page shows of following: followed pages and tags, settings, mail on or off."""
    user = current_user
    return dict(pages=following.followed_pages(user), tags=following.followed_tags(user),
                settings=following.settings_of(user), reviewer=can(user, "review"), mail_on=mail_is_on(),
                email_form=EmailForm(), settings_form=SettingsForm())


@bp.app_template_global()
def following_tag(tag) -> bool:
    """Does the reader follow this tag (for the tag page's button)?"""
    return following.is_following(current_user, tag=tag)
