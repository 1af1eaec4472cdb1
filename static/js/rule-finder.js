/* The rules index: search as you type. The server filters the same way from the query string (?q=...), so the page
   works without JavaScript; this only hides the rules that do not hold every typed word, opens the groups that do,
   and keeps the address bar in step so a reload or a shared link shows the same list. Facets apply with
   the Find button (no reload while a choice is being made).
   No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var form = document.querySelector("[data-rule-finder]");
  if (!form) {
    return;
  }
  var box = form.querySelector("input[name=q]");
  var count = form.querySelector("[data-finder-count]");
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
  var timer = null;

  function words(text) {
    return text.toLowerCase().replace(/_/g, " ").split(/\s+/).filter(Boolean);
  }

  function filter() {
    var wanted = words(box.value);
    var shown = 0;
    var total = 0;
    groups.forEach(function (group) {
      var rules = Array.prototype.slice.call(group.querySelectorAll("[data-rule]"));
      var hits = 0;
      rules.forEach(function (rule) {
        var text = rule.getAttribute("data-search") || "";
        var hit = wanted.every(function (w) { return text.indexOf(w) !== -1; });
        rule.hidden = !hit;
        hits += hit ? 1 : 0;
      });
      total += rules.length;
      shown += hits;
      group.hidden = wanted.length > 0 && hits === 0;
      if (wanted.length > 0) {
        group.open = hits > 0;
      }
      var label = group.querySelector("[data-group-count]");
      if (label) {
        label.textContent = (wanted.length ? hits + " of " : "") + rules.length + (rules.length === 1 ? " rule" : " rules");
      }
    });
    count.textContent = wanted.length ? shown + " of " + total + " rules match." : total + " rules; open a group or search.";
    var url = new URL(window.location.href);
    if (box.value) {
      url.searchParams.set("q", box.value);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url.toString());
  }

  box.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(filter, 120);
  });
})();
