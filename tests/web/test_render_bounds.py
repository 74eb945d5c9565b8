"""A text too costly to render is refused when saved or previewed, with the reason and the text kept
(issue 17: such bodies took 5 to 26 s or killed the worker, inside the write lock)."""

import pytest

from tests.unit.test_rendering import SLOW_SHAPES


@pytest.mark.parametrize("name", ["rules", "nested divs", "headings"])
def test_saving_a_too_complex_text_is_refused_and_the_text_kept(app, client_as, name):
    editor = client_as("facilitator", name="Fiona")
    body = "MARQUE-DEBUT\n\n" + SLOW_SHAPES[name]
    response = editor.post("/wiki/lourde/edit", data={"title": "Lourde", "body": body, "summary": "",
                                                     "base_revision": ""})
    assert response.status_code in (400, 422)
    text = response.get_data(as_text=True)
    assert "MARQUE-DEBUT" in text and "at most" not in text  # the reason, in French
    assert "au plus" in text or "trop" in text
    assert editor.get("/wiki/lourde").status_code == 404  # nothing was written


def test_preview_of_a_too_complex_text_says_why(app, client_as):
    editor = client_as("facilitator", name="Fiona")
    response = editor.post("/wiki/lourde/preview", data={"body": SLOW_SHAPES["setext headings"]},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "trop" in response.get_data(as_text=True)
