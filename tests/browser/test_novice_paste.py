"""Pasting from a word processor or a web page into the editor gives clean Markdown (issue 14),
through the real clipboard and Ctrl+V in Chromium; a plain-text paste stays as it is."""

import pytest
from playwright.sync_api import expect

# What LibreOffice / Word / Google Docs put on the clipboard, trimmed: styles, fonts, comments,
# a script, Word's list paragraphs, Google Docs' <b style="font-weight:normal"> wrapper, a table
# without heading cells, a javascript: link and an image from the local disk.
WORD_PROCESSOR_HTML = """<html><head><meta charset="utf-8"><title>doc</title>
<style>p { margin-bottom: 0.25cm; font-family: "Liberation Serif" }</style>
<script>window.pastedScriptRan = true</script></head>
<body lang="fr-FR"><!--StartFragment-->
<b style="font-weight:normal;" id="docs-internal-guid-1234">
<h1 class="western" style="font-family: Arial"><font face="Arial">Assemblée générale</font></h1>
<p style="margin-bottom: 0cm"><span style="font-family:Arial;font-size:12pt;color:#333">Le <b>bureau</b> invite
<i>tous</i> les membres, <span style="font-weight:700">vraiment</span> tous.</span></p>
<h2>Ordre du jour</h2>
<ul><li><p style="margin:0"><span style="color:#ff0000">Rapport moral</span></p></li>
<li><p style="margin:0">Budget</p></li></ul>
<p class="MsoListParagraph" style="mso-list:l0 level1 lfo1"><!--[if !supportLists]--><span style="mso-list:Ignore">·<span
style="font:7.0pt 'Times New Roman'">&nbsp;&nbsp;&nbsp;</span></span><!--[endif]-->Questions diverses<o:p></o:p></p>
<p>Voir <a href="https://example.org/ag" style="color:blue" onclick="alert(1)">le site</a>
et <a href="javascript:alert(1)">ceci</a>.<img src="file:///C:/image.png"></p>
<table border="1" cellpadding="4" style="width:100%">
  <tbody>
    <tr><td style="background:#eee"><p>Poste</p></td><td><p>Montant</p></td></tr>
    <tr><td><p>Loyer</p></td><td><p>300 €</p></td></tr>
  </tbody>
</table>
</b><!--EndFragment--></body></html>"""

EXPECTED = """# Assemblée générale

Le **bureau** invite *tous* les membres, **vraiment** tous.

## Ordre du jour

- Rapport moral
- Budget

- Questions diverses

Voir [le site](https://example.org/ag) et ceci.

| Poste | Montant |
| --- | --- |
| Loyer | 300 € |"""


@pytest.fixture
def clipboard_page(signed_in):
    signed_in.context.grant_permissions(["clipboard-read", "clipboard-write"])
    return signed_in


def put_on_clipboard(page, *, html=None, text="", console_problems=None):
    page.evaluate("""async ([html, text]) => {
        const items = {"text/plain": new Blob([text], {type: "text/plain"})};
        if (html !== null) items["text/html"] = new Blob([html], {type: "text/html"});
        await navigator.clipboard.write([new ClipboardItem(items)]);
    }""", [html, text])
    # Chromium sanitises HTML written by the test in a document bound by our CSP, which reports the
    # inline styles it meets there; what the paste itself does is watched from here on.
    if console_problems is not None:
        page.wait_for_timeout(300)  # the reports arrive asynchronously
        console_problems[:] = [p for p in console_problems
                               if "inline style" not in p and not p.startswith("CSP violation: style-src")]


def open_new_editor(page, live_server, title):
    page.goto(f"{live_server}/new?title={title}")
    textarea = page.locator("#editor textarea[name=body]")
    expect(textarea).to_be_visible()
    textarea.fill("")
    textarea.focus()
    return textarea


def test_pasting_from_a_word_processor_gives_clean_markdown(clipboard_page, live_server, console_problems):
    page = clipboard_page
    textarea = open_new_editor(page, live_server, "Collage depuis un document")
    put_on_clipboard(page, html=WORD_PROCESSOR_HTML, text="Assemblée générale ...", console_problems=console_problems)
    page.keyboard.press("Control+V")
    expect(textarea).not_to_have_value("")
    markdown = textarea.input_value()
    assert markdown == EXPECTED
    for leftover in ("style", "font", "script", "alert", "mso", "<", "javascript", "file:", "Liberation", "#ff0000"):
        assert leftover not in markdown.lower()
    assert page.evaluate("window.pastedScriptRan") is None
    # the preview follows (the paste is an input like typing) and shows the structure
    expect(page.locator("#preview h1")).to_have_text("Assemblée générale")
    expect(page.locator("#preview table th").first).to_have_text("Poste")
    expect(page.locator("#preview a[href='https://example.org/ag']")).to_have_text("le site")
    # the browser's undo still works: Ctrl+Z takes the paste back
    page.keyboard.press("Control+Z")
    expect(textarea).to_have_value("")
    assert console_problems == []


def test_pasting_at_the_cursor_keeps_the_text_around(clipboard_page, live_server):
    page = clipboard_page
    textarea = open_new_editor(page, live_server, "Collage au milieu")
    textarea.fill("Avant. Après.")
    page.evaluate("() => document.querySelector('#editor textarea[name=body]').setSelectionRange(7, 7)")
    put_on_clipboard(page, html="<meta charset='utf-8'><span style='font-weight:bold'>gras</span>", text="gras")
    page.keyboard.press("Control+V")
    expect(textarea).to_have_value("Avant. **gras**Après.")


def test_a_plain_text_paste_stays_plain(clipboard_page, live_server):
    page = clipboard_page
    textarea = open_new_editor(page, live_server, "Collage de texte brut")
    plain = "Une ligne avec *étoiles* et <b>balises</b>\n1. pas une liste à convertir"
    put_on_clipboard(page, text=plain)
    page.keyboard.press("Control+V")
    expect(textarea).to_have_value(plain)


def test_a_page_pasted_from_a_web_page_can_be_saved(clipboard_page, live_server, console_problems):
    page = clipboard_page
    textarea = open_new_editor(page, live_server, "Collage depuis le web")
    put_on_clipboard(page, html='<div class="article"><h2 style="color:red">Horaires</h2><p>Ouvert le '
                                '<em>mardi</em>.</p><ol><li>Entrer</li><li>Signer</li></ol></div>', text="Horaires",
                     console_problems=console_problems)
    page.keyboard.press("Control+V")
    expect(textarea).to_have_value("## Horaires\n\nOuvert le *mardi*.\n\n1. Entrer\n2. Signer")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose h2")).to_have_text("Horaires")
    expect(page.locator("#article .prose ol li")).to_have_count(2)
    assert console_problems == []
