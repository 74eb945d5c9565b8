"""Issue 17: what readers may not see must not leak around the edges (production defaults).

Never-published pages, links and tags that exist only for members, a rename waiting for review,
and the 404 of a members-only page: each answered through the real URLs and forms."""

from app.extensions import db
from app.models import Page


def save(client, slug, body, *, title, base=None, tags="", summary=""):
    data = {"title": title, "body": body, "summary": summary, "tags": tags,
            "base_revision": "" if base is None else str(base)}
    response = client.post(f"/wiki/{slug}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_never_published_page_shows_nowhere_to_visitors(client, client_as, editor):
    save(editor, "accueil", "Bienvenue", title="Accueil")
    newcomer = client_as("volunteer")  # untrusted: their new page waits for review
    save(newcomer, "brouillon-de-zoe", "Voir [[Accueil]].", title="Brouillon de Zoé")
    assert "Zoé" not in text(client.get("/wiki/accueil/links"))
    for url in ("/wiki/brouillon-de-zoe", "/wiki/brouillon-de-zoe/links", "/wiki/brouillon-de-zoe/credits",
                "/wiki/brouillon-de-zoe/history"):
        response = client.get(url)
        assert response.status_code == 404 and "Zoé" not in text(response), url
    assert "Brouillon de Zoé" in text(newcomer.get("/wiki/accueil/links"))  # members see pending pages
    assert newcomer.get("/wiki/brouillon-de-zoe/credits").status_code == 200


def test_visitors_backlinks_come_from_the_published_text(client, client_as, editor):
    save(editor, "cible", "ici", title="Cible")
    save(editor, "ancienne-cible", "là", title="Ancienne cible")
    save(editor, "source", "Voir [[Ancienne cible]].", title="Source")
    newcomer = client_as("volunteer")
    save(newcomer, "source", "Voir [[Cible]] désormais.", title="Source", base=1)  # pending: the link moves
    assert "Source" not in text(client.get("/wiki/cible/links"))  # only in pending text
    assert "Source" in text(client.get("/wiki/ancienne-cible/links"))  # still in the published text
    assert "Source" in text(newcomer.get("/wiki/cible/links"))  # members read the head
    assert "Source" not in text(newcomer.get("/wiki/ancienne-cible/links"))


def test_tags_only_on_unreadable_pages_answer_like_unknown_tags(client, client_as):
    facilitator = client_as("facilitator")
    save(facilitator, "projet", "texte", title="Projet", tags="Projet confidentiel")
    assert facilitator.post("/wiki/projet/visibility", data={"visibility": "members"}).status_code == 303
    save(facilitator, "ephemere", "texte", title="Éphémère", tags="Étiquette effacée")
    assert facilitator.post("/wiki/ephemere/delete").status_code == 303
    volunteer = client_as("volunteer")
    unknown = client.get("/tags/inconnu")
    assert unknown.status_code == 404
    for tag in ("projet-confidentiel", "etiquette-effacee", "Projet-Confidentiel"):
        response = client.get(f"/tags/{tag}")
        assert response.status_code == 404, tag
        assert text(response).replace(tag, "inconnu") == text(unknown), tag
    assert volunteer.get("/tags/etiquette-effacee").status_code == 404
    assert volunteer.get("/tags/projet-confidentiel").status_code == 200
    unknown_search = text(client.get("/search?tag=inconnu"))
    hidden_search = client.get("/search?tag=projet-confidentiel")
    assert hidden_search.status_code == 200 and "Projet confidentiel" not in text(hidden_search)
    assert text(hidden_search).replace("projet-confidentiel", "inconnu") == unknown_search
    assert "Projet confidentiel" in text(volunteer.get("/search?tag=projet-confidentiel"))


def test_a_rename_waiting_for_review_keeps_the_published_address(app, client, client_as, editor):
    save(editor, "ancien-titre", "Le texte de la page.", title="Ancien titre")
    newcomer = client_as("volunteer")
    response = newcomer.post("/wiki/ancien-titre/rename", data={"title": "Titre confidentiel"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/wiki/ancien-titre")
    for reader in (client, newcomer):
        assert reader.get("/wiki/ancien-titre").status_code == 200
        assert reader.get("/wiki/titre-confidentiel").status_code == 404
    assert "Titre confidentiel" not in text(client.get("/wiki/ancien-titre"))
    assert "Titre confidentiel" not in text(client.get("/wiki/ancien-titre/history"))
    assert "Titre confidentiel" in text(newcomer.get("/wiki/ancien-titre"))  # members read the head
    facilitator = client_as("facilitator")
    approved = facilitator.post("/review/ancien-titre/approve", data={"revision": "2", "comment": ""})
    assert approved.status_code in (200, 303)
    for reader in (client, newcomer):  # published: the address moves, the old one redirects
        moved = reader.get("/wiki/ancien-titre")
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/wiki/titre-confidentiel")
        assert reader.get("/wiki/titre-confidentiel").status_code == 200
    with app.app_context():
        assert db.session.query(Page).filter_by(slug="titre-confidentiel").one().title == "Titre confidentiel"


def test_a_rejected_rename_never_moves_the_page(client, client_as, editor):
    save(editor, "stable", "texte", title="Stable")
    client_as("volunteer").post("/wiki/stable/rename", data={"title": "Refusé"})
    client_as("facilitator").post("/review/stable/reject", data={"revision": "2", "comment": "non"})
    assert client.get("/wiki/stable").status_code == 200
    assert client.get("/wiki/refuse").status_code == 404
    save(editor, "stable", "texte revu", title="Stable", base=3)  # a later published edit moves nothing
    assert client.get("/wiki/stable").status_code == 200


def test_a_members_only_page_answers_a_visitor_exactly_like_a_missing_one(client, client_as):
    facilitator = client_as("facilitator")
    save(facilitator, "zzsecret", "Le mot MARQUEURSECRET.", title="Zzsecret")
    assert facilitator.post("/wiki/zzsecret/visibility", data={"visibility": "members"}).status_code == 303
    save(facilitator, "yyancien", "texte", title="Yyancien")
    facilitator.post("/wiki/yyancien/rename", data={"title": "Yynouveau"})
    facilitator.post("/wiki/yynouveau/visibility", data={"visibility": "members"})
    for headers in ({}, {"HX-Request": "true"}):
        for hidden in ("zzsecret", "yyancien", "yynouveau"):
            secret, missing = client.get(f"/wiki/{hidden}", headers=headers), client.get("/wiki/zzabsent", headers=headers)
            assert (secret.status_code, missing.status_code) == (404, 404)
            capital = hidden.capitalize()
            assert text(secret).replace(hidden, "zzabsent").replace(capital, "Zzabsent") == text(missing)
            assert sorted(k for k, _v in secret.headers) == sorted(k for k, _v in missing.headers)
        for suffix in ("/history", "/links", "/credits", "/edit", "/diff", "/revisions/1", "/rename", "/tags"):
            secret, missing = client.get(f"/wiki/zzsecret{suffix}"), client.get(f"/wiki/zzabsent{suffix}")
            assert secret.status_code == missing.status_code, suffix
            assert text(secret).replace("zzsecret", "zzabsent") == text(missing), suffix
