"""Search benchmark: seed N generated French pages, then time queries, suggestions and one-edit updates.

    .venv/bin/python -m bench.search                 # 10,000 pages, a table
    .venv/bin/python -m bench.search --pages 2000 --json
    .venv/bin/python -m bench.search --folder /tmp/bench   # keep the seeded wiki; run again to reuse it
    .venv/bin/python -m bench.search --instance <folder> --seed 7   # a wiki bench.seeding made (wiki.db)

Everything happens in a throwaway instance folder (SQLite), deleted at the end unless --folder.
The text is generated deterministically from a vocabulary of real French words about associations,
with a Zipf-like word frequency, so common words are in most pages and rare words in a few."""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Counter, Page, Revision, Tag, page_tags
from app.models.taxonomy import seed_licences
from app.wiki import editing, search
from app.wiki.search.analysis import TEXT_ANALYZER
from app.wiki.slugs import slugify

# --- Vocabulary -----------------------------------------------------------------------------------

NOUNS = """
association adhérent adhérente bénévole bénévolat bureau président présidente trésorier trésorière
secrétaire conseil administration assemblée statut règlement cotisation subvention budget bilan compte
rapport projet action activité atelier réunion séance ordre procès-verbal délibération vote élection
mandat membre collectif fédération réseau partenaire partenariat mairie commune département région
préfecture collectivité financement mécénat don donateur donatrice fondation entreprise salarié salariée
emploi contrat service volontaire stagiaire formation formateur formatrice animateur animatrice animation
quartier habitant habitante famille enfant jeune jeunesse senior solidarité insertion inclusion handicap
accessibilité culture sport loisir éducation environnement écologie jardin potager compost recyclage
alimentation épicerie cantine repas marché producteur productrice circuit logement hébergement santé
prévention accompagnement médiation citoyenneté démocratie participation concertation consultation
gouvernance transparence éthique charte valeur mission objectif orientation stratégie évaluation
indicateur impact communication affiche tract journal lettre site page outil logiciel ordinateur tableur
document modèle fiche guide ressource bibliothèque médiathèque archive salle local matériel équipement
véhicule assurance responsabilité sécurité déclaration greffe numéro banque trésorerie facture reçu
dépense recette comptabilité exercice clôture excédent déficit réserve fonds appel dossier candidature
calendrier échéance date planning événement fête festival concert exposition spectacle conférence débat
rencontre forum permanence accueil inscription adhésion questionnaire enquête sondage diagnostic besoin
demande proposition idée initiative expérimentation innovation coopération mutualisation entraide échange
partage savoir compétence expérience témoignage parcours chantier travail tâche rôle fonction responsable
référent référente coordinateur coordinatrice coordination équipe groupe commission comité pilotage suivi
relecture correction licence droit auteur autrice image photographie vidéo musique théâtre danse lecture
écriture langue traduction alphabétisation internet courriel message sauvegarde donnée confidentialité
vie année mois semaine soirée matin week-end été automne hiver printemps vacances rentrée saison
convention accord avenant devis commande fournisseur prestataire prestation tarif prix gratuité
remboursement frais déplacement transport covoiturage vélo bus train trajet itinéraire carte plan adresse
téléphone contact annuaire liste registre cahier classeur tableau schéma graphique chiffre statistique
résultat réussite difficulté problème solution question réponse conseil astuce méthode étape démarche
procédure formulaire justificatif attestation certificat diplôme agrément label habilitation autorisation
déclaration assemblée élu élue maire adjoint adjointe conseiller conseillère député sénateur ministère
politique loi décret circulaire article alinéa texte jurisprudence tribunal litige conflit désaccord
compromis consensus majorité minorité quorum procuration pouvoir mandataire scrutin bulletin urne
dépouillement candidat candidate liste programme engagement militant militante cause lutte campagne
pétition manifestation rassemblement mobilisation plaidoyer sensibilisation information formation
public usager usagère bénéficiaire personne âge retraité retraitée étudiant étudiante lycéen lycéenne
collège lycée école université crèche centre maison foyer résidence immeuble bâtiment terrain parc place
rue marché boutique magasin ressourcerie recyclerie atelier vélo réparation outil prêt emprunt location
cuisine recette légume fruit pain fromage café thé goûter buffet apéritif pique-nique barbecue vaisselle
table chaise tente barnum sono micro projecteur écran affichage banderole kakémono stand buvette caisse
billet billetterie entrée tarif adhésion carte badge bracelet vestiaire parking signalétique secours
""".split()

ADJECTIVES = """
associatif local social solidaire collectif public culturel sportif éducatif environnemental durable
numérique gratuit ouvert annuel mensuel hebdomadaire ordinaire extraordinaire général financier comptable
fiscal juridique administratif partagé commun libre important simple pratique utile nécessaire possible
prochain dernier premier petit grand jeune ancien actif régional départemental municipal national
européen citoyen participatif démocratique transparent responsable accessible inclusif convivial
intergénérationnel populaire rural urbain bénévole salarié nouveau complet clair précis rapide efficace
fragile solide riche modeste exceptionnel habituel régulier ponctuel provisoire définitif officiel
interne externe principal secondaire volontaire obligatoire facultatif mixte familial amical joyeux
""".split()

VERBS = """
organiser animer préparer présenter proposer voter adopter approuver valider décider financer demander
déposer envoyer partager publier modifier corriger compléter rédiger informer inviter participer
contribuer aider accompagner former sensibiliser mobiliser rassembler rencontrer échanger discuter
écouter expliquer communiquer diffuser imprimer afficher contacter trouver chercher gérer payer encaisser
rembourser signer déclarer enregistrer nommer remercier fêter installer ranger nettoyer cuisiner
jardiner planter récolter distribuer collecter trier réparer prêter emprunter louer réserver annuler
reporter confirmer noter lister classer archiver sauvegarder utiliser créer améliorer développer
favoriser encourager valoriser recruter fidéliser remplacer coordonner piloter évaluer mesurer analyser
étudier consulter associer coopérer mutualiser accueillir
""".split()

DETERMINERS = ["le", "la", "les", "un", "une", "des", "notre", "votre", "chaque", "ce", "cette", "nos", "vos"]
PREPOSITIONS = ["de", "du", "des", "pour", "avec", "dans", "sur", "par", "sans", "entre", "vers", "chez", "à"]
LINKS = ["et", "puis", "mais", "donc", "ainsi", "aussi", "ensuite", "enfin", "car", "alors"]
SUBJECTS = ["le bureau", "le conseil", "l'équipe", "chaque membre", "on", "nous", "les bénévoles",
            "la présidente", "le trésorier", "l'assemblée", "le collectif", "la commission"]

# Expressions the collective really writes; phrase queries look for them.
EXPRESSIONS = [
    "assemblée générale", "conseil d'administration", "vie associative", "projet associatif",
    "appel à projets", "économie sociale et solidaire", "rapport d'activité", "rapport financier",
    "compte de résultat", "service civique", "fonds de roulement", "ordre du jour", "procès-verbal de séance",
    "demande de subvention", "maison des associations", "éducation populaire", "jardin partagé",
    "circuit court", "droit d'auteur", "licence libre", "bilan comptable", "budget prévisionnel",
    "mécénat de compétences", "contrat d'engagement républicain", "reconnaissance d'utilité publique",
]

TAGS = ["gouvernance", "finances", "subventions", "benevolat", "communication", "evenements", "juridique",
        "comptabilite", "numerique", "formation", "jeunesse", "culture", "sport", "solidarite",
        "environnement", "alimentation", "logement", "sante", "education", "partenariats", "emploi",
        "assurance", "securite", "locaux", "materiel", "statuts", "assemblee-generale", "adhesions",
        "mecenat", "quartier", "mobilite", "accessibilite", "insertion", "citoyennete", "outils",
        "modeles", "guides", "archives", "ressources", "agenda"]


def inflect_noun(noun: str) -> list[str]:
    if noun.endswith(("s", "x", "z")):
        return [noun]
    if noun.endswith("al"):
        return [noun, noun[:-2] + "aux"]
    if noun.endswith(("eau", "eu")):
        return [noun, noun + "x"]
    return [noun, noun + "s"]


def inflect_adjective(adjective: str) -> list[str]:
    if adjective.endswith("e"):
        return [adjective, adjective + "s"]
    if adjective.endswith("if"):
        feminine = adjective[:-1] + "ve"
    elif adjective.endswith("el"):
        feminine = adjective + "le"
    elif adjective.endswith("ier"):
        feminine = adjective[:-3] + "ière"
    else:
        feminine = adjective + "e"
    masculine_plural = adjective[:-2] + "aux" if adjective.endswith("al") else adjective + "s"
    return [adjective, feminine, masculine_plural, feminine + "s"]


def conjugate(verb: str) -> list[str]:
    if not verb.endswith("er") or verb == "accueillir":
        return [verb]
    stem = verb[:-2]
    soft = stem + ("e" if stem.endswith("g") else "")  # mangeons, partageons
    return [verb, stem + "e", stem + "ent", soft + "ons", stem + "ez", stem + "é", stem + "ée", stem + "és",
            soft + "ait", stem + "era", soft + "ant"]


class TextGenerator:
    """Deterministic French-like prose: real words, plausible sentences, Zipf-like frequencies."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.nouns = self.ranked(sorted({form for noun in NOUNS for form in inflect_noun(noun)}))
        self.adjectives = self.ranked(sorted({form for a in ADJECTIVES for form in inflect_adjective(a)}))
        self.verbs = self.ranked(sorted({form for verb in VERBS for form in conjugate(verb)}))

    def ranked(self, words: list[str]) -> tuple[list[str], list[float]]:
        """Words in a seeded random rank order, with cumulative Zipf weights (1/rank)."""
        words = list(words)
        self.random.shuffle(words)
        total, cumulative = 0.0, []
        for rank in range(1, len(words) + 1):
            total += 1 / rank
            cumulative.append(total)
        return words, cumulative

    @property
    def vocabulary(self) -> list[str]:
        return self.nouns[0] + self.adjectives[0] + self.verbs[0]

    def pick(self, ranked) -> str:
        words, cumulative = ranked
        return self.random.choices(words, cum_weights=cumulative)[0]

    def noun_phrase(self) -> str:
        words = [self.random.choice(DETERMINERS), self.pick(self.nouns)]
        if self.random.random() < 0.45:
            words.append(self.pick(self.adjectives))
        return " ".join(words)

    def sentence(self) -> str:
        parts = [self.random.choice(SUBJECTS), self.pick(self.verbs), self.noun_phrase()]
        for _ in range(self.random.randint(0, 3)):
            if self.random.random() < 0.12:
                parts += [self.random.choice(PREPOSITIONS[:3]), "l'" + self.random.choice(EXPRESSIONS)]
            elif self.random.random() < 0.25:
                parts += [self.random.choice(LINKS), self.pick(self.verbs), self.noun_phrase()]
            else:
                parts += [self.random.choice(PREPOSITIONS), self.noun_phrase()]
        text = " ".join(parts).replace("à le ", "au ").replace("de le ", "du ").replace("l'l'", "l'")
        return text[0].upper() + text[1:] + "."

    def body(self, words: int) -> str:
        """Paragraphs with a heading now and then, about `words` words long."""
        paragraphs, count = [], 0
        while count < words:
            if self.random.random() < 0.2:
                paragraphs.append("## " + self.title())
            sentences = [self.sentence() for _ in range(self.random.randint(3, 7))]
            paragraph = " ".join(sentences)
            count += paragraph.count(" ") + 1
            paragraphs.append(paragraph)
        return "\n\n".join(paragraphs)

    def title(self) -> str:
        noun = self.pick(self.nouns)
        shape = self.random.random()
        if shape < 0.3:
            text = f"{noun} {self.pick(self.adjectives)}"
        elif shape < 0.6:
            text = f"{noun} et {self.pick(self.nouns)}"
        elif shape < 0.8:
            text = f"{noun} : {self.random.choice(EXPRESSIONS)}"
        else:
            text = f"Guide du {noun} {self.pick(self.adjectives)}"
        return text[0].upper() + text[1:]

    def tags(self) -> list[str]:
        return sorted(set(self.random.choices(TAGS, weights=[1 / (i + 1) for i in range(len(TAGS))],
                                              k=self.random.randint(1, 3))))


# --- Seeding --------------------------------------------------------------------------------------

def seed(pages: int, words: int, generator: TextGenerator) -> None:
    """Bulk-insert `pages` published pages (about `words` words each) with their tags."""
    start = datetime(2024, 1, 1)
    titles: set[str] = set()
    tags: dict[int, list[str]] = {}
    page_rows, revision_rows = [], []
    for page_id in range(1, pages + 1):
        title = generator.title()
        while slugify(title) in titles:
            title = f"{generator.title()} {page_id}"
        titles.add(slugify(title))
        when = start + timedelta(minutes=17 * page_id)
        page_rows.append(dict(id=page_id, slug=slugify(title), title=title, licence_code="CC-BY-SA-4.0",
                              visibility="members" if page_id % 20 == 0 else "public", protected=False,
                              deleted=False, change_seq=page_id, created_at=when, updated_at=when))
        revision_rows.append(dict(id=page_id, page_id=page_id, number=1, title=title,
                                  body=generator.body(words), summary="Page créée", author_label="bench",
                                  created_at=when, status="approved", review_comment=""))
        tags[page_id] = generator.tags()
        revision_rows[-1]["tags"] = ", ".join(tags[page_id])
    tag_ids = {slug: number for number, slug in enumerate(TAGS, 1)}
    db.session.execute(sa.insert(Tag), [dict(id=number, name=slug, slug=slug) for slug, number in tag_ids.items()])
    for chunk in range(0, pages, 1000):
        db.session.execute(sa.insert(Page), page_rows[chunk:chunk + 1000])
        db.session.execute(sa.insert(Revision), revision_rows[chunk:chunk + 1000])
    db.session.execute(sa.insert(page_tags), [dict(page_id=page_id, tag_id=tag_ids[slug])
                                              for page_id, slugs in tags.items() for slug in slugs])
    db.session.execute(sa.update(Page).values(head_id=Page.id, published_id=Page.id))
    db.session.execute(sa.update(Counter).where(Counter.name == "change_seq").values(value=pages))
    db.session.commit()


# --- Measuring ------------------------------------------------------------------------------------

def timed(action) -> float:
    """Milliseconds taken by `action()`."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"runs": len(ordered), "median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def document_frequencies(generator: TextGenerator) -> dict[str, int]:
    """How many indexed pages contain each vocabulary word's stem."""
    with search.current_index().index().searcher() as searcher:
        return {word: searcher.doc_frequency("body", search.analysed(word)) for word in generator.vocabulary
                if search.analysed(word)}


def query_sets(generator: TextGenerator, pages: int, rng: random.Random) -> dict[str, list[dict]]:
    """The queries to time, by kind, chosen from what the index really holds."""
    frequencies = document_frequencies(generator)
    by_frequency = sorted(frequencies, key=frequencies.get, reverse=True)
    common = by_frequency[:40]
    rare = [w for w in reversed(by_frequency) if frequencies[w] >= 1][:40]
    two_words = [f"{rng.choice(common)} {rng.choice(by_frequency[40:400])}" for _ in range(40)]
    return {
        "common word": [{"text": w} for w in common],
        "rare word": [{"text": w} for w in rare],
        "two words": [{"text": t} for t in two_words],
        "phrase": [{"text": f'"{e}"'} for e in EXPRESSIONS],
        "phrase of 3+ words": [{"text": f'"{e}"'} for e in EXPRESSIONS if len(list(TEXT_ANALYZER(e))) > 2],
        "tag filter": [{"text": rng.choice(common), "tag": rng.choice(TAGS[:20])} for _ in range(40)],
        "tag only": [{"text": "", "tag": t} for t in TAGS[:20]],
        "misspelt word": [{"text": misspell(w, rng)} for w in rng.sample(by_frequency[:400], 30)],
    }


def misspell(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word) - 1)
    return word[:position] + word[position + 1] + word[position] + word[position + 2:]


def measure_queries(sets: dict[str, list[dict]], member: bool, repeats: int) -> dict[str, dict]:
    figures = {}
    for kind, queries in sets.items():
        for q in queries[:5]:  # warm caches the way a running server has them
            search.query(q["text"], member=member, tag=q.get("tag"))
        samples = [timed(lambda q=q: search.query(q["text"], member=member, tag=q.get("tag")))
                   for _ in range(repeats) for q in queries]
        figures[kind] = summary(samples)
    return figures


def measure_cold(queries: list[dict], member: bool) -> dict:
    """Each query with no posting list kept (SearchIndex.postings): what a word costs the first time a
    process meets it, or after the lists were dropped to keep within their budget."""
    index = search.current_index()

    def cold(q):
        index.forget_postings()
        return timed(lambda: search.query(q["text"], member=member, tag=q.get("tag")))

    return summary([cold(q) for q in queries])


def measure_suggest(generator: TextGenerator, rng: random.Random, repeats: int) -> tuple[dict, dict]:
    """Suggestions for typed prefixes: each prefix's first time (its titles not yet read in this view
    of the index), then again (as the next keystrokes and other readers ask)."""
    prefixes = [w[:rng.randint(2, 5)] for w in rng.sample(generator.nouns[0][:300], 40)]
    prefixes += [f"guide du {w[:3]}" for w in rng.sample(generator.nouns[0][:100], 10)]
    first = [timed(lambda p=p: search.suggest(p, member=False)) for p in prefixes]
    again = [timed(lambda p=p: search.suggest(p, member=False)) for _ in range(repeats) for p in prefixes]
    return summary(first), summary(again)


def measure_edits(generator: TextGenerator, pages: int, edits: int, rng: random.Random) -> dict:
    """Time the index update one edit's commit schedules (search.schedule_catch_up; in a request the
    search blueprint runs it after the response). The save itself is not counted."""
    samples = []
    for _ in range(edits):
        page = db.session.get(Page, rng.randint(1, pages))
        body = page.head.body + "\n\n" + generator.sentence()
        editing.save_edit(page, title=page.head.title, body=body, summary="bench", author=None,
                          base_revision=page.head.number)
        assert search.take_scheduled_catch_up(), "the save path should schedule a catch-up"
        samples.append(timed(search.catch_up_quietly))
        assert not search.is_behind(), "the catch-up should index the edit"
    return summary(samples)


def run(pages: int, words: int, seed_value: int, repeats: int, folder: Path, instance: Path | None = None,
        database_url: str | None = None) -> dict:
    """Seed and index a wiki in `folder` (or reuse the one a previous --folder run left), then time it.
    `instance`: an instance folder seeded already (bench.seeding: wiki.db and search-index inside, or
    its search-index with the wiki in the PostgreSQL database at `database_url`)."""
    generator = TextGenerator(seed_value)
    rng = random.Random(seed_value + 1)
    instance_path = instance or folder / "instance"
    database = instance / "wiki.db" if instance else folder / "bench.db"
    app = create_app({"WIKI_INSTANCE_PATH": str(instance_path), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{database}",
                      "WIKI_MODERATION": "open"})
    with app.app_context():
        seeded = rebuilt = indexed = None
        db.create_all()
        if not db.session.scalar(sa.select(sa.func.count(Page.id))):  # else a previous --folder run's wiki
            seed_licences()
            started = time.perf_counter()
            seed(pages, words, generator)
            seeded = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            indexed = search.rebuild()
            rebuilt = round(time.perf_counter() - started, 1)
        sets = query_sets(generator, pages, rng)
        figures = {
            "pages": pages, "words_per_page": words, "indexed": indexed,
            "seed_seconds": seeded, "rebuild_seconds": rebuilt,
            "index_megabytes": round(sum(f.stat().st_size for f in (instance_path / "search-index").iterdir())
                                     / 1e6, 1),
            "queries (visitor)": measure_queries(sets, member=False, repeats=repeats),
            "common word, no posting list kept": measure_cold(sets["common word"], member=False),
            "queries (member)": {"common word": measure_queries({"common word": sets["common word"]},
                                                                member=True, repeats=repeats)["common word"]},
            **dict(zip(("suggest (first time)", "suggest"), measure_suggest(generator, rng, repeats))),
            "one-edit index update": measure_edits(generator, pages, 30, rng),
            "load": f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} cores",
        }
    return figures


def print_table(figures: dict) -> None:
    if figures["rebuild_seconds"] is not None:
        print(f"{figures['pages']} pages of ~{figures['words_per_page']} words: seeded in {figures['seed_seconds']} s, "
              f"index rebuilt in {figures['rebuild_seconds']} s ({figures['index_megabytes']} MB)")
    else:
        print(f"{figures['pages']} pages reused ({figures['index_megabytes']} MB index)")
    print(f"machine: {figures['load']}")
    print(f"{'measure':40} {'runs':>6} {'median ms':>10} {'p95 ms':>8}")
    rows = [(f"query, {kind} (visitor)", f) for kind, f in figures["queries (visitor)"].items()]
    rows += [("query, common word, postings not kept", figures["common word, no posting list kept"])]
    rows += [(f"query, {kind} (member)", f) for kind, f in figures["queries (member)"].items()]
    rows += [("suggest, a prefix's first time", figures["suggest (first time)"]), ("suggest, again", figures["suggest"]),
             ("one-edit index update", figures["one-edit index update"])]
    for name, f in rows:
        print(f"{name:40} {f['runs']:>6} {f['median_ms']:>10.2f} {f['p95_ms']:>8.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=600, help="about this many words per page")
    parser.add_argument("--seed", type=int, default=37)
    parser.add_argument("--repeats", type=int, default=3, help="times each query is run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--folder", type=Path, help="seed here and keep it; a second run reuses it (same options)")
    parser.add_argument("--instance", type=Path, help="time this seeded instance folder (wiki.db, search-index) "
                                                      "instead; its pages are edited (30 edits)")
    parser.add_argument("--database-url", default=None,
                        help="with --instance: the wiki's PostgreSQL database (bench.wiki --keep at 100,000 pages)")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="gare-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        figures = run(args.pages, args.words, args.seed, args.repeats, folder, args.instance, args.database_url)
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
