"""A picture dropped on the editor's text: uploaded, its Markdown inserted at the cursor, shown in the
preview, saved, and seen in the page (with its srcset); a refused file leaves the text as it was."""

import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import expect


@pytest.fixture
def browser_context_args(browser_context_args):
    """A French browser: the wiki speaks French first."""
    return {**browser_context_args, "locale": "fr-FR"}


def png_base64(width=1200, height=800) -> str:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (230, 120, 20))
    exif = Image.Exif()
    exif[0x0110] = "Phone Model"
    image.save(out, "PNG", exif=exif.tobytes())
    return base64.b64encode(out.getvalue()).decode()


def drop_file(page, selector: str, data_base64: str, name: str, mime: str) -> None:
    """Drag and drop a file as a person would from their file manager."""
    transfer = page.evaluate_handle("""([data, name, mime]) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        return transfer;
    }""", [data_base64, name, mime])
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_drop_a_picture_into_the_editor_preview_save_and_see_it(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Sortie au jardin", "Nous avons planté des tomates.")
    page.goto(f"{live_server}/wiki/{slug}/edit")
    body = page.locator("textarea[name=body]")
    body.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    drop_file(page, "textarea[name=body]", png_base64(), "jardin.png", "image/png")
    expect(body).to_have_value("Nous avons planté des tomates.\n![](attachments/jardin.png)")
    expect(page.locator("[data-upload-status]")).to_contain_text("Fichier ajouté")
    preview_image = page.locator(f"#preview img[src='/wiki/{slug}/attachments/jardin.png']")
    expect(preview_image).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("pas de description")
    page.keyboard.type("Les tomates")  # the cursor waits between the brackets
    expect(body).to_have_value("Nous avons planté des tomates.\n![Les tomates](attachments/jardin.png)")
    expect(page.locator("#preview img[alt='Les tomates']")).to_be_visible()
    assert preview_image.evaluate("img => img.complete && img.naturalWidth > 0")
    page.click("#editor button[type=submit]")
    shown = page.locator(f"#article .prose img[alt='Les tomates']")
    expect(shown).to_be_visible()
    assert "jardin.png?w=480 480w" in shown.get_attribute("srcset")
    page.wait_for_function("() => document.querySelector('#article .prose img').naturalWidth > 0")
    page.reload()
    expect(page.locator("#article .prose img[alt='Les tomates']")).to_be_visible()
    assert console_problems == []


def test_a_refused_file_says_why_and_leaves_the_text(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Fiche refus", "Mon texte.")
    page.goto(f"{live_server}/wiki/{slug}/edit")
    body = page.locator("textarea[name=body]")
    body.click()
    fake = base64.b64encode(b"<!DOCTYPE html><script>alert(1)</script>").decode()
    drop_file(page, "textarea[name=body]", fake, "photo.png", "image/png")
    expect(page.locator("[data-upload-status]")).to_contain_text("pas accepté")
    expect(body).to_have_value("Mon texte.")
    assert [p for p in console_problems if "415" not in p] == []


def test_the_file_field_uploads_at_once(signed_in, live_server, make_page, console_problems, tmp_path):
    page = signed_in
    slug = make_page("Fiche budget", "Le budget :")
    page.goto(f"{live_server}/wiki/{slug}/edit")
    page.locator("textarea[name=body]").click()
    page.keyboard.press("End")
    sheet = tmp_path / "budget.csv"
    sheet.write_text("poste,montant\nlocation,120\n")
    page.set_input_files("[data-uploads] input[type=file]", str(sheet))
    expect(page.locator("textarea[name=body]")).to_have_value("Le budget :\n[budget.csv](attachments/budget.csv)")
    expect(page.locator("[data-uploads] input[type=file]")).to_have_value("")
    assert console_problems == []
