// Duk: progressive enhancement only. Every page works without this file.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // The recovery codes' print button (app/accounts/templates/totp_recovery.html): without
  // this file it stays hidden and the browser's own print does the same.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

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
  // version (data-canvas-version on the root). Every unsent change is also kept in the tab's
  // sessionStorage (keyed by canvas id and field, never by name, and marked with the user)
  // until the server confirms it, so a dropped network, a reload or an expired session loses
  // nothing, and nothing typed outlives the tab on a shared tablet. Signing out with unsent
  // text asks first. A conflict shows both texts.
  var DEBOUNCE_MS = 800;
  var DRAFT_PREFIX = "duk:draft:";
  var RETRY_MS = 15000;

  function setupAutosave(root) {
    var canvasId = root.getAttribute("data-canvas-id");
    var url = root.getAttribute("data-autosave-url");
    var fields = {};
    var order = [];
    var pending = {};
    var inflight = false;
    var stopped = false; // the session expired: wait for a new page load
    var gone = false; // the page was drawn anew in place (a form's answer): this copy is done
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

    // Drafts in sessionStorage: {value, base, user, at}. Storage may be full or forbidden:
    // then the text is still in the page, which is the best we can do.
    function draftKey(field) { return DRAFT_PREFIX + canvasId + ":" + field; }
    function saveDraft(f) {
      try {
        sessionStorage.setItem(draftKey(f.field), JSON.stringify(
          { value: valueOf(f), base: f.base, user: signedInUser(), at: Date.now() }));
      } catch (e) { /* ignore */ }
    }
    function readDraft(field) {
      var draft;
      try { draft = JSON.parse(sessionStorage.getItem(draftKey(field)) || "null"); }
      catch (e) { return null; }
      if (draft && draft.user !== signedInUser()) {
        clearDraft(field); // someone else signed in on this tab: not theirs to see
        return null;
      }
      return draft;
    }
    function clearDraft(field) {
      try { sessionStorage.removeItem(draftKey(field)); } catch (e) { /* ignore */ }
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
      if (inflight || stopped || gone) return;
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
      if (gone) return;
      order.forEach(function (name) { if (pending[name]) setState(fields[name], "unsaved"); });
      pump();
    });
    window.addEventListener("offline", function () {
      if (gone) return;
      order.forEach(function (name) { if (pending[name]) setState(fields[name], "offline"); });
    });
    pump();
    // Every unsent change is in sessionStorage already: the page drawn anew puts it back.
    return function stop() {
      gone = true;
      clearTimeout(retryTimer);
      order.forEach(function (name) { clearTimeout(fields[name].timer); });
    };
  }

  // --- Forms that outlive a dropped network or session -----------------------------------------
  // Every POST form of the pages is sent with fetch instead of by the browser, so a dropped
  // network never shows the browser's error page, and the typed text is never lost. Not the
  // sign-in forms (a password or a code is never kept) nor a form with a file; not a form htmx
  // sends.
  //
  // The answer is followed as the browser would follow it: a redirect (which the server answers
  // as 204 with Duk-Location to a form sent this way, app/web/browser.py) is gone to; a page (a
  // refused form with its field messages, an error page) is drawn in place of this one.
  //
  // While the network or the session is gone the form stays as typed, the page says what it
  // does (data-form-keeper in layout.html holds the words), and the form is sent again when
  // both are back: on the online event, a retry in a moment, a tap on "Send now", or once signed
  // in again (here, or in another tab: then it asks for a fresh CSRF token). Each send carries
  // the same Idempotency-Key while the form asks the same, so a form whose answer (not its
  // request) was lost is stored once (app/web/deps.py). Until it is answered the form is kept in
  // sessionStorage, keyed by the page and the form's action, so a reload or a Back puts it back:
  // never localStorage (on a shared tablet nothing typed outlives the tab), never a URL, and
  // cleared when sent and on sign-out.
  var FORM_PREFIX = "duk:form:";
  var SEND_TIMEOUT_MS = 30000;
  var SLOW_MS = 1000;
  var FIRST_RETRY_MS = 15000;
  var LAST_RETRY_MS = 300000;
  var formStates = new WeakMap();
  var liveForms = []; // the states of the forms on the page as it is drawn now
  var pageStops = []; // what to stop when the page is drawn anew in place

  function keeper() { return document.querySelector("[data-form-keeper]"); }
  function say(name) {
    var k = keeper();
    return (k && k.getAttribute("data-msg-" + name)) || "";
  }
  function signedInUser() {
    var k = keeper();
    return (k && k.getAttribute("data-user")) || "";
  }
  function keeperUrl(name, fallback) {
    var k = keeper();
    return (k && k.getAttribute("data-" + name + "-url")) || fallback;
  }

  // Attributes, not properties: a field named "action" or "method" hides the form's own.
  function actionOf(form, submitter) {
    var raw = submitter && submitter.hasAttribute("formaction")
      ? submitter.getAttribute("formaction") : form.getAttribute("action");
    return new URL(raw || location.href, location.href);
  }

  function sentByUs(form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
    // A password, a one-time code or a recovery code is never kept, nor sent again later.
    if (form.querySelector("input[type=password], input[type=file], " +
        "input[autocomplete=one-time-code], input[data-secret]")) return false;
    var target = form.getAttribute("target");
    if (target && target !== "_self") return false;
    var htmx = Array.prototype.some.call(form.attributes, function (a) {
      return /^(data-)?hx-(get|post|put|patch|delete)$/.test(a.name);
    });
    return !htmx && actionOf(form, null).origin === location.origin;
  }

  function stateOf(form) {
    var st = formStates.get(form);
    if (!st) {
      var action = actionOf(form, null);
      st = {
        form: form,
        action: action.pathname + action.search,
        record: FORM_PREFIX + location.pathname + " " + action.pathname + action.search,
        entries: null,
        submitter: null,
        key: null,
        waiting: null, // null, sending, offline, error, expired or restored
        busy: false,
        timer: null,
        delay: FIRST_RETRY_MS,
        slow: null,
        stateEl: null,
        shown: null,
        drawing: null
      };
      formStates.set(form, st);
      liveForms.push(st);
    }
    return st;
  }

  function entriesOf(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrftoken" && typeof value === "string") out.push([name, value]);
    });
    return out;
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The form as it is now, under the key it was sent with while it still asks the same: a
  // form changed since is a new request, with a key of its own.
  function take(st) {
    var entries = entriesOf(st.form);
    if (!st.key || JSON.stringify(entries) !== JSON.stringify(st.entries)) st.key = newKey();
    st.entries = entries;
  }

  function keep(st) {
    if (st.form.hasAttribute("data-signs-out")) return;
    try {
      sessionStorage.setItem(st.record, JSON.stringify({
        user: signedInUser(), action: st.action, entries: st.entries, submitter: st.submitter,
        key: st.key, state: st.waiting || "sending", at: Date.now()
      }));
    } catch (e) { /* storage full or forbidden: the form is still in the page */ }
  }
  function forget(st) {
    try { sessionStorage.removeItem(st.record); } catch (e) { /* ignore */ }
  }
  function kept(prefix, storage) {
    try {
      for (var i = 0; i < storage.length; i++) {
        if (storage.key(i).indexOf(prefix) === 0) return true;
      }
    } catch (e) { /* ignore */ }
    return false;
  }
  // Signing out forgets every form and canvas text still waiting in this tab.
  function forgetAllForms() {
    try {
      Object.keys(sessionStorage).forEach(function (name) {
        if (name.indexOf(FORM_PREFIX) === 0 || name.indexOf(DRAFT_PREFIX) === 0) {
          sessionStorage.removeItem(name);
        }
      });
    } catch (e) { /* ignore */ }
  }
  function anythingWaiting() {
    return kept(FORM_PREFIX, sessionStorage) || kept(DRAFT_PREFIX, sessionStorage);
  }

  function actionButton(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button-quiet";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // The form's status line, made when first needed (an empty live region first, then its
  // words a moment later, so that a screen reader hears them) and said politely.
  function show(st, state, href) {
    st.shown = { state: state, href: href };
    if (!st.stateEl) {
      st.stateEl = document.createElement("p");
      st.stateEl.className = "save-state form-state";
      st.stateEl.setAttribute("role", "status");
      st.stateEl.setAttribute("aria-live", "polite");
      st.form.appendChild(st.stateEl);
      st.drawing = setTimeout(function () { st.drawing = null; draw(st); }, 100);
    } else if (!st.drawing) {
      draw(st);
    }
  }

  function draw(st) {
    var el = st.stateEl;
    var state = st.shown.state;
    el.setAttribute("data-state", state || "");
    el.textContent = state ? say(state) : "";
    if (state === "expired") {
      var link = document.createElement("a");
      link.href = keeperUrl("login", "/login") + "?next=" +
        encodeURIComponent(location.pathname + location.search);
      link.textContent = say("sign-in");
      el.appendChild(document.createTextNode(" "));
      el.appendChild(link);
    }
    if (state === "sent" && st.shown.href) {
      var result = document.createElement("a");
      result.href = st.shown.href;
      result.textContent = say("show");
      el.appendChild(document.createTextNode(" "));
      el.appendChild(result);
    }
    if (state === "offline" || state === "error" || state === "expired" || state === "restored") {
      var actions = document.createElement("span");
      actions.className = "form-state-actions";
      actions.appendChild(actionButton(say("retry"), function () { retry(st); }));
      if (state === "restored") actions.appendChild(actionButton(say("discard"), function () { discard(st); }));
      el.appendChild(actions);
    }
  }

  function retryLater(st) {
    clearTimeout(st.timer);
    st.timer = setTimeout(function () { take(st); send(st); }, st.delay);
    st.delay = Math.min(st.delay * 2, LAST_RETRY_MS);
  }

  function send(st) {
    if (st.busy) return;
    clearTimeout(st.timer);
    if (!st.waiting) st.waiting = "sending";
    keep(st); // kept while on its way: a reload meanwhile puts it back
    if (!navigator.onLine) {
      st.waiting = "offline";
      keep(st);
      show(st, "offline");
      return;
    }
    st.busy = true;
    st.form.setAttribute("aria-busy", "true");
    if (st.waiting !== "sending") {
      show(st, "sending");
    } else {
      // Sent at once: said only if the answer is slow, where the browser would show it loading.
      st.slow = setTimeout(function () { if (st.busy) show(st, "sending"); }, SLOW_MS);
    }
    var body = new URLSearchParams();
    body.append("csrftoken", window.Duk.csrfToken());
    st.entries.forEach(function (pair) { body.append(pair[0], pair[1]); });
    if (st.submitter) body.append(st.submitter[0], st.submitter[1]);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    fetch(st.action, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "duk-fetch": "form", "idempotency-key": st.key, "accept": "text/html" },
      body: body,
      signal: controller.signal
    }).then(function (response) {
      return answered(st, response);
    }).catch(function (error) {
      // No answer: the network is gone or went while the answer came, or the server took too
      // long (then it may yet have stored the form: the same key makes that harmless).
      idle(st);
      st.waiting = error && error.name === "AbortError" ? "error" : "offline";
      keep(st);
      show(st, st.waiting);
      if (navigator.onLine) retryLater(st); // else the online event sends it
    }).then(function () { clearTimeout(timer); });
  }

  function idle(st) {
    clearTimeout(st.slow);
    st.busy = false;
    st.form.removeAttribute("aria-busy");
  }

  function answered(st, response) {
    var target = response.headers.get("duk-location");
    var problem = response.headers.get("duk-problem");
    var signedOutNow = response.type === "opaqueredirect" || response.status === 401 ||
      problem === "signed-out";
    if (signedOutNow && st.form.hasAttribute("data-signs-out")) {
      idle(st); // signed out already: on to the sign-in page, as signing out leads
      forget(st);
      go(keeperUrl("login", "/login"));
      return null;
    }
    if (signedOutNow) {
      idle(st);
      return signedOut(st);
    }
    if (response.status === 403 && problem === "csrf") {
      // Signed in anew since this page was drawn (another tab): the token has changed.
      idle(st);
      return withFreshToken([st]);
    }
    if (target) {
      idle(st);
      forget(st);
      return done(st, target);
    }
    if (response.status >= 500) {
      idle(st);
      st.waiting = "error";
      keep(st);
      show(st, "error");
      retryLater(st);
      return null;
    }
    return response.text().then(function (html) {
      idle(st);
      forget(st); // the server has answered: the page it drew holds the form as it was sent
      st.waiting = null;
      showPage(html);
    });
  }

  function signedOut(st) {
    st.waiting = "expired";
    keep(st);
    show(st, "expired");
    return null;
  }

  // A fresh CSRF token if the tab is signed in again, then the forms that waited for it.
  function withFreshToken(waiting) {
    return fetch(keeperUrl("token", "/form-token"), {
      credentials: "same-origin",
      redirect: "manual",
      headers: { "duk-fetch": "form", "accept": "application/json" }
    }).then(function (response) {
      return response.status === 200 ? response.json() : null;
    }).catch(function () { return null; }).then(function (data) {
      if (!data || !data.csrf_token) {
        waiting.forEach(signedOut);
        return;
      }
      setToken(data.csrf_token);
      waiting.forEach(function (st) {
        take(st);
        send(st);
      });
    });
  }

  function setToken(token) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) meta.setAttribute("content", token);
    document.querySelectorAll('input[name="csrftoken"]').forEach(function (input) { input.value = token; });
    document.body.getAttributeNames().forEach(function (name) {
      if (name.indexOf("hx-headers") !== 0) return;
      try {
        var headers = JSON.parse(document.body.getAttribute(name));
        headers["x-csrftoken"] = token;
        document.body.setAttribute(name, JSON.stringify(headers));
      } catch (e) { /* not ours */ }
    });
  }

  function unsent(st) { return st.busy || (st.waiting && st.waiting !== "sending"); }

  function typedIn(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.closest("[data-autosave-field]")) return false; // saves itself
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") {
        if (el.multiple) {
          return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
        }
        var first = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
        return el.selectedIndex !== (first === -1 ? 0 : first);
      }
      if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "hidden")) {
        return el.value !== el.defaultValue;
      }
      return false;
    });
  }

  // Sent. A form sent at once goes on to the answer, as the browser would. One that waited
  // says it was sent, and goes on too unless something else on the page would be lost.
  function done(st, target) {
    var waited = st.waiting && st.waiting !== "sending";
    st.waiting = null;
    st.key = null;
    st.delay = FIRST_RETRY_MS;
    if (waited) {
      var others = liveForms.some(function (other) {
        return other !== st && other.form.isConnected && unsent(other);
      }) || Array.prototype.some.call(document.forms, function (form) {
        return form !== st.form && sentByUs(form) && typedIn(form);
      });
      if (others) {
        st.form.reset();
        show(st, "sent", target);
        return;
      }
      show(st, "sent");
    }
    go(target);
  }

  function go(url) {
    var target = new URL(url, location.href);
    var here = new URL(location.href);
    if (target.pathname + target.search === here.pathname + here.search) {
      // Only the fragment differs: the browser would not load the page again by itself.
      if (target.hash !== here.hash) history.replaceState(history.state, "", target.href);
      location.reload();
    } else {
      location.assign(target.href);
    }
  }

  // The answer was a page (a refused form and why, an error): drawn in place of this one.
  function showPage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    pageStops.splice(0).forEach(function (stop) { stop(); });
    liveForms.splice(0).forEach(function (st) { clearTimeout(st.timer); });
    document.title = doc.title;
    var lang = doc.documentElement.getAttribute("lang");
    if (lang) document.documentElement.setAttribute("lang", lang);
    var meta = doc.querySelector('meta[name="csrf-token"]');
    if (meta) setToken(meta.getAttribute("content"));
    var body = document.body;
    body.getAttributeNames().forEach(function (name) { body.removeAttribute(name); });
    doc.body.getAttributeNames().forEach(function (name) {
      body.setAttribute(name, doc.body.getAttribute(name));
    });
    body.replaceChildren.apply(body, Array.prototype.map.call(
      Array.prototype.slice.call(doc.body.childNodes), function (node) { return document.adoptNode(node); }
    ));
    window.scrollTo(0, 0);
    enhance(body);
    if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(body);
    // Focus where the browser's own answer would leave a keyboard user no worse off: the
    // first field that needs a look (its message is its description), else the page's main.
    var invalid = body.querySelector("main [aria-invalid=true]");
    var field = invalid && (invalid.matches("input, select, textarea") ? invalid
      : invalid.querySelector("input:checked, input, select, textarea"));
    var main = body.querySelector("main");
    if (field) field.focus(); else if (main) main.focus();
  }

  function retry(st) {
    if (st.busy) return;
    st.delay = FIRST_RETRY_MS;
    if (st.waiting === "expired") {
      withFreshToken([st]);
      return;
    }
    if (st.waiting === "restored") st.waiting = "sending";
    take(st);
    send(st);
  }

  function discard(st) {
    forget(st);
    clearTimeout(st.timer);
    st.waiting = null;
    st.key = null;
    st.form.reset();
    show(st, null);
  }

  // A form that was kept on this tab (the page reloaded, or come back to): put back as it
  // was sent. One that waited for its user to sign in again goes now; any other waits for
  // the worker to look at it and send it.
  function fill(form, entries) {
    var values = {};
    entries.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var used = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name;
      var type = el.type;
      if (!name || name === "csrftoken" || el.disabled || el.closest("[data-autosave-field]")) return;
      if (type === "submit" || type === "button" || type === "reset" || type === "image" ||
          type === "file" || el.tagName === "FIELDSET" || el.tagName === "OUTPUT") return;
      var list = values[name] || [];
      if (type === "checkbox" || type === "radio") {
        el.checked = list.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) {
          if (el.multiple || list.length) o.selected = list.indexOf(o.value) !== -1;
        });
      } else {
        var i = used[name] || 0;
        used[name] = i + 1;
        if (i < list.length) el.value = list[i];
      }
    });
    var details = form.closest("details");
    if (details) details.open = true;
  }

  function restore(form) {
    var st = stateOf(form);
    var record;
    try { record = JSON.parse(sessionStorage.getItem(st.record) || "null"); }
    catch (e) { record = null; }
    if (!record || !Array.isArray(record.entries)) return;
    var user = signedInUser();
    if (!user) return; // signed out: kept until someone signs in here
    if (record.user !== user) {
      forget(st); // someone else signed in on this tab: not theirs to see
      return;
    }
    fill(form, record.entries);
    if (typeof record.action === "string" && /^\/(?!\/)/.test(record.action)) st.action = record.action;
    st.entries = record.entries;
    st.submitter = record.submitter || null;
    st.key = record.key || null;
    if (record.state === "expired") {
      st.waiting = "expired"; // signed in again, on this page: it goes now
      send(st);
    } else {
      st.waiting = "restored";
      keep(st);
      show(st, "restored");
    }
  }

  function onSubmit(event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !sentByUs(form)) return;
    var submitter = event.submitter;
    if (submitter && (submitter.hasAttribute("formmethod") || submitter.hasAttribute("formtarget") ||
        actionOf(form, submitter).origin !== location.origin)) return;
    event.preventDefault();
    var st = stateOf(form);
    if (st.busy) return; // on its way already: a second tap does not send it twice
    if (form.hasAttribute("data-signs-out")) {
      // Text not yet saved would be lost: the worker chooses, in the page's language.
      if (anythingWaiting() && !window.confirm(form.getAttribute("data-unsent-warning") || "")) return;
      forgetAllForms();
    }
    var action = actionOf(form, submitter);
    st.action = action.pathname + action.search;
    st.submitter = submitter && submitter.name ? [submitter.name, submitter.value || ""] : null;
    st.delay = FIRST_RETRY_MS;
    take(st);
    send(st);
  }

  // The network is back: what waited for it goes, and what waited for a sign-in goes if the
  // user has signed in again meanwhile (in another tab).
  function whenOnline() {
    liveForms.forEach(function (st) {
      if (st.busy || !st.form.isConnected) return;
      if (st.waiting === "offline" || st.waiting === "error") {
        take(st);
        send(st);
      }
    });
    whenSignedIn();
  }

  // The tab is looked at again: the user may have signed in again in another tab.
  function whenSignedIn() {
    var expired = liveForms.filter(function (st) {
      return st.waiting === "expired" && !st.busy && st.form.isConnected;
    });
    if (expired.length && navigator.onLine) withFreshToken(expired);
  }

  function setupForms(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (sentByUs(form)) restore(form);
    });
    // The sign-in page says when something typed waits for the user to sign in again.
    var notice = root.querySelector("[data-draft-notice]");
    if (notice) notice.hidden = !anythingWaiting();
  }

  function enhance(root) {
    setupFilters(root);
    root.querySelectorAll("form[data-participants]").forEach(setupParticipants);
    setupDialogs(root);
    root.querySelectorAll("[data-canvas-id][data-autosave-url]").forEach(function (el) {
      pageStops.push(setupAutosave(el));
    });
    setupForms(root); // after autosave, which reads what the server drew as its base
  }

  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", whenOnline);
  window.addEventListener("focus", whenSignedIn);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") whenSignedIn();
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Earlier versions kept canvas drafts in localStorage, where they outlived the tab and
    // the sign-out on a shared tablet: they go.
    try {
      Object.keys(localStorage).forEach(function (name) {
        if (name.indexOf(DRAFT_PREFIX) === 0) localStorage.removeItem(name);
      });
    } catch (e) { /* ignore */ }
    enhance(document);
  });

  window.Duk = window.Duk || {};
  window.Duk.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
})();
