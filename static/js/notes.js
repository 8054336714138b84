// Private notes on the trial page: select text in a section marked
// data-note-section, choose "Add note" (the button next to the selection, or
// the one in the notes panel, which keyboard users reach with Tab), and the
// note is saved with its quote and its place in the section's text. Notes are
// highlighted with <mark> on every visit. On a shared link's page the notes
// come embedded in the page and are only highlighted.
(function () {
  "use strict";

  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-note-section]"));

  function sectionNamed(name) {
    return document.querySelector('[data-note-section="' + name + '"]');
  }

  // Characters of the section's text before (node, offset).
  function offsetIn(section, node, offset) {
    var range = document.createRange();
    range.setStart(section, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function unhighlight() {
    document.querySelectorAll("mark.note-mark").forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) {
        parent.insertBefore(mark.firstChild, mark);
      }
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  // Where the note's quote is now: its saved place, or else the first place the
  // same words appear (the trial text may have changed a little since).
  function placeOf(section, note) {
    var text = section.textContent;
    if (text.slice(note.start, note.end) === note.quote) {
      return [note.start, note.end];
    }
    var found = text.indexOf(note.quote);
    return found === -1 ? null : [found, found + note.quote.length];
  }

  function highlight(note) {
    var section = sectionNamed(note.section);
    var place = section && placeOf(section, note);
    if (!place) {
      return;
    }
    var walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    var position = 0;
    var pieces = [];
    var node;
    while ((node = walker.nextNode())) {
      var length = node.data.length;
      var from = Math.max(place[0] - position, 0);
      var to = Math.min(place[1] - position, length);
      if (from < to && node.data.slice(from, to).trim()) {
        pieces.push([node, from, to]);
      }
      position += length;
      if (position >= place[1]) {
        break;
      }
    }
    pieces.forEach(function (piece) {
      var target = piece[0];
      if (piece[2] < target.data.length) {
        target.splitText(piece[2]);
      }
      if (piece[1] > 0) {
        target = target.splitText(piece[1]);
      }
      var mark = document.createElement("mark");
      mark.className = "note-mark";
      mark.dataset.noteId = note.id;
      if (note.body) {
        mark.title = note.body;
      }
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
    });
  }

  function highlightAll(notes) {
    unhighlight();
    notes.forEach(highlight);
  }

  var shared = document.getElementById("shared-notes");
  if (shared) {
    highlightAll(JSON.parse(shared.textContent));
    return;
  }

  var panel = document.querySelector(".notes-panel[data-notes-url]");
  if (!panel || !sections.length || !window.fetch || !window.HTMLDialogElement) {
    return;
  }
  var app = panel.querySelector(".notes-app");
  var list = panel.querySelector(".notes-list");
  var status = panel.querySelector(".notes-status");
  var addButton = panel.querySelector(".notes-add");
  var shareButton = panel.querySelector(".notes-share");
  var editDialog = panel.querySelector(".notes-edit-dialog");
  var editBody = editDialog.querySelector("textarea");
  var shareDialog = panel.querySelector(".notes-share-dialog");
  // Django's JavaScript catalogue (/jsi18n/, loaded before this script) has
  // these in the page's language; without it they stay in English.
  var gettext = window.gettext || function (text) { return text; };
  var strings = {
    saved: gettext("Note saved."),
    deleted: gettext("Note deleted."),
    failed: gettext("That did not work. Please try again."),
    edit: gettext("Edit"),
    delete: gettext("Delete"),
    confirmDelete: gettext("Delete this note?"),
    revoke: gettext("Stop sharing"),
    revoked: gettext("The link no longer works."),
    expires: gettext("Works until"),
    empty: gettext("No notes yet."),
    selectFirst: gettext("Select some text in the overview, description, eligibility or study details first.")
  };
  // The token is in the notes form or, on a trial page assembled from stored
  // parts, beside it (form="notes-csrf").
  var csrf = document.querySelector(
    "#notes-csrf input[name=csrfmiddlewaretoken], input[form=notes-csrf][name=csrfmiddlewaretoken]"
  ).value;
  var notesUrl = panel.dataset.notesUrl;
  var notes = [];
  var shares = [];
  var pending = null; // the current selection, while it may become a note
  var draft = null; // the passage a new note is being written for
  var editing = null; // the note whose text is being changed

  panel.querySelector(".notes-needs-js").hidden = true;
  app.hidden = false;

  var floating = document.createElement("button");
  floating.type = "button";
  floating.className = "btn btn-sm btn-primary notes-float";
  floating.textContent = addButton.textContent;
  floating.hidden = true;
  document.body.appendChild(floating);

  function request(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (!response.ok) {
        // The server explains refusals (too many notes, too fast) in plain words.
        return response
          .json()
          .catch(function () { return {}; })
          .then(function (data) {
            var error = new Error(data.error || strings.failed);
            error.status = response.status;
            throw error;
          });
      }
      return response.status === 204 ? null : response.json();
    });
  }

  function say(text) {
    status.textContent = text;
  }

  function button(label, className, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-link btn-sm p-0 me-3 " + className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function render() {
    list.textContent = "";
    if (!notes.length) {
      var empty = document.createElement("li");
      empty.className = "text-body-secondary notes-empty";
      empty.textContent = strings.empty;
      list.appendChild(empty);
    }
    notes.forEach(function (note) {
      var item = document.createElement("li");
      item.className = "note-item";
      item.dataset.noteId = note.id;
      var quote = document.createElement("blockquote");
      quote.className = "note-quote mb-1";
      quote.textContent = note.quote;
      item.appendChild(quote);
      if (note.body) {
        var body = document.createElement("p");
        body.className = "note-body mb-1";
        body.textContent = note.body;
        item.appendChild(body);
      }
      item.appendChild(button(strings.edit, "note-edit", function () { openEditor(note, null); }));
      item.appendChild(button(strings.delete, "note-delete", function () { remove(note); }));
      list.appendChild(item);
    });
    shareButton.hidden = !notes.length;
    highlightAll(notes);
  }

  function load() {
    return request("GET", notesUrl)
      .then(function (data) {
        notes = data.notes;
        shares = data.shares;
      })
      .catch(function (error) {
        // 404: this browser has no notes yet.
        if (error.status !== 404) {
          say(strings.failed);
        }
      })
      .then(render);
  }

  // The current selection, if it lies inside one note section: its quote and place.
  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) {
      return null;
    }
    var range = selection.getRangeAt(0);
    var container = range.commonAncestorContainer;
    var element = container.nodeType === 1 ? container : container.parentElement;
    var section = element && element.closest("[data-note-section]");
    if (!section) {
      return null;
    }
    var raw = range.toString();
    var quote = raw.trim();
    if (!quote) {
      return null;
    }
    var start = offsetIn(section, range.startContainer, range.startOffset);
    start += raw.length - raw.replace(/^\s+/, "").length;
    return {
      section: section.dataset.noteSection,
      quote: quote,
      start: start,
      end: start + quote.length,
      rect: range.getBoundingClientRect(),
    };
  }

  document.addEventListener("selectionchange", function () {
    var passage = selectedPassage();
    if (passage) {
      pending = passage;
      addButton.disabled = false;
      floating.hidden = false;
      floating.style.top = window.scrollY + passage.rect.bottom + 6 + "px";
      floating.style.left = window.scrollX + Math.max(passage.rect.left, 8) + "px";
    } else if (document.activeElement !== addButton && document.activeElement !== floating) {
      // Tabbing to the button keeps the selection; clicking elsewhere drops it.
      pending = null;
      addButton.disabled = true;
      floating.hidden = true;
    }
  });

  // Keep the selection when the floating button is pressed with the mouse.
  floating.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });

  function addFromSelection() {
    var passage = selectedPassage() || pending;
    if (!passage) {
      say(strings.selectFirst);
      return;
    }
    floating.hidden = true;
    openEditor(null, passage);
  }

  addButton.addEventListener("click", addFromSelection);
  floating.addEventListener("click", addFromSelection);

  function openEditor(note, passage) {
    editing = note;
    draft = passage;
    editDialog.querySelector(".notes-edit-quote").textContent = note ? note.quote : passage.quote;
    editBody.value = note ? note.body : "";
    editDialog.returnValue = "";
    editDialog.showModal();
    editBody.focus();
  }

  editDialog.addEventListener("close", function () {
    if (editDialog.returnValue !== "save") {
      return;
    }
    var saving;
    if (editing) {
      saving = request("PATCH", notesUrl + editing.id + "/", { body: editBody.value });
    } else if (draft) {
      saving = request("POST", notesUrl, {
        section: draft.section,
        quote: draft.quote,
        start: draft.start,
        end: draft.end,
        body: editBody.value,
      });
    } else {
      return;
    }
    saving
      .then(function () {
        draft = null;
        pending = null;
        addButton.disabled = true;
        var selection = window.getSelection();
        if (selection) {
          selection.removeAllRanges();
        }
        return load();
      })
      .then(function () { say(strings.saved); })
      .catch(function (error) { say(error.message); });
  });

  function remove(note) {
    if (!window.confirm(strings.confirmDelete)) {
      return;
    }
    request("DELETE", notesUrl + note.id + "/")
      .then(load)
      .then(function () { say(strings.deleted); })
      .catch(function (error) { say(error.message); });
  }

  function renderShares() {
    var active = shareDialog.querySelector(".notes-share-active");
    active.textContent = "";
    shareDialog.querySelector(".notes-share-active-title").hidden = !shares.length;
    shares.forEach(function (share) {
      var item = document.createElement("li");
      item.className = "mb-2";
      var link = document.createElement("span");
      link.className = "d-block text-break";
      link.textContent = share.url;
      item.appendChild(link);
      var until = document.createElement("span");
      until.className = "text-body-secondary me-3";
      until.textContent = strings.expires + " " + new Date(share.expires_at).toLocaleString(document.documentElement.lang);
      item.appendChild(until);
      item.appendChild(
        button(strings.revoke, "notes-share-revoke", function () {
          request("POST", share.revoke_url)
            .then(load)
            .then(function () {
              renderShares();
              say(strings.revoked);
            })
            .catch(function () { say(strings.failed); });
        })
      );
      active.appendChild(item);
    });
  }

  shareButton.addEventListener("click", function () {
    var error = shareDialog.querySelector(".notes-share-error");
    request("POST", panel.dataset.shareUrl)
      .then(function (share) {
        shareDialog.querySelector(".notes-share-link").value = share.url;
        shareDialog.querySelector(".notes-share-passcode").value = share.passcode;
        shareDialog.querySelector(".notes-share-new").hidden = false;
        error.hidden = true;
        return load();
      })
      .catch(function (failure) {
        shareDialog.querySelector(".notes-share-new").hidden = true;
        error.textContent = failure.message;
        error.hidden = false;
      })
      .then(function () {
        renderShares();
        if (!shareDialog.open) {
          shareDialog.showModal();
        }
      });
  });

  // Only a browser that has kept a note has the owner cookie (HttpOnly, so the
  // page tells us); asking without it would only get a 404.
  if (panel.hasAttribute("data-has-notes")) {
    load();
  } else {
    render();
  }
})();
