"""The bilingual view: French under text, never inside attributes or plain-text elements."""

from __future__ import annotations

from kiosk.bilingual import END, SEPARATOR, START, rewrite


def marked(shown: str, french: str) -> str:
    return f"{START}{shown}{SEPARATOR}{french}{END}"


GLOSS = '<span class="gloss" lang="fr" dir="ltr">{}</span>'


def test_text_gets_its_french_underneath() -> None:
    page = f"<h1>{marked('مرحبا', 'Bienvenue')}</h1>"
    assert rewrite(page) == "<h1>مرحبا" + GLOSS.format("Bienvenue") + "</h1>"


def test_attributes_title_and_options_keep_the_translation_alone() -> None:
    page = (
        f"<title>{marked('مرحبا', 'Bienvenue')} – Guichet</title>"
        f"<img alt=\"{marked('صورة', 'Photo')}\" data-x='{marked('ب', 'b > c')}'>"
        f"<select><option>{marked('يناير', 'janvier')}</option></select>"
        f"<p>{marked('نعم', 'Oui')}</p>"
    )
    assert rewrite(page) == (
        "<title>مرحبا – Guichet</title>"
        "<img alt=\"صورة\" data-x='ب'>"
        "<select><option>يناير</option></select>"
        "<p>نعم" + GLOSS.format("Oui") + "</p>"
    )


def test_a_message_inside_another_gives_each_language_its_own_words() -> None:
    title = marked("جواز السفر", "Passeport")
    sentence = f"{START}« {title} » ثقيل{SEPARATOR}« {title} » est trop lourd{END}"
    assert rewrite(f"<p>{sentence}</p>") == (
        "<p>« جواز السفر » ثقيل" + GLOSS.format("« Passeport » est trop lourd") + "</p>"
    )


def test_untranslated_text_and_stray_markers_leave_nothing_behind() -> None:
    assert rewrite(f"<p>{marked('Oui', 'Oui')}</p>") == "<p>Oui</p>"
    assert rewrite(f"<p>{START}à moitié</p><p>{END}{SEPARATOR}</p>") == "<p>à moitié</p><p></p>"


def test_comments_and_quotes_in_text_do_not_confuse_the_reader() -> None:
    page = f"<!-- l'aide --><p>l'école {marked('مدرسة', 'école')}</p><a title=\"a>b\">x</a>"
    assert rewrite(page) == (
        "<!-- l'aide --><p>l'école مدرسة" + GLOSS.format("école") + '</p><a title="a>b">x</a>'
    )
