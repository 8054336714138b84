"""Private notes in a real browser: select text, add a note, see it highlighted
after a reload, share it, and open the link in another browser with a wrong,
then the right passcode."""

import pytest

from tests.factories import SiteFactory, TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "Patients receive five sessions of radiotherapy before surgery on the limb."


def select_words(page, section: str, words: str) -> None:
    """Select `words` inside a note section, as a reader dragging the mouse would."""
    page.evaluate(
        """([section, words]) => {
            const root = document.querySelector(`[data-note-section="${section}"]`);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at !== -1) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("words not found: " + words);
        }""",
        [section, words],
    )


def test_it_adds_a_note_highlights_it_and_shares_it_by_passcode(live_server, new_page):
    trial = TrialFactory(description=DESCRIPTION)
    SiteFactory(trial=trial, is_primary_contact=True)
    page = new_page()
    page.goto(live_server.url + trial.get_absolute_url())
    assert page.locator(".notes-needs-js").is_hidden()

    select_words(page, "description", "five sessions of radiotherapy")
    page.locator(".notes-float").click()
    page.locator("#notes-edit-body").fill("Ask how long each session takes.")
    page.get_by_role("button", name="Save note").click()

    mark = page.locator('[data-note-section="description"] mark.note-mark')
    mark.first.wait_for()
    assert mark.all_text_contents() == ["five sessions of radiotherapy"]
    assert "Ask how long each session takes." in page.locator(".notes-list").inner_text()

    page.reload()
    mark.first.wait_for()
    assert mark.all_text_contents() == ["five sessions of radiotherapy"]

    page.get_by_role("button", name="Send my notes").click()
    link = page.locator(".notes-share-link")
    link.wait_for()
    url, passcode = link.input_value(), page.locator(".notes-share-passcode").input_value()
    assert url.startswith(live_server.url + "/shared/")
    assert len(passcode) == 8

    reader = new_page()
    reader.goto(url)
    reader.get_by_label("Passcode").fill("WRONGPWD")
    reader.get_by_role("button", name="Show the notes").click()
    assert "That passcode is not right. 4 tries left" in reader.locator("main").inner_text()
    reader.get_by_label("Passcode").fill(passcode)
    reader.get_by_role("button", name="Show the notes").click()

    shared_mark = reader.locator('[data-note-section="description"] mark.note-mark')
    shared_mark.first.wait_for()
    assert shared_mark.all_text_contents() == ["five sessions of radiotherapy"]
    assert "Ask how long each session takes." in reader.locator(".notes-shared").inner_text()
    assert reader.locator(".notes-add").count() == 0
    assert page.errors == [] and reader.errors == []


def test_the_add_note_button_works_from_the_keyboard(live_server, new_page):
    trial = TrialFactory(description=DESCRIPTION)
    SiteFactory(trial=trial, is_primary_contact=True)
    page = new_page()
    page.goto(live_server.url + trial.get_absolute_url())
    add = page.locator(".notes-panel .notes-add")
    assert add.is_disabled()

    select_words(page, "description", "before surgery")
    add.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Which surgery?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    mark = page.locator("mark.note-mark")
    mark.first.wait_for()
    assert mark.all_text_contents() == ["before surgery"]
    page.get_by_role("button", name="Edit").click()
    page.locator("#notes-edit-body").fill("Which surgery, and when?")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Which surgery, and when?").wait_for()
    assert page.locator("mark.note-mark").all_text_contents() == ["before surgery"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    page.locator(".notes-empty").wait_for()
    assert page.locator("mark.note-mark").count() == 0
    assert page.errors == []
