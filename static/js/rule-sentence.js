/* The rule editor: the plain sentence and the condition tree follow the form as the editor types.
   The whole form (its CSRF token included) is posted to the sentence URL a moment after the last change; the server
   reads it as a save would and answers with the page's own "in plain words" partial, so no wording lives here.
   When a row's question or test changes, that row's answer controls are swapped for the ones the server drew.
   Nothing is saved. Without JavaScript the "Update the sentence" button does the same by a full round trip.
   No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-sentence-url]");
  var panel = document.querySelector("[data-live-sentence]");
  if (!form || !panel || !window.fetch || !window.FormData || !window.DOMParser) {
    return;
  }
  var body = panel.querySelector("[data-sentence-body]");
  var status = panel.querySelector("[data-sentence-status]");
  var said = panel.querySelector("[data-sentence-said]");
  var url = form.getAttribute("data-sentence-url");
  var timer = null;
  var asked = 0;
  var TYPING_MS = 350;
  var CHOSEN_MS = 50;
  var ROW_SHAPE = /^c-(r[.0-9]*)-(question|op)$/; /* a row's question or test: its answer controls follow */
  var redraw = {};

  panel.querySelector("[data-sentence-hint]").hidden = true;
  panel.querySelector("[data-sentence-hint-live]").hidden = false;
  Array.prototype.forEach.call(form.querySelectorAll("[data-without-script]"), function (part) {
    part.hidden = true; /* "press Update the sentence" is for pages without this script */
  });

  function show(html, ok) {
    var found = new DOMParser().parseFromString(html, "text/html");
    if (!ok) {
      status.replaceChildren.apply(status, Array.prototype.slice.call(found.body.childNodes));
      return;
    }
    status.replaceChildren();
    var sentence = found.getElementById("rule-sentence");
    var shownSentence = body.querySelector("#rule-sentence");
    var fresh = found.querySelector("[data-sentence-body]") || found.body;
    if (sentence && shownSentence && body.innerHTML !== fresh.innerHTML) {
      /* Folded parts stay as the editor left them: the one-sentence form, and each group of the tree by its id. */
      var folded = {};
      Array.prototype.forEach.call(body.querySelectorAll("details"), function (d) {
        var key = d.id || (d.querySelector("summary") || {}).id;
        if (key) {
          folded[key] = d.open;
        }
      });
      body.replaceChildren.apply(body, Array.prototype.slice.call(fresh.childNodes));
      Array.prototype.forEach.call(body.querySelectorAll("details"), function (d) {
        var key = d.id || (d.querySelector("summary") || {}).id;
        if (key && key in folded) {
          d.open = folded[key];
        }
      });
      if (shownSentence.textContent !== sentence.textContent) {
        said.textContent = sentence.textContent; /* a polite live region: read out once the editor pauses */
      }
    }
    var swapped = false;
    Object.keys(redraw).forEach(function (path) {
      var selector = "[data-row-answers='" + path + "']";
      var fresh = found.querySelector(selector);
      var shown = form.querySelector(selector);
      if (!fresh || !shown || fresh.innerHTML === shown.innerHTML) {
        return;
      }
      var focused = shown.contains(document.activeElement) ? document.activeElement.id : "";
      shown.replaceWith(document.adoptNode(fresh));
      swapped = true;
      if (focused && document.getElementById(focused)) {
        document.getElementById(focused).focus();
      }
    });
    redraw = {};
    if (swapped) {
      later(CHOSEN_MS); /* the new controls may hold other values than the old ones did: read them once more */
    }
  }

  function refresh() {
    var mine = ++asked;
    var posted = new FormData(form);
    Object.keys(redraw).forEach(function (path) {
      posted.append("answers_for", path); /* the rows whose answer controls the server should draw afresh */
    });
    fetch(url, { method: "POST", body: posted, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) {
          if (mine === asked) {
            show(html, response.ok);
          }
        });
      })
      .catch(function () {
        /* offline or the server is restarting: the last sentence stays, and the buttons still work */
      });
  }

  function later(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, ms);
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    /* The question picker's search box is not a field of the rule: only a chosen question counts. */
    if (target && target.hasAttribute && target.hasAttribute("data-picker-search")) {
      return;
    }
    later(TYPING_MS);
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-picker-search")) {
      return;
    }
    var shape = ROW_SHAPE.exec(target && target.name ? target.name : "");
    if (shape) {
      redraw[shape[1]] = true;
    }
    later(CHOSEN_MS);
  });
})();
