// Duk: progressive enhancement only. Every page works without this file.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // Filter a list in the page as the worker types (nothing leaves the tablet: names must
  // never travel in a URL).
  function setupFilters(root) {
    root.querySelectorAll("[data-filter-list]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-filter-list"));
      if (!list) return;
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        list.querySelectorAll("[data-filter-text]").forEach(function (item) {
          item.hidden = q !== "" && item.getAttribute("data-filter-text").indexOf(q) === -1;
        });
      });
    });
  }


  // --- Who takes part (canvas page) ----------------------------------------------------------
  // Without this the form works as it is: "Add a person" asks the server for the form again
  // with one more row. Here the row comes from the page's <template> at once, and the
  // language field shows only on a row whose role is interpreter (what a hidden field holds
  // is not saved: the server keeps a language for an interpreter only).
  function setupParticipants(form) {
    var template = document.getElementById(form.getAttribute("data-row-template"));
    var rows = form.querySelector("[data-participant-rows]");
    var add = form.querySelector("[data-add-participant]");
    if (!template || !rows || !add) return;

    function showLanguage(row) {
      var role = row.querySelector("select[name=role]");
      var language = row.querySelector("[data-interpreter-only]");
      if (role && language) language.hidden = role.value !== "interpreter";
    }

    rows.querySelectorAll("[data-participant-row]").forEach(showLanguage);
    rows.addEventListener("change", function (event) {
      if (event.target.name === "role") showLanguage(event.target.closest("[data-participant-row]"));
    });

    // A button now, not a submit: Enter in a field saves the form instead of adding a row.
    add.type = "button";
    add.addEventListener("click", function () {
      var index = String(rows.querySelectorAll("[data-participant-row]").length);
      var row = template.content.firstElementChild.cloneNode(true);
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
        ["id", "for", "aria-describedby"].forEach(function (name) {
          var value = el.getAttribute(name);
          if (value) el.setAttribute(name, value.split("__index__").join(index));
        });
      });
      rows.appendChild(row);
      showLanguage(row);
      row.querySelector("input[name=name]").focus();
    });
  }


  // --- A question before a step that cannot be taken back (withdrawing a consent) ------------
  // The link leads to a page that asks; with this, the same question opens in a dialog on the
  // page instead. Its Cancel closes it (a form with method="dialog"), and the browser gives
  // the focus back to the link.
  function setupDialogs(root) {
    root.querySelectorAll("a[data-dialog]").forEach(function (link) {
      var dialog = document.getElementById(link.getAttribute("data-dialog"));
      if (!dialog || typeof dialog.showModal !== "function") return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
      });
    });
  }


  // --- Autosave (canvas page and domain editor) ----------------------------------------------
  // Every element with data-autosave-field saves itself: text after a pause in typing and on
  // blur, scores and toggles on change. One request in flight per canvas, carrying the canvas
  // version (data-canvas-version on the root). Every unsent change is also kept in
  // localStorage (keyed by canvas id and field, never by name) until the server confirms it,
  // so a dropped network or an expired session loses nothing. A conflict shows both texts.
  var DEBOUNCE_MS = 800;
  var RETRY_MS = 15000;

  function setupAutosave(root) {
    var canvasId = root.getAttribute("data-canvas-id");
    var url = root.getAttribute("data-autosave-url");
    var fields = {};
    var order = [];
    var pending = {};
    var inflight = false;
    var stopped = false; // the session expired: wait for a new page load
    var retryTimer = null;

    function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

    function kindOf(el) {
      return el.getAttribute("data-autosave-kind") || "text";
    }

    function valueOf(f) {
      if (f.kind === "radio") {
        var checked = f.el.querySelector("input[type=radio]:checked");
        return checked && checked.value !== "" ? parseInt(checked.value, 10) : null;
      }
      if (f.kind === "checkbox") {
        return Array.prototype.map.call(
          f.el.querySelectorAll("input[type=checkbox]:checked"),
          function (input) { return input.value; }
        );
      }
      return f.el.value;
    }

    function setValue(f, value) {
      if (f.kind === "radio") {
        f.el.querySelectorAll("input[type=radio]").forEach(function (input) {
          input.checked = value === null ? input.value === "" : input.value === String(value);
        });
      } else if (f.kind === "checkbox") {
        f.el.querySelectorAll("input[type=checkbox]").forEach(function (input) {
          input.checked = (value || []).indexOf(input.value) !== -1;
        });
      } else {
        f.el.value = value === null || value === undefined ? "" : value;
      }
    }

    function same(a, b) {
      if (Array.isArray(a) && Array.isArray(b)) {
        return a.slice().sort().join("\n") === b.slice().sort().join("\n");
      }
      return a === b;
    }

    function display(f, value) {
      if (value === null || value === undefined || value === "" ||
          (Array.isArray(value) && !value.length)) return msg("empty");
      if (f.kind === "checkbox") {
        return value.map(function (code) {
          var input = f.el.querySelector('input[value="' + CSS.escape(code) + '"]');
          var label = input && input.closest("label");
          return label ? label.textContent.trim() : code;
        }).join(", ");
      }
      return String(value);
    }

    // Drafts in localStorage: {value, base, at}. Storage may be full or forbidden: then the
    // text is still in the page, which is the best we can do.
    function draftKey(field) { return "duk:draft:" + canvasId + ":" + field; }
    function saveDraft(f) {
      try {
        localStorage.setItem(draftKey(f.field),
          JSON.stringify({ value: valueOf(f), base: f.base, at: Date.now() }));
      } catch (e) { /* ignore */ }
    }
    function readDraft(field) {
      try { return JSON.parse(localStorage.getItem(draftKey(field)) || "null"); }
      catch (e) { return null; }
    }
    function clearDraft(field) {
      try { localStorage.removeItem(draftKey(field)); } catch (e) { /* ignore */ }
    }

    function setState(f, state, text) {
      if (!f.stateEl) return;
      f.stateEl.setAttribute("data-state", state);
      f.stateEl.textContent = text === undefined ? msg(state) : text;
      if (state === "expired") {
        f.stateEl.setAttribute("data-state", "offline");
        var link = document.createElement("a");
        link.href = root.getAttribute("data-login-url") || "/login";
        link.textContent = msg("sign-in");
        f.stateEl.appendChild(document.createTextNode(" "));
        f.stateEl.appendChild(link);
      }
    }

    function setVersion(version) {
      if (typeof version !== "number") return;
      root.setAttribute("data-canvas-version", String(version));
      var input = root.querySelector("[data-version-input]");
      if (input) input.value = String(version);
    }

    function setBase(f, value) {
      f.base = value;
      var input = root.querySelector('[data-base-for="' + CSS.escape(f.field) + '"]');
      if (!input) return;
      input.value = Array.isArray(value) ? value.join(" ") : (value === null ? "" : String(value));
    }

    function changed(f) {
      saveDraft(f);
      if (f.conflict) return; // the worker first chooses what to keep
      pending[f.field] = true;
      setState(f, navigator.onLine ? "unsaved" : "offline");
    }

    function later(f) {
      clearTimeout(f.timer);
      f.timer = setTimeout(pump, DEBOUNCE_MS);
    }

    function retryLater() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(pump, RETRY_MS);
    }

    function pump() {
      if (inflight || stopped) return;
      var field = order.filter(function (name) { return pending[name]; })[0];
      if (!field) return;
      var f = fields[field];
      if (!navigator.onLine) {
        setState(f, "offline");
        return;
      }
      var value = valueOf(f);
      delete pending[field];
      inflight = true;
      setState(f, "saving");
      var body = {
        version: parseInt(root.getAttribute("data-canvas-version"), 10),
        field: field,
        value: value,
        base: f.base
      };
      var failed = false;
      fetch(url, {
        method: "PATCH",
        credentials: "same-origin",
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          "accept": "application/json",
          "x-csrftoken": window.Duk.csrfToken()
        },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) {
          stopped = true;
          pending[field] = true;
          saveDraft(f);
          setState(f, "expired", msg("expired"));
          return null;
        }
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            setVersion(data.version);
            if (Object.prototype.hasOwnProperty.call(data, "value") && same(valueOf(f), value)) {
              // Saved as a merge with someone else's edit to other sentences: show it whole.
              setValue(f, data.value);
              value = data.value;
            }
            // Typed on since a merge: the base stays what was sent, so the next save merges
            // the new words into the stored text on the server again.
            setBase(f, value);
            if (same(valueOf(f), value)) {
              clearDraft(field);
              setState(f, "saved");
            } else {
              pending[field] = true; // typed on while this was on its way
              saveDraft(f);
            }
          } else if (response.status === 409 && data.conflict) {
            setVersion(data.version);
            showConflict(f, data.theirs, value, data.merged);
          } else {
            saveDraft(f);
            setState(f, "error");
          }
        });
      }, function () {
        failed = true;
        pending[field] = true;
        saveDraft(f);
        setState(f, "offline");
        retryLater();
      }).then(function () {
        inflight = false;
        if (!failed) pump();
      });
    }

    function button(text, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button";
      b.textContent = text;
      b.addEventListener("click", onClick);
      return b;
    }

    function column(title, value, f) {
      var col = document.createElement("div");
      col.className = "conflict-column";
      var head = document.createElement("p");
      head.className = "conflict-label";
      head.textContent = title;
      var text = document.createElement("blockquote");
      text.className = "duk-words";
      text.textContent = display(f, value);
      col.appendChild(head);
      col.appendChild(text);
      return col;
    }

    function showConflict(f, theirs, yours, merged) {
      closeConflict(f);
      f.conflict = document.createElement("div");
      f.conflict.className = "conflict";
      f.conflict.setAttribute("role", "group");
      f.conflict.setAttribute("aria-label", msg("conflict"));
      var columns = document.createElement("div");
      columns.className = "conflict-columns";
      columns.appendChild(column(msg("theirs"), theirs, f));
      columns.appendChild(column(msg("yours"), yours, f));
      var actions = document.createElement("div");
      actions.className = "conflict-actions";
      actions.appendChild(button(msg("keep-mine"), function () {
        closeConflict(f); // the field still holds the worker's text (and anything typed since)
        f.base = theirs; // the stored value now: saving on top of it is the worker's choice
        changed(f);
        pump();
      }));
      actions.appendChild(button(msg("keep-theirs"), function () {
        closeConflict(f);
        setValue(f, theirs);
        setBase(f, theirs);
        clearDraft(f.field);
        delete pending[f.field];
        setState(f, "saved");
      }));
      if (f.kind === "text") {
        actions.appendChild(button(msg("merge"), function () {
          closeConflict(f);
          // The server's three-way merge: the sentences both kept come once, and a sentence
          // both changed comes in both versions, for the worker to tidy up.
          var typedSince = !same(valueOf(f), yours);
          setValue(f, merged && !typedSince ? merged : [theirs, valueOf(f)].filter(Boolean).join("\n\n"));
          f.base = theirs;
          changed(f);
          f.el.focus();
          later(f);
        }));
      }
      f.conflict.appendChild(columns);
      f.conflict.appendChild(actions);
      var anchor = f.stateEl || f.el;
      anchor.parentNode.insertBefore(f.conflict, anchor.nextSibling);
      saveDraft(f);
      setState(f, "conflict");
    }

    function closeConflict(f) {
      if (f.conflict) f.conflict.remove();
      f.conflict = null;
    }

    root.querySelectorAll("[data-autosave-field]").forEach(function (el) {
      var field = el.getAttribute("data-autosave-field");
      var f = {
        field: field,
        el: el,
        kind: kindOf(el),
        stateEl: root.querySelector('[data-save-state-for="' + CSS.escape(field) + '"]'),
        timer: null,
        conflict: null
      };
      f.base = valueOf(f); // what the server rendered
      fields[field] = f;
      order.push(field);
      if (f.kind === "text") {
        el.addEventListener("input", function () { changed(f); later(f); });
        el.addEventListener("blur", function () { clearTimeout(f.timer); pump(); });
      } else {
        el.addEventListener("change", function () { changed(f); pump(); });
      }
      // A draft the server never confirmed (network gone, signed out, tab closed): put it back.
      var draft = readDraft(field);
      if (draft && "value" in draft) {
        if (same(draft.value, f.base)) {
          clearDraft(field);
        } else {
          setValue(f, draft.value);
          if ("base" in draft) f.base = draft.base;
          pending[field] = true;
          setState(f, "unsaved", msg("restored"));
        }
      }
    });

    window.addEventListener("online", function () {
      order.forEach(function (name) { if (pending[name]) setState(fields[name], "unsaved"); });
      pump();
    });
    window.addEventListener("offline", function () {
      order.forEach(function (name) { if (pending[name]) setState(fields[name], "offline"); });
    });
    pump();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupFilters(document);
    document.querySelectorAll("form[data-participants]").forEach(setupParticipants);
    setupDialogs(document);
    document.querySelectorAll("[data-canvas-id][data-autosave-url]").forEach(setupAutosave);
  });

  window.Duk = window.Duk || {};
  window.Duk.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
})();
